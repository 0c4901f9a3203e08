package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// TestSPAAccounts is issue #14's story in the example app, in Chromium, with every mail read from
// a real SMTP server and its link followed: sign up, "check your inbox", activate, log in, edit
// the profile, change the password and the e-mail, reset a forgotten password, delete the
// account. In cookie mode with the e-mail change confirmed by a link (AUTHGATE_EMAIL_CHANGE=
// verify, the default), in localStorage mode with the immediate change (Djoser's behaviour).
func TestSPAAccounts(t *testing.T) {
	browser := startBrowser(t, 3*time.Minute)
	t.Run("cookie mode", func(t *testing.T) { accountStory(t, browser, modeCookie, "verify", true) })
	t.Run("localStorage mode", func(t *testing.T) { accountStory(t, browser, modeLocalStorage, "immediate", false) })
}

func accountStory(t *testing.T, browser context.Context, mode, emailChange string, shots bool) {
	// Open sign-up, and the mails' links to the app's pages, as the app's start-up message says.
	vars := map[string]string{"AUTHGATE_SIGNUP": "open", "AUTHGATE_EMAIL_CHANGE": emailChange}
	for _, l := range pageLinks {
		vars[l.setting] = "{app}" + l.path
	}
	s := newSite(t, mode, vars)
	b := newTab(t, browser)
	defer b.cleanConsole()
	shot := func(name string) {
		if shots {
			b.shot(name)
		}
	}
	const (
		email     = "ada@example.com"
		newEmail  = "countess@example.org"
		password2 = "difference engine 1822"
		password3 = "bernoulli numbers 1842"
	)

	// Sign up. Django's password validators answer next to the fields they are about, and the
	// focus goes to the first.
	if v := b.open(s.appURL); v != "login" {
		t.Fatalf("first visit shows %q", v)
	}
	b.clickOn("#to-signup")
	b.waitView("signup", 5*time.Second)
	if p := b.path(); p != "/signup" {
		t.Errorf("sign-up at %q", p)
	}
	b.fill("signup-email", email)
	b.fill("signup-first-name", "Ada")
	b.fill("signup-password", "12345678")
	b.fill("signup-re-password", "12345678")
	b.submit("signup-form")
	b.waitFor(`document.getElementById("signup-password-error") !== null`, 5*time.Second)
	if got := b.text("signup-password-error"); got != "This password is too common. This password is entirely numeric." {
		t.Errorf("password errors %q", got)
	}
	if got := eval[string](b, `document.activeElement.id + " " + document.activeElement.getAttribute("aria-invalid") + " " + document.activeElement.getAttribute("aria-describedby")`); got != "signup-password true signup-password-error signup-password-hint" {
		t.Errorf("focus after a field error: %q", got)
	}
	b.fill("signup-password", password)
	b.fill("signup-re-password", password+"!")
	b.submit("signup-form")
	b.waitFor(`document.getElementById("signup-re-password-error")?.textContent === "The two password fields didn't match."`, 5*time.Second)
	if eval[bool](b, `document.getElementById("signup-password-error") !== null`) {
		t.Error("the password's old error stayed")
	}
	shot("signup")
	b.fill("signup-re-password", password)
	b.submit("signup-form")

	// "Check your inbox"; logging in before the link is followed is refused, as SimpleJWT does.
	b.waitView("inbox", 10*time.Second)
	if got := b.text("inbox-text"); !strings.Contains(got, "activation link to "+email) {
		t.Errorf("inbox text %q", got)
	}
	shot("signup-inbox")
	b.clickOn(`#view-inbox a[href="/login"]`)
	b.waitView("login", 5*time.Second)
	b.login(email, password)
	b.waitText("error", "No active account found with the given credentials")

	// The mail links to the app's activation page; opening it changes nothing, the button does.
	link := mailedLink(t, s, email, "Account activation on", "/activate/")
	if v := b.open(link); v != "activate" {
		t.Fatalf("the activation link opens %q", v)
	}
	if n := requests(s.e, "POST", "/auth/users/activation/", 0); n != 0 {
		t.Errorf("opening the link posted %d activations", n)
	}
	shot("activate")
	b.click("activate-submit")
	b.waitView("login", 10*time.Second)
	if n := requests(s.e, "POST", "/auth/users/activation/", 204); n != 1 {
		t.Errorf("%d activations", n)
	}
	if got := b.text("notice"); got != "Your account is active. Log in to continue." {
		t.Errorf("notice %q", got)
	}
	if p := b.path(); p != "/login" {
		t.Errorf("the token stayed in the address bar: %q", p)
	}
	b.loginAs(email)
	b.waitText("user-name", "Ada")

	// Profile: the names, with Djoser's PATCH users/me/.
	b.menu("profile")
	b.waitFor(`document.getElementById("profile-form").dataset.loaded === "true"`, 5*time.Second)
	if got := eval[string](b, `document.getElementById("profile-first-name").value`); got != "Ada" {
		t.Errorf("first name %q", got)
	}
	b.fill("profile-last-name", "Lovelace")
	b.click("profile-save")
	b.waitText("notice", "Profile saved.")
	shot("profile")
	b.menu("account")
	b.waitText("user-name", "Ada Lovelace")

	// Password: a wrong current one is refused next to its field; the change ends every other
	// session (here one made over the API) and this one goes on renewing its tokens.
	_, other := s.e.Login(email, password)
	b.menu("password")
	b.fill("password-current", "not my password")
	b.fill("password-new", password2)
	b.fill("password-re-new", password2)
	b.click("password-save")
	b.waitFor(`document.getElementById("password-current-error")?.textContent === "Invalid password."`, 5*time.Second)
	b.fill("password-current", password)
	b.click("password-save")
	b.waitText("notice", "Your password has been changed. Every other session of your account has ended.")
	shot("password")
	if r := s.e.Do("GET", "/api/me/", nil, authtest.Bearer(other)...); r.Status != 401 {
		t.Errorf("the other session's access token after the change: %d %s", r.Status, r.Raw)
	}
	b.menu("account")
	renewals := b.refreshes()
	b.waitFor(`Number(document.getElementById("token-status").dataset.refreshes) > `+strconv.Itoa(renewals), 10*time.Second)
	b.click("reload")
	b.waitText("notice", "Profile reloaded.")

	// E-mail: with verify, the new address gets a link to the app's page, and the address
	// changes when it is followed (in this browser, logged in: the page picks the session up).
	b.menu("email")
	if got := b.text("email-current"); got != email {
		t.Errorf("current address %q", got)
	}
	b.fill("email-new", newEmail)
	b.fill("email-password", password2)
	b.click("email-save")
	if emailChange == "verify" {
		b.waitText("notice", "We sent a link to "+newEmail+". Your address changes when you follow it; until then you log in with "+email+".")
		shot("email")
		link := mailedLink(t, s, newEmail, "Confirm your new address on", "/email/change/confirm/")
		if v := b.open(link); v != "email-confirm" {
			t.Fatalf("the confirmation link opens %q", v)
		}
		b.click("email-confirm-submit")
		b.waitView("account", 10*time.Second)
	}
	b.waitText("notice", "Your e-mail address is now "+newEmail+".")
	if emailChange != "verify" {
		b.menu("account")
	}
	b.waitText("user-email", newEmail)

	// A forgotten password: the request, "check your inbox", the mailed link to the app's page.
	b.click("logout")
	b.waitView("login", 5*time.Second)
	b.clickOn("#to-forgot")
	b.waitView("forgot", 5*time.Second)
	b.fill("forgot-email", newEmail)
	b.submit("forgot-form")
	b.waitView("inbox", 5*time.Second)
	if got := b.text("inbox-text"); !strings.Contains(got, "If an account uses "+newEmail) {
		t.Errorf("inbox text %q", got)
	}
	link = mailedLink(t, s, newEmail, "Password reset on", "/password/reset/confirm/")
	if v := b.open(link); v != "reset" {
		t.Fatalf("the reset link opens %q", v)
	}
	b.fill("reset-password", password3)
	b.fill("reset-re-password", password3)
	shot("reset")
	b.submit("reset-form")
	b.waitView("login", 10*time.Second)
	if got := b.text("notice"); !strings.HasPrefix(got, "Your password has been changed") {
		t.Errorf("notice %q", got)
	}
	b.login(newEmail, password2)
	b.waitText("error", "No active account found with the given credentials")
	b.loginWith(newEmail, password3)

	// Deletion, confirmed by the password: every token stops; the app is logged out.
	b.menu("delete")
	shot("delete")
	b.fill("delete-password", password2)
	b.click("delete-submit")
	b.waitFor(`document.getElementById("delete-password-error")?.textContent === "Invalid password."`, 5*time.Second)
	b.fill("delete-password", password3)
	b.click("delete-submit")
	b.waitView("login", 10*time.Second)
	if got := b.text("notice"); got != "Your account has been deleted." {
		t.Errorf("notice %q", got)
	}
	if mode == modeCookie {
		if c := b.refreshCookies(s.e.URL); len(c) != 0 {
			t.Errorf("deletion left cookies %v", c)
		}
	} else if n := eval[int](b, `localStorage.length`); n != 0 {
		t.Errorf("deletion left %d items in localStorage", n)
	}
	if v := b.open(s.appURL); v != "login" {
		t.Fatalf("after the deletion a reload shows %q", v)
	}
	b.login(newEmail, password3)
	b.waitText("error", "No active account found with the given credentials")
}

var urlRe = regexp.MustCompile(`https?://\S+`)

// mailedLink waits for the next mail to to whose subject starts with subject (skipping others)
// and returns its link to the app's page under path.
func mailedLink(t *testing.T, s *site, to, subject, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		m, err := s.e.Mail.WaitFor(ctx, to)
		if err != nil {
			t.Fatalf("no mail %q to %s: %v", subject, to, err)
		}
		if !strings.HasPrefix(m.Subject, subject) {
			continue
		}
		return linkIn(t, m, s.appURL+path)
	}
}

func linkIn(t *testing.T, m mailtest.Message, prefix string) string {
	t.Helper()
	for _, u := range urlRe.FindAllString(m.Text, -1) {
		if strings.HasPrefix(u, prefix) {
			return u
		}
	}
	t.Fatalf("no link to %s in %q", prefix, m.Text)
	return ""
}
