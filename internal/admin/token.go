package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/authgate/authgate/internal/auth"
)

// tokenData is one token's page.
type tokenData struct {
	Token       tokenRow
	UserMissing bool
	Decoded     decoded
	DecodeError string
	Back        string
}

// maxJTILen bounds a jti in a path or form; SimpleJWT's are 32 hex characters, the column 255.
const maxJTILen = 255

// loadToken reads the token named by jti; an unknown or malformed jti is the 404 page.
func (p *panel) loadToken(w http.ResponseWriter, r *http.Request, jti string) (auth.OutstandingToken, bool) {
	if jti == "" || len(jti) > maxJTILen {
		p.errorPage(w, r, http.StatusNotFound)
		return auth.OutstandingToken{}, false
	}
	t, err := p.svc.Store().TokenByJTI(r.Context(), jti)
	if errors.Is(err, auth.ErrNotFound) {
		p.errorPage(w, r, http.StatusNotFound)
		return auth.OutstandingToken{}, false
	}
	if err != nil {
		p.internalError(w, r, err)
		return auth.OutstandingToken{}, false
	}
	return t, true
}

// tokenPage shows one token: its row, its user, and its decoded header and claims.
func (p *panel) tokenPage(w http.ResponseWriter, r *http.Request, s *staffSession) {
	t, ok := p.loadToken(w, r, r.PathValue("jti"))
	if !ok {
		return
	}
	d := tokenData{Token: toRow(t, p.now()), Back: r.URL.Path}
	if t.UserID != "" && d.Token.UserEmail == "" {
		u, err := p.svc.UserByID(r.Context(), t.UserID)
		switch {
		case errors.Is(err, auth.ErrNotFound):
			d.UserMissing = true
		case err != nil:
			p.internalError(w, r, err)
			return
		}
		d.Token.UserEmail = u.Email
	}
	dec, err := decodeToken(t.Token)
	if err != nil {
		d.DecodeError = "The stored token could not be decoded."
	}
	d.Decoded = dec
	p.page(w, r, s, http.StatusOK, "token", "Token "+t.JTI, "tokens", d,
		crumb{Label: "Outstanding tokens", URL: "/admin/tokens/"}, crumb{Label: t.JTI})
}

// tokenBlacklist blacklists one token (an audited admin action) and returns to its page.
func (p *panel) tokenBlacklist(w http.ResponseWriter, r *http.Request, s *staffSession) {
	t, ok := p.loadToken(w, r, r.PathValue("jti"))
	if !ok {
		return
	}
	if err := p.svc.AdminBlacklist(r.Context(), t.JTI, s.user.ID, p.client(r)); err != nil {
		p.blacklistFailed(w, r, err)
		return
	}
	p.setFlash(w, r, s, "The token "+t.JTI+" is blacklisted.")
	http.Redirect(w, r, tokenURL(t.JTI), http.StatusSeeOther)
}

// maxSelected bounds one "blacklist selected" action (a page shows at most pageSize rows).
const maxSelected = 1000

// tokenBlacklistSelected blacklists the ticked tokens of a list page and returns to it.
func (p *panel) tokenBlacklistSelected(w http.ResponseWriter, r *http.Request, s *staffSession) {
	back := safeNext(r.PostFormValue("back"))
	jtis := r.PostForm["jti"]
	if len(jtis) == 0 {
		p.setFlash(w, r, s, "Select tokens to blacklist first. No tokens were changed.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if len(jtis) > maxSelected {
		p.problemPage(w, r, http.StatusBadRequest, problem{Heading: "Too many tokens selected",
			Message: "Select at most 1000 tokens at a time."})
		return
	}
	n := 0
	for _, jti := range jtis {
		if jti == "" || len(jti) > maxJTILen {
			continue
		}
		err := p.svc.AdminBlacklist(r.Context(), jti, s.user.ID, p.client(r))
		if errors.Is(err, auth.ErrNotFound) {
			continue
		}
		if err != nil {
			p.blacklistFailed(w, r, err)
			return
		}
		n++
	}
	msg := "Blacklisted 1 token."
	if n != 1 {
		msg = "Blacklisted " + strconv.Itoa(n) + " tokens."
	}
	p.setFlash(w, r, s, msg)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (p *panel) blacklistFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, auth.ErrNotFound) {
		p.errorPage(w, r, http.StatusNotFound)
		return
	}
	p.internalError(w, r, err)
}

func tokenURL(jti string) string { return "/admin/tokens/" + url.PathEscape(jti) + "/" }
