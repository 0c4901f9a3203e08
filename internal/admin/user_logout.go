package admin

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// userEndSession ends one session of a user: its refresh tokens are blacklisted and its access
// tokens refused within a second on every instance. Staff may do this.
func (p *panel) userEndSession(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	err := p.svc.AdminEndSession(r.Context(), u, r.PathValue("sid"), s.user.ID, p.client(r))
	if errors.Is(err, auth.ErrNotFound) {
		p.setFlash(w, r, s, "That session had already ended.")
		http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
		return
	}
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	p.setFlash(w, r, s, "The session was ended: its refresh tokens are blacklisted and its access tokens refused.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}

// userLogoutAll logs a user out everywhere: every refresh token of theirs is blacklisted, the
// access tokens issued so far are refused, and their admin sessions end. Staff may do this.
func (p *panel) userLogoutAll(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	err := p.svc.LogoutAll(ctx, u.ID, s.user.ID, p.client(r))
	if errors.Is(err, auth.ErrNotFound) {
		p.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	if err := p.svc.Store().DeleteAdminSessionsOfUser(ctx, u.ID); err != nil {
		p.internalError(w, r, err)
		return
	}
	if u.ID == s.user.ID {
		p.clearCookie(w, r, sessionCookie)
		http.Redirect(w, r, loginPath, http.StatusSeeOther)
		return
	}
	p.setFlash(w, r, s, "“"+u.Email+"” was logged out everywhere: every refresh token is blacklisted and "+
		"earlier access tokens are refused.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
