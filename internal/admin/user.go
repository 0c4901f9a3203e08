package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// userData is a user's page: their account, flags form, live sessions, latest tokens and events.
type userData struct {
	User        auth.User
	ValidAfter  time.Time // zero when nothing was ever revoked
	Self        bool
	CanEdit     bool // may change the active and two-factor flags
	CanPromote  bool // may change the staff and superuser flags (superusers only)
	CanPassword bool
	CanResend   bool // the address awaits verification
	// CodesLocked: too many failed second-factor checks in a row; Failures counts them.
	CodesLocked bool
	Failures    int
	Factors     []auth.Factor // the second factors the user set up
	HasTOTP     bool
	Error       string
	Sessions    []auth.Session
	Ended       []auth.EndedSession // the latest ended sessions
	Tokens      []tokenRow
	Events      []eventRow
	// Identities are the user's accounts at external identity providers (issue #19).
	Identities []auth.Identity
}

// loadUser reads the user named in the path; an unknown or malformed id is the 404 page.
func (p *panel) loadUser(w http.ResponseWriter, r *http.Request) (auth.User, bool) {
	u, err := p.svc.UserByID(r.Context(), r.PathValue("id"))
	if errors.Is(err, auth.ErrNotFound) {
		p.errorPage(w, r, http.StatusNotFound)
		return auth.User{}, false
	}
	if err != nil {
		p.internalError(w, r, err)
		return auth.User{}, false
	}
	return u, true
}

// userPage shows one user.
func (p *panel) userPage(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	p.renderUser(w, r, s, http.StatusOK, u, "")
}

func (p *panel) renderUser(w http.ResponseWriter, r *http.Request, s *staffSession, status int, u auth.User, msg string) {
	d, err := p.userDetails(r.Context(), s, u)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	d.Error = msg
	p.page(w, r, s, status, "user", u.Email, "users", d,
		crumb{Label: "Users", URL: "/admin/users/"}, crumb{Label: u.Email})
}

func (p *panel) userDetails(ctx context.Context, s *staffSession, u auth.User) (userData, error) {
	store := p.svc.Store()
	d := userData{
		User: u, Self: u.ID == s.user.ID, CanEdit: s.user.IsSuperuser || !u.IsSuperuser,
		CanPromote: s.user.IsSuperuser, CanPassword: s.user.IsSuperuser,
		CanResend:   u.VerifiedAt.IsZero() && (u.IsActive || u.ActivationPending),
		CodesLocked: p.svc.SecondFactorLocked(u), Failures: u.SecondFactorFailures,
	}
	if u.TokensValidAfter.After(time.Unix(0, 0)) {
		d.ValidAfter = u.TokensValidAfter
	}
	var err error
	if d.Factors, err = p.svc.Factors(ctx, u); err != nil {
		return d, err
	}
	for _, f := range d.Factors {
		d.HasTOTP = d.HasTOTP || f.Method == auth.MethodTOTP
	}
	if d.Sessions, err = store.Sessions(ctx, u.ID, p.now()); err != nil {
		return d, err
	}
	if d.Ended, err = store.EndedSessionsOfUser(ctx, u.ID, 10); err != nil {
		return d, err
	}
	tokens, err := store.ListTokens(ctx, auth.TokenQuery{UserID: u.ID, Now: p.now(), Limit: 10})
	if err != nil {
		return d, err
	}
	d.Tokens = p.tokenRows(tokens)
	if d.Identities, err = p.svc.Identities(ctx, u); err != nil {
		return d, err
	}
	events, err := store.ListEvents(ctx, auth.EventQuery{UserID: u.ID, Limit: 10})
	if err != nil {
		return d, err
	}
	d.Events, err = p.eventRows(ctx, events)
	return d, err
}

// userUpdate changes a user's flags. Staff may turn active and two-factor on and off for users
// who are not superusers; only superusers may change the staff and superuser flags or touch a
// superuser's account. Nobody may lock themselves out.
func (p *panel) userUpdate(w http.ResponseWriter, r *http.Request, s *staffSession) {
	old, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	u := old
	u.IsActive = checked(r, "is_active")
	u.TwoFactorEnabled = checked(r, "two_factor_enabled")
	// The names travel in the same form; a form without them (an older page) keeps them.
	if r.PostForm.Has("first_name") || r.PostForm.Has("last_name") {
		u.FirstName = strings.TrimSpace(r.PostFormValue("first_name"))
		u.LastName = strings.TrimSpace(r.PostFormValue("last_name"))
	}
	if s.user.IsSuperuser {
		u.IsSuperuser = checked(r, "is_superuser")
		u.IsStaff = checked(r, "is_staff") || u.IsSuperuser
	} else {
		// Staff forms carry no staff or superuser boxes: absent means unchanged, and any attempt
		// to set them is refused rather than ignored.
		if r.PostForm.Has("is_staff") && checked(r, "is_staff") != old.IsStaff ||
			r.PostForm.Has("is_superuser") && checked(r, "is_superuser") != old.IsSuperuser {
			p.denied(w, r, "change the staff or superuser status of a user")
			return
		}
		if old.IsSuperuser && u != old {
			p.denied(w, r, "change a superuser's account")
			return
		}
	}
	if u.ID == s.user.ID && (!u.IsActive || !u.IsStaff || old.IsSuperuser && !u.IsSuperuser) {
		p.renderUser(w, r, s, http.StatusOK, old,
			"You cannot deactivate your own account or remove your own staff or superuser status.")
		return
	}
	ctx := r.Context()
	err := p.svc.UpdateUser(ctx, u, s.user.ID, p.client(r))
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		p.renderUser(w, r, s, http.StatusOK, old, validationText(ve))
		return
	case errors.Is(err, auth.ErrNotFound):
		p.errorPage(w, r, http.StatusNotFound)
		return
	case err != nil:
		p.internalError(w, r, err)
		return
	}
	if !u.IsActive || !u.IsStaff {
		if err := p.svc.Store().DeleteAdminSessionsOfUser(ctx, u.ID); err != nil {
			p.internalError(w, r, err)
			return
		}
	}
	p.setFlash(w, r, s, "The user “"+u.Email+"” was changed successfully.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}

func userURL(id string) string { return "/admin/users/" + id + "/" }
