package attacktest

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// Subjects of the mails the recovery-code scenario causes (internal/mail/templates).
const (
	subjectVerification  = "Your authgate verification code"
	subjectRecoveryCodes = "New recovery codes for your authgate account"
)

var mailedCodeRe = regexp.MustCompile(`(?m)^\s+(\d{6,12})$`)

// nextMailTo waits for the next mail to the address and fails unless its subject is subject.
func nextMailTo(t *testing.T, e *authtest.Env, to, subject string) mailtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := e.Mail.WaitFor(ctx, to)
	if err != nil {
		t.Fatalf("no mail to %s (%q expected): %v", to, subject, err)
	}
	if m.Subject != subject {
		t.Fatalf("mail to %s: subject %q, want %q", to, m.Subject, subject)
	}
	return m
}

// codeFrom reads the verification code of the next mail to the address.
func codeFrom(t *testing.T, e *authtest.Env, to string) string {
	t.Helper()
	m := mailedCodeRe.FindStringSubmatch(nextMailTo(t, e, to, subjectVerification).Text)
	if m == nil {
		t.Fatalf("no code in the mail to %s", to)
	}
	return m[1]
}

// withTwoFactor makes a user with two-factor on (through the API) and returns its access token
// and recovery codes, with the mails of the set-up read.
func withTwoFactor(t *testing.T, e *authtest.Env, email string) (string, []any) {
	t.Helper()
	e.CreateUser(email, pw)
	_, access := e.Login(email, pw)
	bearer := authtest.Bearer(access)
	ch := e.Post("/api/2fa/enable/", nil, bearer...).Str("challenge")
	r := e.Post("/api/2fa/confirm/", map[string]string{"challenge": ch, "code": codeFrom(t, e, email)}, bearer...)
	codes, _ := r.JSON["recovery_codes"].([]any)
	if r.Status != 200 || len(codes) != 10 {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	nextMailTo(t, e, email, "Two-factor authentication is on for your authgate account")
	return access, codes
}

// TestRecoveryCodesNeedProof (ASVS 5.0 V7.5.1, issue #13 finding 2): an access token alone does
// not regenerate recovery codes, which would void the owner's and hand the thief a way past the
// second factor. It takes the password, or the code of an e-mailed challenge; each success mails
// the owner a notice. Until then the old codes keep working.
func TestRecoveryCodesNeedProof(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		email := uniqueEmail("recovery")
		access, old := withTwoFactor(t, e, email)
		bearer := authtest.Bearer(access)
		status := func(want string) {
			t.Helper()
			r := e.Do(http.MethodGet, "/api/2fa/", nil, bearer...)
			if r.Raw != `{"enabled":true,"mode":"optional","recovery_codes_remaining":`+want+`}` {
				t.Fatalf("status: %s, want %s codes left", r.Raw, want)
			}
		}

		// The token alone: a code is mailed, no recovery code is handed out, none is voided.
		r := e.Post("/api/2fa/recovery-codes/", nil, bearer...)
		if r.Status != 200 || r.Str("challenge") == "" || r.JSON["recovery_codes"] != nil || len(r.JSON) != 2 {
			t.Fatalf("recovery codes with the token alone: %d %s", r.Status, r.Raw)
		}
		challenge := r.Str("challenge")
		code := codeFrom(t, e, email)
		status("10")

		// A wrong password, a wrong code, another purpose's challenge: refused, nothing changes.
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"password": "guess"}, bearer...)
		if r.Status != 400 || r.Raw != `{"password":["Your password was entered incorrectly. Please enter it again."]}` {
			t.Fatalf("wrong password: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"challenge": challenge, "code": "000000"}, bearer...)
		if r.Status != 401 || r.Str("code") != "code_invalid" {
			t.Fatalf("wrong code: %d %s", r.Status, r.Raw)
		}
		login := e.Post("/api/token/", map[string]string{"email": email, "password": pw}).Str("challenge")
		loginCode := codeFrom(t, e, email)
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"challenge": login, "code": loginCode}, bearer...)
		if r.Status != 401 || r.Str("code") != "challenge_invalid" {
			t.Fatalf("a login challenge: %d %s", r.Status, r.Raw)
		}
		status("10")

		// The e-mailed code: ten new codes, the old ones void, a notice.
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"challenge": challenge, "code": code}, bearer...)
		fresh, _ := r.JSON["recovery_codes"].([]any)
		if r.Status != 200 || r.JSON["enabled"] != true || len(fresh) != 10 || len(r.JSON) != 2 {
			t.Fatalf("with the mailed code: %d %s", r.Status, r.Raw)
		}
		nextMailTo(t, e, email, subjectRecoveryCodes)
		r = e.Post("/api/token/2fa/", map[string]string{"challenge": login, "code": old[0].(string)})
		if r.Status != 401 || r.Str("code") != "code_invalid" {
			t.Fatalf("an old recovery code after regeneration: %d %s", r.Status, r.Raw)
		}
		// The challenge is used up.
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"challenge": challenge, "code": code}, bearer...)
		if r.Status != 401 || r.Str("code") != "challenge_invalid" {
			t.Fatalf("the same challenge again: %d %s", r.Status, r.Raw)
		}

		// The password: ten new codes again, and a notice.
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"password": pw}, bearer...)
		again, _ := r.JSON["recovery_codes"].([]any)
		if r.Status != 200 || len(again) != 10 || again[0] == fresh[0] {
			t.Fatalf("with the password: %d %s", r.Status, r.Raw)
		}
		nextMailTo(t, e, email, subjectRecoveryCodes)
		status("10")
	})
}
