package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestSPATOTP is issue #16's authenticator app in the example app, in Chromium: set up from the
// QR code authgate draws, confirmed with a code computed here by an independent implementation
// (Debian's oathtool), then a login that asks for the app's code and mails nothing; with e-mailed
// codes on as well, the second step offers the choice and takes the e-mailed code.
func TestSPATOTP(t *testing.T) {
	browser := startBrowser(t, 90*time.Second)
	s := newSite(t, modeCookie, map[string]string{"AUTHGATE_ACCESS_TOKEN_LIFETIME": "5m"})
	u := s.e.CreateUser("ada@example.com", password)
	b := newTab(t, browser)
	defer b.cleanConsole()
	b.open(s.appURL)
	b.loginAs("ada@example.com")
	b.menu("two-factor")
	b.waitText("tf-status", "Logging in takes only your password.")

	b.fill("totp-password", password)
	b.submit("totp-begin-form")
	b.waitFor(`document.getElementById("totp-secret").textContent.length === 32`, 10*time.Second)
	secret := b.text("totp-secret")
	// The QR code is authgate's PNG, shown under the app's Content-Security-Policy.
	b.waitFor(`document.getElementById("totp-qr").complete && document.getElementById("totp-qr").naturalWidth === 256`, 5*time.Second)
	if src := eval[string](b, `document.getElementById("totp-qr").src`); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("qr code src %.40q", src)
	}
	b.shot("totp-setup")
	midStep(s.e)
	b.fill("totp-code", authtest.TOTP(t, s.e.Clock.Now(), secret))
	b.submit("totp-confirm-form")
	b.waitFor(`document.querySelectorAll("#recovery-codes li").length === 10`, 10*time.Second)
	b.waitFor(`document.querySelector('#tf-factors li[data-method="totp"]') !== null`, 5*time.Second)
	if b.text("totp-secret") != "" {
		t.Error("the key stays on the page after confirmation")
	}
	mail(t, s, "ada@example.com", "A second factor was added to your authgate account")

	// The next login asks for the app's code, and no mail goes out.
	b.menu("account")
	b.click("logout")
	b.waitView("login", 10*time.Second)
	mails := len(s.e.Mail.Messages())
	b.login("ada@example.com", password)
	b.waitView("code", 10*time.Second)
	if !eval[bool](b, `document.getElementById("code-method-totp").checked && !document.getElementById("code-methods").hidden &&
		document.getElementById("resend").hidden && document.getElementById("code-method-email") === null`) {
		t.Fatal("the second step does not offer the app's code alone (and recovery codes)")
	}
	b.shot("totp-login")
	midStep(s.e)
	b.fill("code", authtest.TOTP(t, s.e.Clock.Now(), secret))
	b.click("code-form-submit")
	b.waitView("account", 10*time.Second)
	if n := len(s.e.Mail.Messages()) - mails; n != 0 {
		t.Fatalf("%d mails at a login with an app", n)
	}
	// The overview says logging in asks for a second factor, though e-mailed codes are off.
	b.waitText("user-2fa", "On")

	// With e-mailed codes on too, the user chooses; here the e-mailed code.
	u.TwoFactorEnabled = true
	if err := s.e.App.Service.UpdateUser(context.Background(), u, "", auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	b.click("logout")
	b.waitView("login", 10*time.Second)
	b.login("ada@example.com", password)
	b.waitView("code", 10*time.Second)
	code := s.e.WaitCode("ada@example.com")
	if !eval[bool](b, `!document.getElementById("resend").hidden`) {
		t.Error("no resend although a code was mailed")
	}
	b.click("code-method-email")
	b.waitText("code-label", "Code from the e-mail")
	b.fill("code", code)
	b.click("code-form-submit")
	b.waitView("account", 10*time.Second)

	// Removal with a code of the app.
	b.menu("two-factor")
	midStep(s.e)
	b.fill("totp-remove-code", authtest.TOTP(t, s.e.Clock.Now(), secret))
	b.submit("totp-remove-form")
	b.waitFor(`document.querySelector('#tf-factors li[data-method="totp"]') === null && !document.getElementById("totp-setup").hidden`, 10*time.Second)
	mail(t, s, "ada@example.com", "A second factor was removed from your authgate account")
}

// midStep moves authgate's clock ten seconds into the next 30-second step: a code computed now
// is new (not used yet) and stays the current one while the browser sends it.
func midStep(e *authtest.Env) {
	now := e.Clock.Now()
	e.Clock.Advance(30*time.Second - now.Sub(now.Truncate(30*time.Second)) + 10*time.Second)
}

// mail waits for the next mail to the address and fails unless it has the subject.
func mail(t *testing.T, s *site, to, subject string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := s.e.Mail.WaitFor(ctx, to)
	if err != nil || m.Subject != subject {
		t.Fatalf("mail to %s: %v %q, want %q", to, err, m.Subject, subject)
	}
}
