package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

func TestSuperuserManagesUsers(t *testing.T) {
	t.Parallel()
	e, su, _, _ := env(t)
	ctx := context.Background()
	a := newAgent(t, e)
	a.login(superEmail, password)

	add := func(form url.Values) page {
		t.Helper()
		return a.submit("/admin/users/add/", "/admin/users/add/", form)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"blank e-mail", url.Values{"password1": {password}, "password2": {password}}, "This field is required."},
		{"bad e-mail", url.Values{"email": {"not an email"}}, "Enter a valid email address."},
		{"mismatch", url.Values{"email": {"bob@example.com"}, "password1": {password}, "password2": {password + "x"}}, "The two password fields didn’t match."},
		{"taken", url.Values{"email": {"ALICE@example.com"}}, "A user with that email already exists."},
		{"weak password", url.Values{"email": {"bob@example.com"}, "password1": {"short"}, "password2": {"short"}}, "too short"},
	} {
		p := add(tc.form)
		if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), tc.want) {
			t.Errorf("%s: %d %q, want the form again with %q", tc.name, p.Status, errorText(p.Body), tc.want)
		}
		if got := tc.form.Get("email"); got != "" && !strings.Contains(p.Body, `value="`+got+`"`) {
			t.Errorf("%s: the e-mail is not kept in the form", tc.name)
		}
	}
	if _, err := e.App.Service.UserByEmail(ctx, "bob@example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("an invalid form created a user: %v", err)
	}

	p := add(url.Values{"email": {"bob@example.com"}, "password1": {password}, "password2": {password},
		"is_active": {"on"}, "is_staff": {"on"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add user: %d %s", p.Status, errorText(p.Body))
	}
	bob, err := e.App.Service.UserByEmail(ctx, "bob@example.com")
	if err != nil || !bob.IsStaff || bob.IsSuperuser || !bob.IsActive || p.Location != "/admin/users/"+bob.ID+"/" {
		t.Fatalf("created %+v (%v), redirected to %q", bob, err, p.Location)
	}
	if body := a.get(p.Location).Body; !strings.Contains(body, "The user “bob@example.com” was added successfully.") {
		t.Error("no success message after adding")
	}
	if body := a.get("/admin/users/" + bob.ID + "/").Body; strings.Contains(body, "was added successfully") {
		t.Error("the success message shows twice")
	}
	checkAudit(t, e, bob.ID, "user_created", su.ID)

	// Flags.
	bobPage := "/admin/users/" + bob.ID + "/"
	p = a.submit(bobPage, bobPage, url.Values{"is_active": {"on"}, "is_superuser": {"on"}, "two_factor_enabled": {"on"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("update flags: %d %s", p.Status, errorText(p.Body))
	}
	bob, _ = e.App.Service.UserByID(ctx, bob.ID)
	if !bob.IsSuperuser || !bob.IsStaff || !bob.TwoFactorEnabled {
		t.Errorf("flags after update: %+v", bob)
	}
	checkAudit(t, e, bob.ID, "user_updated", su.ID)

	// Password: the policy applies, then every token of the user is revoked.
	refresh, _ := e.Login(userEmail, password)
	alice, _ := e.App.Service.UserByEmail(ctx, userEmail)
	pwPage := "/admin/users/" + alice.ID + "/password/"
	p = a.submit(pwPage, pwPage, url.Values{"password1": {"short"}, "password2": {"short"}})
	if p.Status != http.StatusOK || errorText(p.Body) == "" {
		t.Errorf("weak password accepted: %d", p.Status)
	}
	p = a.submit(pwPage, pwPage, url.Values{"password1": {"a brand new secret 1"}, "password2": {"another one"}})
	if !strings.Contains(errorText(p.Body), "didn’t match") {
		t.Errorf("mismatch: %q", errorText(p.Body))
	}
	p = a.submit(pwPage, pwPage, url.Values{"password1": {"a brand new secret 1"}, "password2": {"a brand new secret 1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("set password: %d %s", p.Status, errorText(p.Body))
	}
	if st, detail := refreshStatus(e, refresh); st != http.StatusUnauthorized || detail != "Token is blacklisted" {
		t.Errorf("refresh after admin password change: %d %q", st, detail)
	}
	e.Login(userEmail, "a brand new secret 1")
	checkAudit(t, e, alice.ID, "password_changed", su.ID)
}

func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	e, _, st, u := env(t)
	r1, _ := e.Login(userEmail, password)
	r2, access := e.Login(userEmail, password)
	a := newAgent(t, e)
	a.login(staffEmail, password)

	userPage := "/admin/users/" + u.ID + "/"
	p := a.submit(userPage, userPage+"logout-all/", nil)
	if p.Status != http.StatusSeeOther || p.Location != userPage {
		t.Fatalf("logout everywhere: %d %q", p.Status, p.Location)
	}
	if body := a.get(userPage).Body; !strings.Contains(body, "was logged out everywhere") || !strings.Contains(body, "No active sessions.") {
		t.Error("the user page does not show the result")
	}
	for _, r := range []string{r1, r2} {
		if st, detail := refreshStatus(e, r); st != http.StatusUnauthorized || detail != "Token is blacklisted" {
			t.Errorf("refresh after logout everywhere: %d %q", st, detail)
		}
	}
	if r := e.Do("GET", "/api/me/", nil, "Authorization", "Bearer "+access); r.Status != http.StatusUnauthorized {
		t.Errorf("access token after logout everywhere: %d", r.Status)
	}
	checkAudit(t, e, u.ID, "logout_all", st.ID)

	// A staff member logged out everywhere loses their panel sessions too.
	b := newAgent(t, e)
	b.login(superEmail, password)
	staffPage := "/admin/users/" + st.ID + "/"
	if p := b.submit(staffPage, staffPage+"logout-all/", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("logging staff out: %d", p.Status)
	}
	if p := a.get("/admin/"); p.Status != http.StatusFound {
		t.Errorf("staff session survived logout everywhere: %d", p.Status)
	}
	// Logging oneself out everywhere ends one's own session.
	p = b.submit("/admin/", "/admin/users/"+mustUser(t, e, superEmail).ID+"/logout-all/", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/login/" {
		t.Errorf("self logout everywhere: %d %q", p.Status, p.Location)
	}
	if p := b.get("/admin/"); p.Status != http.StatusFound {
		t.Errorf("own session survived: %d", p.Status)
	}
}

func TestDeactivationEndsPanelSessions(t *testing.T) {
	t.Parallel()
	e, _, st, _ := env(t)
	staffAgent := newAgent(t, e)
	staffAgent.login(staffEmail, password)
	a := newAgent(t, e)
	a.login(superEmail, password)
	page := "/admin/users/" + st.ID + "/"
	if p := a.submit(page, page, url.Values{"is_staff": {"on"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", p.Status, errorText(p.Body))
	}
	if p := staffAgent.get("/admin/"); p.Status != http.StatusFound {
		t.Errorf("a deactivated staff member still sees the panel: %d", p.Status)
	}
}

func mustUser(t *testing.T, e *authtest.Env, email string) auth.User {
	t.Helper()
	u, err := e.App.Service.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// checkAudit fails unless the user's latest event of the kind names the actor.
func checkAudit(t *testing.T, e *authtest.Env, userID, kind, actorID string) {
	t.Helper()
	evs, err := e.App.Service.Store().ListEvents(context.Background(), auth.EventQuery{UserID: userID, Kind: kind, Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("no %s event for %s: %v", kind, userID, err)
	}
	if evs[0].ActorID != actorID {
		t.Errorf("%s event actor = %q, want %q", kind, evs[0].ActorID, actorID)
	}
}
