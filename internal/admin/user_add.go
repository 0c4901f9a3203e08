package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// userForm is the add-user form with its field errors.
type userForm struct {
	Email       string
	IsActive    bool
	IsStaff     bool
	IsSuperuser bool
	Errors      map[string]string // field name -> message
}

// userAddPage shows the add-user form (superusers only).
func (p *panel) userAddPage(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if !s.user.IsSuperuser {
		p.denied(w, r, "add users")
		return
	}
	p.renderUserAdd(w, r, s, userForm{IsActive: true})
}

func (p *panel) renderUserAdd(w http.ResponseWriter, r *http.Request, s *staffSession, f userForm) {
	p.page(w, r, s, http.StatusOK, "user_add", "Add user", "users", f,
		crumb{Label: "Users", URL: "/admin/users/"}, crumb{Label: "Add user"})
}

// userAdd creates a user. Both password fields blank give an unusable password: the user sets
// one through a password reset.
func (p *panel) userAdd(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if !s.user.IsSuperuser {
		p.denied(w, r, "add users")
		return
	}
	f := userForm{
		Email: truncate(strings.TrimSpace(r.PostFormValue("email")), 254), IsActive: checked(r, "is_active"),
		IsStaff: checked(r, "is_staff"), IsSuperuser: checked(r, "is_superuser"), Errors: map[string]string{},
	}
	pw1, pw2 := r.PostFormValue("password1"), r.PostFormValue("password2")
	if f.Email == "" {
		f.Errors["email"] = msgRequired
	}
	if pw1 != pw2 {
		f.Errors["password2"] = "The two password fields didn’t match."
	}
	if len(f.Errors) > 0 {
		p.renderUserAdd(w, r, s, f)
		return
	}
	u, err := p.svc.CreateUser(r.Context(), auth.NewUser{
		Email: f.Email, Password: pw1, IsStaff: f.IsStaff, IsSuperuser: f.IsSuperuser, Inactive: !f.IsActive,
	}, s.user.ID, p.client(r))
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		for field, msgs := range ve.Fields {
			if field != "email" {
				field = "password1"
			}
			f.Errors[field] = strings.TrimSpace(f.Errors[field] + " " + strings.Join(msgs, " "))
		}
		p.renderUserAdd(w, r, s, f)
		return
	}
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	p.setFlash(w, r, s, "The user “"+u.Email+"” was added successfully.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
