package admin

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// passwordForm is the set-password form.
type passwordForm struct {
	User   auth.User
	Errors map[string]string
}

// passwordPage shows the set-password form (superusers only).
func (p *panel) passwordPage(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if !s.user.IsSuperuser {
		p.denied(w, r, "set passwords")
		return
	}
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	p.renderPassword(w, r, s, passwordForm{User: u})
}

func (p *panel) renderPassword(w http.ResponseWriter, r *http.Request, s *staffSession, f passwordForm) {
	p.page(w, r, s, http.StatusOK, "password", "Change password: "+f.User.Email, "users", f,
		crumb{Label: "Users", URL: "/admin/users/"}, crumb{Label: f.User.Email, URL: userURL(f.User.ID)},
		crumb{Label: "Change password"})
}

// passwordSet replaces a user's password under the password policy. Every refresh token of the
// user is blacklisted and their access tokens refused (the Service does that); their admin
// sessions end too, except that an administrator changing their own gets a fresh session.
func (p *panel) passwordSet(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if !s.user.IsSuperuser {
		p.denied(w, r, "set passwords")
		return
	}
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	f := passwordForm{User: u, Errors: map[string]string{}}
	pw1, pw2 := r.PostFormValue("password1"), r.PostFormValue("password2")
	switch {
	case pw1 == "":
		f.Errors["password1"] = msgRequired
	case pw1 != pw2:
		f.Errors["password2"] = "The two password fields didn’t match."
	}
	if len(f.Errors) > 0 {
		p.renderPassword(w, r, s, f)
		return
	}
	ctx := r.Context()
	err := p.svc.SetPassword(ctx, u, pw1, s.user.ID, p.client(r), false)
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		f.Errors["password1"] = validationText(ve)
		p.renderPassword(w, r, s, f)
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
		if s, err = p.startSession(ctx, w, r, s.user); err != nil {
			p.internalError(w, r, err)
			return
		}
	}
	p.setFlash(w, r, s, "Password changed for “"+u.Email+"”. Their tokens and sessions were revoked.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
