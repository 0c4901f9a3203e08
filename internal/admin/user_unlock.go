package admin

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/authgate/authgate/internal/auth"
)

// userUnlockCodes lets a user's codes work again after too many failed second-factor checks in
// a row (the other way out is a password reset). Staff may do this for users who are not
// superusers, superusers for anyone; it is audited with the administrator.
func (p *panel) userUnlockCodes(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	if u.IsSuperuser && !s.user.IsSuperuser {
		p.denied(w, r, "change a superuser's account")
		return
	}
	if !p.svc.SecondFactorLocked(u) {
		p.setFlash(w, r, s, "The codes of “"+u.Email+"” were not locked.")
		http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
		return
	}
	err := p.svc.UnlockSecondFactor(r.Context(), u, s.user.ID, p.client(r))
	if errors.Is(err, auth.ErrNotFound) {
		p.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	p.setFlash(w, r, s, "The codes of “"+u.Email+"” work again, after "+strconv.Itoa(u.SecondFactorFailures)+
		" wrong codes in a row. Ask them to choose a new password: someone knows the old one.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
