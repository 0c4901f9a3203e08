package admin

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

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
