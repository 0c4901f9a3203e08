package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestRemoveTOTP: the user page lists a user's factors, and staff remove a lost authenticator
// app: audited with the administrator, the user mailed, the app's codes no longer asked for.
func TestRemoveTOTP(t *testing.T) {
	t.Parallel()
	e, su, st, u := env(t)
	ctx := context.Background()
	svc := e.App.Service
	secret, err := svc.BeginTOTP(ctx, u, password, auth.Client{IP: "test"})
	if err != nil {
		t.Fatal(err)
	}
	a := newAgent(t, e)
	a.login(staffEmail, password)
	userPage := "/admin/users/" + u.ID + "/"
	if p := a.get(userPage); strings.Contains(p.Body, "Second factors") {
		t.Fatal("an unconfirmed app is listed")
	}
	code := totpCode(t, e, secret.Secret)
	if _, err := svc.ConfirmTOTP(ctx, u, code, auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	p := a.get(userPage)
	if !strings.Contains(p.Body, `<table id="factors">`) || !strings.Contains(p.Body, "Authenticator app") || strings.Contains(p.Body, secret.Secret) {
		t.Fatalf("user page without the factor: %s", p.Body)
	}
	if p := a.get("/admin/users/" + su.ID + "/"); strings.Contains(p.Body, "remove-totp") {
		t.Error("a superuser's page offers staff a removal")
	}
	p = a.submit(userPage, "/admin/users/"+u.ID+"/remove-totp/", url.Values{})
	if p.Status != http.StatusSeeOther || p.Location != userPage {
		t.Fatalf("remove: %d %q %s", p.Status, p.Location, errorText(p.Body))
	}
	if p := a.get(userPage); !strings.Contains(p.Body, "is removed") || strings.Contains(p.Body, `<table id="factors">`) {
		t.Fatalf("after removal: %s", p.Body)
	}
	evs, err := e.App.DB.ListEvents(ctx, auth.EventQuery{UserID: u.ID, Kind: "two_factor_method_removed", Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].ActorID != st.ID || evs[0].Detail != "totp" {
		t.Fatalf("audit: %v %+v", err, evs)
	}
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, want := range []string{"A second factor was added to your authgate account", "A second factor was removed from your authgate account"} {
		m, err := e.Mail.WaitFor(mctx, userEmail)
		if err != nil || m.Subject != want {
			t.Fatalf("mail: %v %q, want %q", err, m.Subject, want)
		}
	}
	// The app no longer guards the login.
	if r := e.Post("/api/token/", map[string]string{"email": userEmail, "password": password}); r.Status != 200 || r.Str("access") == "" {
		t.Fatalf("login after removal: %d %s", r.Status, r.Raw)
	}
	// Nothing left to remove.
	p = a.submit(userPage, "/admin/users/"+u.ID+"/remove-totp/", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("remove again: %d", p.Status)
	}
	if p := a.get(userPage); !strings.Contains(p.Body, "has no authenticator app") {
		t.Fatalf("remove again: %s", p.Body)
	}
}

// totpCode is the app's current code, by Debian's oathtool.
func totpCode(t *testing.T, e *authtest.Env, secret string) string {
	t.Helper()
	return authtest.TOTP(t, e.Clock.Now(), secret)
}

// TestTOTPAdminLogin: a staff member with an authenticator app and no e-mailed codes logs in to
// the panel with a code of the app; none is mailed.
func TestTOTPAdminLogin(t *testing.T) {
	t.Parallel()
	e, _, st, _ := env(t)
	ctx := context.Background()
	k, err := e.App.Service.BeginTOTP(ctx, st, password, auth.Client{IP: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Service.ConfirmTOTP(ctx, st, totpCode(t, e, k.Secret), auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(30 * time.Second) // a new step: the confirmation's code is used up
	mails := len(e.Mail.Messages())
	a := newAgent(t, e)
	p := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {staffEmail}, "password": {password}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/login/code/") {
		t.Fatalf("password step: %d %q %s", p.Status, p.Location, errorText(p.Body))
	}
	if p := a.get("/admin/login/code/"); !strings.Contains(p.Body, "Enter the code your authenticator app shows") ||
		!strings.Contains(p.Body, `<option value="totp" selected>`) {
		t.Fatalf("code page of an app-only login: %s", p.Body)
	}
	code := totpCode(t, e, k.Secret)
	p = a.submit("/admin/login/code/", "/admin/login/code/", url.Values{"code": {code}})
	if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), "That code is not valid.") {
		t.Fatalf("an app's code as an e-mailed one: %d %q", p.Status, errorText(p.Body))
	}
	p = a.submit("/admin/login/code/", "/admin/login/code/", url.Values{"code": {code}, "method": {"totp"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/" {
		t.Fatalf("app code: %d %q %s", p.Status, p.Location, errorText(p.Body))
	}
	if n := len(e.Mail.Messages()) - mails; n != 0 {
		t.Fatalf("%d mails at a login with an app", n)
	}
}
