package admin

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// userRemoveIdentity unlinks one of a user's external identities (issue #19), unless it is the
// account's last way to log in. Staff may do this for users who are not superusers, superusers
// for anyone; it is audited with the administrator.
func (p *panel) userRemoveIdentity(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	if u.IsSuperuser && !s.user.IsSuperuser {
		p.denied(w, r, "change a superuser's account")
		return
	}
	err := p.svc.UnlinkIdentity(r.Context(), u, r.PathValue("iid"), s.user.ID, p.client(r))
	switch {
	case errors.Is(err, auth.ErrNotFound):
		p.setFlash(w, r, s, "That identity was not linked to “"+u.Email+"”.")
	case errors.Is(err, auth.ErrLastLogin):
		p.setFlash(w, r, s, "That identity is the last way “"+u.Email+"” can log in: set a password first.")
	case err != nil:
		p.internalError(w, r, err)
		return
	default:
		p.setFlash(w, r, s, "The identity was removed from “"+u.Email+"”.")
	}
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
