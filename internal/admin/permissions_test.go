package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
)

func TestStaffCannotDoSuperuserThings(t *testing.T) {
	t.Parallel()
	e, su, _, u := env(t)
	ctx := context.Background()
	a := newAgent(t, e)
	a.login(staffEmail, password)
	userPage := "/admin/users/" + u.ID + "/"

	denied := func(name string, p page) {
		t.Helper()
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "Only superusers may") {
			t.Errorf("%s: %d, want the 403 page\n%s", name, p.Status, errorText(p.Body))
		}
	}
	denied("add user page", a.get("/admin/users/add/"))
	denied("add user", a.submit(userPage, "/admin/users/add/", url.Values{
		"email": {"new@example.com"}, "password1": {password}, "password2": {password}, "is_active": {"on"}}))
	if _, err := e.App.Service.UserByEmail(ctx, "new@example.com"); err == nil {
		t.Error("staff created a user")
	}
	denied("password page", a.get(userPage+"password/"))
	denied("set password", a.submit(userPage, userPage+"password/", url.Values{
		"password1": {"a brand new secret 1"}, "password2": {"a brand new secret 1"}}))
	if _, _, err := e.App.Service.StaffLogin(ctx, userEmail, password, auth.Client{}); !errors.Is(err, auth.ErrNotStaff) {
		t.Errorf("the password changed: %v", err)
	}
	denied("promote to superuser", a.submit(userPage, userPage, url.Values{
		"is_active": {"on"}, "is_superuser": {"on"}}))
	denied("promote to staff", a.submit(userPage, userPage, url.Values{
		"is_active": {"on"}, "is_staff": {"on"}}))
	denied("deactivate a superuser", a.submit(userPage, "/admin/users/"+su.ID+"/", url.Values{}))
	for _, id := range []string{u.ID, su.ID} {
		got, _ := e.App.Service.UserByID(ctx, id)
		if got.IsStaff != (id == su.ID) || got.IsSuperuser != (id == su.ID) || !got.IsActive {
			t.Errorf("flags changed by staff: %+v", got)
		}
	}
	// The pages do not offer what staff cannot do.
	p := a.get(userPage)
	if strings.Contains(p.Body, `name="is_superuser"`) || strings.Contains(p.Body, "/password/") {
		t.Error("the user page offers superuser-only controls to staff")
	}
	if strings.Contains(a.get("/admin/users/").Body, "/admin/users/add/") {
		t.Error("the users page offers Add user to staff")
	}

	// What staff may do: activate flags of plain users, log them out, blacklist tokens.
	p = a.submit(userPage, userPage, url.Values{"is_active": {"on"}, "two_factor_enabled": {"on"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("staff turning two-factor on: %d %s", p.Status, errorText(p.Body))
	}
	if got, _ := e.App.Service.UserByID(ctx, u.ID); !got.TwoFactorEnabled || got.IsStaff {
		t.Errorf("after staff edit: %+v", got)
	}
	if p := a.submit(userPage, userPage+"logout-all/", nil); p.Status != http.StatusSeeOther {
		t.Errorf("staff logging a user out: %d", p.Status)
	}
}

func TestNobodyLocksThemselvesOut(t *testing.T) {
	t.Parallel()
	e, su, _, _ := env(t)
	a := newAgent(t, e)
	a.login(superEmail, password)
	self := "/admin/users/" + su.ID + "/"
	for name, form := range map[string]url.Values{
		"deactivate":      {"is_staff": {"on"}, "is_superuser": {"on"}},
		"drop superuser":  {"is_active": {"on"}, "is_staff": {"on"}},
		"drop everything": {},
	} {
		p := a.submit(self, self, form)
		if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), "You cannot deactivate your own account") {
			t.Errorf("%s: %d %q", name, p.Status, errorText(p.Body))
		}
	}
	if got, _ := e.App.Service.UserByID(context.Background(), su.ID); !got.IsActive || !got.IsSuperuser {
		t.Errorf("superuser changed: %+v", got)
	}
}
