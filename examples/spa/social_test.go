package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authgate/authgate/internal/authtest/idptest"
)

// TestSPASocialLogin: the whole browser round trip, once per kind of provider — the login screen
// shows a "Sign in with …" button per provider of authgate, a click goes to the provider and back
// through authgate, and the app exchanges the one-time code for a session (cookie mode): first an
// OpenID Connect provider (mockoidc), then the GitHub preset (a GitHub-shaped server). The code
// never stays in the address bar.
func TestSPASocialLogin(t *testing.T) {
	p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
	vars := idptest.Vars(p, g, "{app}/login/elsewhere")
	vars["AUTHGATE_SIGNUP"] = "open"
	vars["AUTHGATE_ACCESS_TOKEN_LIFETIME"] = "5m"
	s := newSite(t, modeCookie, vars)
	browser := startBrowser(t, time.Minute)
	b := newTab(t, browser)

	if v := b.open(s.appURL + "/login"); v != "login" {
		t.Fatalf("view %q", v)
	}
	b.waitText("login-with-mock", "Sign in with Mock ID")
	b.waitText("login-with-github", "Sign in with GitHub")
	b.shot("login-social")

	p.User("spa-sub", "oidc.user@example.com", true)
	b.click("login-with-mock")
	b.landOn(s.appURL+"/account", "view-account")
	if got := b.text("user-email"); got != "oidc.user@example.com" {
		t.Fatalf("account shows %q", got)
	}
	if got := eval[string](b, `location.href`); got != s.appURL+"/account" {
		t.Errorf("address after the sign-in %q", got)
	}
	if c := b.refreshCookies(s.e.URL); len(c) == 0 {
		t.Error("no refresh cookie after the sign-in")
	}
	b.click("logout")
	b.waitView("login", 10*time.Second)

	g.Queue(idptest.GitHubUser{ID: 99, Login: "spa", Name: "Spa Octo",
		Emails: []idptest.GitHubEmail{{Email: "spa.octo@example.com", Primary: true, Verified: true}}})
	b.waitText("login-with-github", "Sign in with GitHub")
	b.click("login-with-github")
	b.landOn(s.appURL+"/account", "view-account")
	if got := b.text("user-email"); got != "spa.octo@example.com" {
		t.Fatalf("account shows %q", got)
	}
	b.cleanConsole()
}

// landOn waits, across the navigations of a sign-in (the app, authgate, the provider, authgate,
// the app), until the page is at href showing the view.
func (b *tab) landOn(href, view string) {
	b.t.Helper()
	want := href + "|" + view
	got := ""
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
			`location.href + "|" + (document.querySelector("[data-view]:not([hidden])")?.id ?? "")`))
		if err == nil {
			if got = v; got == want {
				return
			}
		}
	}
	b.t.Fatalf("the page is at %q, want %q (error %q, notice %q)", got, want,
		eval[string](b, `document.getElementById("error")?.textContent ?? ""`),
		eval[string](b, `document.getElementById("notice")?.textContent ?? ""`))
}
