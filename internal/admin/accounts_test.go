package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// pendingUser signs up through the API with open sign-up and mandatory verification, and reads
// (and discards) the activation mail.
func pendingUser(t *testing.T, e *authtest.Env, email string) auth.User {
	t.Helper()
	r := e.Post("/auth/users/", map[string]string{"email": email, "password": password, "re_password": password, "first_name": "Pat"})
	if r.Status != http.StatusCreated {
		t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
	}
	waitMail(t, e, email, "Account activation on authgate")
	u, err := e.App.Service.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func waitMail(t *testing.T, e *authtest.Env, to, subject string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := e.Mail.WaitFor(ctx, to)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	if m.Subject != subject {
		t.Fatalf("mail to %s: %q, want %q", to, m.Subject, subject)
	}
	return m.Text
}

// TestAdminAccounts: the panel shows and filters unverified users, resends activation, edits
// names, and (superusers) invites.
func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	e, su, st, alice := env(t, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open"}))
	pending := pendingUser(t, e, "pending@example.org")
	a := newAgent(t, e)
	a.login(staffEmail, password)

	// The filter shows the pending user and not the verified ones.
	list := a.get("/admin/users/?verified=0").Body
	if !strings.Contains(list, ">pending@example.org</a>") || strings.Contains(list, ">"+userEmail+"</a>") || strings.Contains(list, ">"+superEmail+"</a>") {
		t.Errorf("unverified filter lists the wrong users:\n%s", list)
	}
	if body := a.get("/admin/users/").Body; !strings.Contains(body, ">"+userEmail+"</a>") || !strings.Contains(body, ">pending@example.org</a>") {
		t.Error("the unfiltered list lacks users")
	}

	// Resend: a fresh link arrives; a verified user has no button and the POST is refused.
	page := a.get("/admin/users/" + pending.ID + "/").Body
	if !strings.Contains(page, "waiting for the activation link") || !strings.Contains(page, `id="resend-activation"`) {
		t.Fatalf("pending user page lacks its verification state or the resend button")
	}
	p := a.submit("/admin/users/"+pending.ID+"/", "/admin/users/"+pending.ID+"/resend-activation/", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", p.Status, errorText(p.Body))
	}
	text := waitMail(t, e, "pending@example.org", "Account activation on authgate")
	link := regexp.MustCompile(`/accounts/activate/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]{43})/`).FindStringSubmatch(text)
	if link == nil {
		t.Fatalf("no link in %s", text)
	}
	if r := e.Post("/auth/users/activation/", map[string]string{"uid": link[1], "token": link[2]}); r.Status != http.StatusNoContent {
		t.Fatalf("activation with the resent link: %d %s", r.Status, r.Raw)
	}
	if strings.Contains(a.get("/admin/users/"+alice.ID+"/").Body, `id="resend-activation"`) {
		t.Error("a verified user has a resend button")
	}
	p = a.submit("/admin/users/"+alice.ID+"/", "/admin/users/"+alice.ID+"/resend-activation/", nil)
	if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), "nothing to activate") {
		t.Errorf("resend for a verified user: %d %q", p.Status, errorText(p.Body))
	}

	// Names: edited in the flags form; a form without them keeps them.
	p = a.submit("/admin/users/"+alice.ID+"/", "/admin/users/"+alice.ID+"/", url.Values{
		"is_active": {"on"}, "first_name": {" Alice "}, "last_name": {"Liddell"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d %s", p.Status, errorText(p.Body))
	}
	p = a.submit("/admin/users/"+alice.ID+"/", "/admin/users/"+alice.ID+"/", url.Values{"is_active": {"on"}})
	u, _ := e.App.Service.UserByID(context.Background(), alice.ID)
	if u.FirstName != "Alice" || u.LastName != "Liddell" {
		t.Errorf("names after the edits: %q %q", u.FirstName, u.LastName)
	}
	p = a.submit("/admin/users/"+alice.ID+"/", "/admin/users/"+alice.ID+"/", url.Values{
		"is_active": {"on"}, "first_name": {strings.Repeat("x", 151)}})
	if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), "no more than 150 characters") {
		t.Errorf("an overlong name: %d %q", p.Status, errorText(p.Body))
	}

	// Invitations are for superusers.
	if p := a.get("/admin/invitations/"); p.Status != http.StatusForbidden {
		t.Errorf("staff opens the invitations page: %d", p.Status)
	}
	root := newAgent(t, e)
	root.login(superEmail, password)
	for email, want := range map[string]string{"": "This field is required.", "nope": "Enter a valid email address.",
		userEmail: "A user with that email already exists."} {
		p := root.submit("/admin/invitations/", "/admin/invitations/", url.Values{"email": {email}})
		if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), want) {
			t.Errorf("invite %q: %d %q, want %q", email, p.Status, errorText(p.Body), want)
		}
	}
	p = root.submit("/admin/invitations/", "/admin/invitations/", url.Values{"email": {"grace@example.com"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, errorText(p.Body))
	}
	waitMail(t, e, "grace@example.com", "You are invited to authgate")
	body := root.get("/admin/invitations/").Body
	if !strings.Contains(body, "grace@example.com") || !strings.Contains(body, "Pending") || !strings.Contains(body, superEmail) {
		t.Errorf("the invitations page does not list the invitation:\n%s", body)
	}
	checkAudit(t, e, "", "invitation_sent", su.ID)
	checkAudit(t, e, pending.ID, "activation_resend_requested", st.ID)
}
