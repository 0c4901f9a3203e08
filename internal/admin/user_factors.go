package admin

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// userRemoveTOTP removes a user's authenticator app, for a user who lost the phone it was on.
// Staff may do this for users who are not superusers, superusers for anyone; it is audited
// with the administrator and the user is mailed a notice. The user's other factors and
// recovery codes stay (the codes go when it was the last factor).
func (p *panel) userRemoveTOTP(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	if u.IsSuperuser && !s.user.IsSuperuser {
		p.denied(w, r, "change a superuser's account")
		return
	}
	err := p.svc.RemoveTOTP(r.Context(), u, s.user.ID, p.client(r))
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		p.setFlash(w, r, s, "“"+u.Email+"” has no authenticator app.")
		http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
		return
	}
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	p.setFlash(w, r, s, "The authenticator app of “"+u.Email+"” is removed.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
