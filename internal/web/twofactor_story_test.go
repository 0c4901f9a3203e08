package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// TestTwoFactorStory is issue 4 end to end: a new user logs in, turns on two-factor with the
// code from the mail, logs out, logs in again with an e-mailed code, and resets a forgotten
// password; on both backends, over plain SMTP, SMTP with STARTTLS and AUTH, and SMTPS with AUTH.
func TestTwoFactorStory(t *testing.T) {
	for _, v := range []struct {
		name string
		opts []mailtest.Option // nil: the harness's own plain server
	}{
		{"plain", nil},
		{"starttls+auth", []mailtest.Option{mailtest.WithStartTLS(), mailtest.WithAuth("u", "p")}},
		{"smtps+auth", []mailtest.Option{mailtest.WithImplicitTLS(), mailtest.WithAuth("u", "p")}},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
				var e *authtest.Env
				if v.opts == nil {
					e = authtest.Start(t, b)
				} else {
					srv := mailtest.NewServer(t, v.opts...)
					if !strings.Contains(srv.URL(), "u:p@") {
						t.Fatalf("the server's URL lacks the credentials: %s", srv.URL())
					}
					e = authtest.StartWithMail(t, b, srv)
				}
				twoFactorStory(t, e)
			})
		})
	}
}

func twoFactorStory(t *testing.T, e *authtest.Env) {
	const email = "new@example.com"
	const newPw = "a brand new passphrase"
	u := e.CreateUser(email, pw)
	var secrets []string

	// Two-factor is off for a new user: the password alone gives tokens.
	refresh, access := e.Login(email, pw)
	r := e.Do(http.MethodGet, "/api/2fa/", nil, authtest.Bearer(access)...)
	wantBody(t, "status before", r, 200, `{"enabled":false,"mode":"optional","recovery_codes_remaining":0}`)

	// Turning it on: a code by mail, then confirm.
	r = e.Post("/api/2fa/enable/", nil, authtest.Bearer(access)...)
	if r.Status != 200 || r.Str("detail") != codeSent || r.Str("challenge") == "" {
		t.Fatalf("enable: %d %s", r.Status, r.Raw)
	}
	enableCh := r.Str("challenge")
	m := nextMail(t, e, email, subjectCode)
	if !strings.Contains(m.Text, "turn on two-factor") {
		t.Errorf("the confirmation mail does not say what the code is for:\n%s", m.Text)
	}
	enableCode := codeLine.FindStringSubmatch(m.Text)[1]
	if !regexp.MustCompile(`^\d{6}$`).MatchString(enableCode) {
		t.Fatalf("code %q is not six digits", enableCode)
	}
	for _, row := range rawRows(t, e, "two_factor_challenges") {
		if strings.Contains(row, enableCode) || strings.Contains(row, enableCh) {
			t.Fatalf("storage holds the code or the challenge in clear: %s", row)
		}
	}
	r = e.Post("/api/2fa/confirm/", map[string]string{"challenge": enableCh, "code": enableCode}, authtest.Bearer(access)...)
	if r.Status != 200 || r.JSON["enabled"] != true {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	var recovery []string
	for _, c := range r.JSON["recovery_codes"].([]any) {
		recovery = append(recovery, c.(string))
	}
	checkRecoveryCodes(t, recovery)
	nextMail(t, e, email, subject2FAOn)
	for _, row := range rawRows(t, e, "recovery_codes") {
		for _, c := range recovery {
			if strings.Contains(row, c) || strings.Contains(row, strings.ReplaceAll(c, "-", "")) {
				t.Fatalf("storage holds a recovery code in clear: %s", row)
			}
		}
	}
	wantBody(t, "confirm replayed", e.Post("/api/2fa/confirm/", map[string]string{"challenge": enableCh, "code": enableCode},
		authtest.Bearer(access)...), 401, bodyChallengeBad)
	r = e.Do(http.MethodGet, "/api/2fa/", nil, authtest.Bearer(access)...)
	wantBody(t, "status after", r, 200, `{"enabled":true,"mode":"optional","recovery_codes_remaining":10}`)
	if r := e.Do(http.MethodGet, "/api/me/", nil, authtest.Bearer(access)...); r.JSON["two_factor_enabled"] != true {
		t.Errorf("/api/me/ after enabling: %s", r.Raw)
	}
	secrets = append(append(secrets, enableCode, enableCh), recovery...)

	// Log out, log in again: a challenge and a mailed code, never tokens, until the code.
	if r := e.Post("/logout_token/", map[string]string{"refresh_token": refresh}, authtest.Bearer(access)...); r.Status != 200 {
		t.Fatalf("logout: %d %s", r.Status, r.Raw)
	}
	ch := loginChallenge(t, e, email, pw)
	code := mailedCode(t, e, email)
	refresh, access = wantTokens(t, e, "code", finish(e, ch, code), u.ID)
	wantBody(t, "code replayed", finish(e, ch, code), 401, bodyChallengeBad)
	secrets = append(secrets, ch, code)

	// A forgotten password: a reset token by mail, a new password, every earlier token dead.
	wantBody(t, "reset", e.Post("/api/password/reset/", map[string]string{"email": email}), 200, bodyResetSent)
	tok := mailedResetToken(t, e, email)
	wantBody(t, "reset confirm", e.Post("/api/password/reset/confirm/", map[string]string{"token": tok, "new_password": newPw}),
		200, bodyResetDone)
	nextMail(t, e, email, subjectPwChanged)
	wantBody(t, "refresh after reset", e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}),
		401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`)
	if r := e.Do(http.MethodGet, "/api/me/", nil, authtest.Bearer(access)...); r.Status != 401 || r.Str("code") != "token_not_valid" {
		t.Errorf("access token after reset: %d %s", r.Status, r.Raw)
	}
	wantBody(t, "old password", e.Post("/api/token/", map[string]string{"email": email, "password": pw}),
		401, `{"detail":"No active account found with the given credentials"}`)
	ch2 := loginChallenge(t, e, email, newPw)
	code2 := mailedCode(t, e, email)
	wantTokens(t, e, "code after reset", finish(e, ch2, code2), u.ID)
	secrets = append(secrets, tok, ch2, code2)

	// The audit log tells the story, with who asked from where, and no secret anywhere.
	wantEvent(t, e, u.ID, "two_factor_sent", "enable")
	if n := wantEvent(t, e, u.ID, "two_factor_sent", "login"); n != 2 {
		t.Errorf("%d login codes sent, want 2", n)
	}
	wantEvent(t, e, u.ID, "two_factor_enabled", "")
	wantEvent(t, e, u.ID, "recovery_codes_generated", "")
	wantEvent(t, e, u.ID, "password_reset_requested", "")
	wantEvent(t, e, u.ID, "password_changed", "")
	if n := wantEvent(t, e, u.ID, "login_ok", "two-factor"); n != 2 {
		t.Errorf("%d two-factor logins audited, want 2", n)
	}
	assertNoSecret(t, e, secrets...)
	if msgs := e.Mail.Messages(); len(msgs) != 6 {
		t.Errorf("%d mails, want 6 (confirm code, on, login code, reset, changed, login code)", len(msgs))
	}
}
