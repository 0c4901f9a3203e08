package admin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authgate/authgate/internal/auth"
)

// touchEvery limits how often a session's last-seen time is written: not on every page view.
const touchEvery = time.Minute

// staffSession is a logged-in administrator's request: the session, the user it belongs to (read
// afresh on every request, so deactivation or losing staff takes effect at once) and the CSRF
// secret of the session.
type staffSession struct {
	sess auth.AdminSession
	user auth.User
	csrf []byte
}

// staffHandler is a page or action for a logged-in administrator.
type staffHandler func(w http.ResponseWriter, r *http.Request, s *staffSession)

// startSession logs u in: any session the browser held is deleted and a fresh id is issued
// (against session fixation), and its cookie set. It returns the new session.
func (p *panel) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u auth.User) (*staffSession, error) {
	if old, ok := parseCookieSecret(cookieValue(r, sessionCookie)); ok {
		if err := p.dropSession(ctx, sessionID(old)); err != nil {
			return nil, err
		}
	}
	v, secret, err := p.newCookieSecret()
	if err != nil {
		return nil, err
	}
	csrf, err := p.randomBytes(secretLen)
	if err != nil {
		return nil, err
	}
	now := p.now().UTC()
	c := p.client(r)
	s := auth.AdminSession{
		ID: sessionID(secret), UserID: u.ID, CSRFSecret: hex.EncodeToString(csrf), CreatedAt: now,
		ExpiresAt: now.Add(p.ttl), LastSeenAt: now, ClientIP: c.IP, UserAgent: truncate(c.UserAgent, 512),
	}
	if err := p.svc.Store().CreateAdminSession(ctx, s); err != nil {
		return nil, fmt.Errorf("admin: create session: %w", err)
	}
	if _, err := p.svc.Store().DeleteExpiredAdminSessions(ctx, now); err != nil {
		p.log.WarnContext(ctx, "expired admin sessions not deleted", "err", err)
	}
	p.setCookie(w, r, sessionCookie, v, s.ExpiresAt)
	return &staffSession{sess: s, user: u, csrf: csrf}, nil
}

// currentSession returns the request's live session; ok is false when there is none (no cookie,
// unknown, expired, or its user is gone, inactive or no longer staff: such a session is deleted).
func (p *panel) currentSession(ctx context.Context, r *http.Request) (s *staffSession, ok bool, err error) {
	secret, ok := parseCookieSecret(cookieValue(r, sessionCookie))
	if !ok {
		return nil, false, nil
	}
	store := p.svc.Store()
	sess, err := store.AdminSessionByID(ctx, sessionID(secret))
	if errors.Is(err, auth.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("admin: load session: %w", err)
	}
	now := p.now()
	csrf, herr := hex.DecodeString(sess.CSRFSecret)
	if !now.Before(sess.ExpiresAt) || herr != nil || len(csrf) != secretLen {
		return nil, false, p.dropSession(ctx, sess.ID)
	}
	u, err := p.svc.UserByID(ctx, sess.UserID)
	if errors.Is(err, auth.ErrNotFound) || err == nil && (!u.IsActive || !u.IsStaff) {
		return nil, false, p.dropSession(ctx, sess.ID)
	}
	if err != nil {
		return nil, false, fmt.Errorf("admin: load session user: %w", err)
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := store.TouchAdminSession(ctx, sess.ID, now.UTC()); err != nil && !errors.Is(err, auth.ErrNotFound) {
			p.log.WarnContext(ctx, "admin session not touched", "err", err)
		}
	}
	return &staffSession{sess: sess, user: u, csrf: csrf}, true, nil
}

func (p *panel) dropSession(ctx context.Context, id string) error {
	if err := p.svc.Store().DeleteAdminSession(ctx, id); err != nil && !errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("admin: drop session: %w", err)
	}
	return nil
}

// staff guards a page: without a live session a GET is sent to the login page (which brings the
// user back afterwards) and a POST too, without coming back; a POST with a session must carry the
// session's CSRF token, else the 403 page.
func (p *panel) staff(h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok, err := p.currentSession(r.Context(), r)
		if err != nil {
			p.internalError(w, r, err)
			return
		}
		if !ok {
			target := loginPath
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		if r.Method == http.MethodPost {
			if !p.parseForm(w, r) {
				return
			}
			if !validToken(s.csrf, r.PostFormValue(csrfField)) {
				p.csrfFailure(w, r)
				return
			}
		}
		h(w, r, s)
	}
}

// truncate keeps at most n bytes of valid UTF-8 (PostgreSQL refuses anything else).
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
