package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTwoFactorLogin(t *testing.T) {
	t.Parallel()
	e, _, st, _ := env(t)
	enableTwoFactor(t, e, st)
	a := newAgent(t, e)

	p := a.submit("/admin/login/?next=/admin/audit/", "/admin/login/",
		url.Values{"email": {staffEmail}, "password": {password}, "next": {"/admin/audit/"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/login/code/?next=%2Fadmin%2Faudit%2F" {
		t.Fatalf("password step: %d %q %s", p.Status, p.Location, errorText(p.Body))
	}
	if a.cookie("authgate_admin_session") != nil {
		t.Fatal("a session before the code")
	}
	if p := a.get("/admin/"); p.Status != http.StatusFound {
		t.Fatal("the panel opened before the code")
	}
	code := e.WaitCode(staffEmail)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	codePage := "/admin/login/code/?next=%2Fadmin%2Faudit%2F"
	p = a.submit(codePage, "/admin/login/code/", url.Values{"code": {wrong}, "next": {"/admin/audit/"}})
	if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), "That code is not valid.") {
		t.Fatalf("wrong code: %d %q", p.Status, errorText(p.Body))
	}
	p = a.submit(codePage, "/admin/login/code/", url.Values{"code": {code}, "next": {"/admin/audit/"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/audit/" {
		t.Fatalf("right code: %d %q %s", p.Status, p.Location, errorText(p.Body))
	}
	if p := a.get("/admin/audit/"); p.Status != http.StatusOK {
		t.Fatalf("after two-factor login: %d", p.Status)
	}
	// The challenge is spent: the code page sends back to the login form.
	if p := a.get("/admin/login/code/"); p.Status != http.StatusFound {
		t.Errorf("code page after login: %d", p.Status)
	}
}

func TestTwoFactorCodeStepRefusals(t *testing.T) {
	t.Parallel()
	e, _, st, _ := env(t)
	enableTwoFactor(t, e, st)

	t.Run("no challenge", func(t *testing.T) {
		a := newAgent(t, e)
		if p := a.get("/admin/login/code/"); p.Status != http.StatusFound || !strings.HasPrefix(p.Location, "/admin/login/") {
			t.Errorf("code page without a challenge: %d %q", p.Status, p.Location)
		}
		p := a.submit("/admin/login/", "/admin/login/code/", url.Values{"code": {"123456"}})
		if !strings.Contains(errorText(p.Body), "no longer valid") {
			t.Errorf("code without a challenge: %d %q", p.Status, errorText(p.Body))
		}
	})
	t.Run("forged challenge", func(t *testing.T) {
		a := newAgent(t, e)
		u, _ := url.Parse(e.URL + "/admin/")
		a.jar.SetCookies(u, []*http.Cookie{{Name: "authgate_admin_2fa", Value: "forged", Path: "/admin/"}})
		p := a.submit("/admin/login/code/", "/admin/login/code/", url.Values{"code": {"123456"}})
		if p.Status != http.StatusOK || !strings.Contains(errorText(p.Body), "no longer valid") {
			t.Errorf("forged challenge: %d %q", p.Status, errorText(p.Body))
		}
	})
	t.Run("code step needs CSRF token", func(t *testing.T) {
		a := newAgent(t, e)
		a.submit("/admin/login/", "/admin/login/", url.Values{"email": {staffEmail}, "password": {password}})
		code := e.WaitCode(staffEmail)
		if p := a.post("/admin/login/code/", url.Values{"code": {code}}); p.Status != http.StatusForbidden {
			t.Fatalf("code without CSRF token: %d", p.Status)
		}
		if p := a.submit("/admin/login/code/", "/admin/login/code/", url.Values{"code": {code}}); p.Status != http.StatusSeeOther {
			t.Fatalf("the code did not survive the refused POST: %d %s", p.Status, errorText(p.Body))
		}
	})
	t.Run("resend", func(t *testing.T) {
		a := newAgent(t, e)
		a.submit("/admin/login/", "/admin/login/", url.Values{"email": {staffEmail}, "password": {password}})
		e.WaitCode(staffEmail)
		p := a.submit("/admin/login/code/", "/admin/login/code/resend/", nil)
		if p.Status != http.StatusTooManyRequests || !strings.Contains(errorText(p.Body), "before asking for another code") {
			t.Errorf("immediate resend: %d %q", p.Status, errorText(p.Body))
		}
		e.Clock.Advance(31 * time.Second)
		p = a.submit("/admin/login/code/", "/admin/login/code/resend/", nil)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "A new code is on its way") {
			t.Fatalf("resend: %d %q", p.Status, errorText(p.Body))
		}
		code := e.WaitCode(staffEmail)
		if p := a.submit("/admin/login/code/", "/admin/login/code/", url.Values{"code": {code}}); p.Status != http.StatusSeeOther {
			t.Fatalf("resent code: %d %s", p.Status, errorText(p.Body))
		}
	})
}
