package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
)

const (
	subjectFactorAdded   = "A second factor was added to your authgate account"
	subjectFactorRemoved = "A second factor was removed from your authgate account"
	challengeNoMail      = "Confirm the login with your second factor."
)

// oathtool is the app's code at the harness's time, by Debian's oathtool.
func oathtool(t *testing.T, e *authtest.Env, secret string) string {
	t.Helper()
	return authtest.TOTP(t, e.Clock.Now(), secret)
}

// nextStep moves the harness's clock to ten seconds into the next 30-second step, so the app
// shows a new code and a test has twenty seconds before the step ends (no flaky boundaries).
func nextStep(e *authtest.Env) {
	now := e.Clock.Now()
	e.Clock.Advance(30*time.Second - now.Sub(now.Truncate(30*time.Second)) + 10*time.Second)
}

// enrolTOTP sets up an authenticator app through the API and returns its key and the recovery
// codes of the confirmation (none when the user had a factor already).
func enrolTOTP(t *testing.T, e *authtest.Env, email, access string) (secret string, recovery []string) {
	t.Helper()
	bearer := authtest.Bearer(access)
	r := e.Post("/api/2fa/totp/", map[string]string{"password": pw}, bearer...)
	if r.Status != http.StatusOK || len(r.JSON) != 3 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("begin: %d %s", r.Status, r.Raw)
	}
	secret = r.Str("secret")
	u, err := url.Parse(r.Str("otpauth_uri"))
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("otpauth_uri %q: %v", r.Str("otpauth_uri"), err)
	}
	q := u.Query()
	if q.Get("secret") != secret || q.Get("issuer") != "authgate" || q.Get("algorithm") != "SHA1" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || u.Path != "/authgate:"+email {
		t.Fatalf("otpauth_uri %q", r.Str("otpauth_uri"))
	}
	if len(secret) != 32 { // 20 bytes (160 bits, RFC 4226 §4) in base32
		t.Fatalf("secret %q", secret)
	}
	b64, ok := strings.CutPrefix(r.Str("qr_code"), "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil {
		t.Fatalf("qr_code is not a PNG data URI: %.60s", r.Str("qr_code"))
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("qr_code: %v %v", err, img)
	}
	nextStep(e) // the caller may reuse the confirmation's code within its step
	r = e.Post("/api/2fa/totp/confirm/", map[string]string{"code": oathtool(t, e, secret)}, bearer...)
	var body struct {
		Enabled       bool     `json:"enabled"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Raw), &body) != nil || !body.Enabled || body.RecoveryCodes == nil {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	nextMail(t, e, email, subjectFactorAdded)
	return secret, body.RecoveryCodes
}

// totpChallenge logs in a user who has an authenticator app and returns the challenge, checking
// the answer names the methods and that no mail went out when e-mail is not among them.
func totpChallenge(t *testing.T, e *authtest.Env, email string, methods ...string) string {
	t.Helper()
	before := len(e.Mail.Messages())
	r := e.Post("/api/token/", map[string]string{"email": email, "password": pw})
	want := challengeNoMail
	for _, m := range methods {
		if m == "email" {
			want = codeSent
		}
	}
	got := fmt.Sprint(r.JSON["methods"])
	if r.Status != http.StatusOK || r.JSON["two_factor_required"] != true || r.Str("detail") != want ||
		got != fmt.Sprint(toAny(methods)) || len(r.Str("challenge")) < 40 || r.Str("access") != "" {
		t.Fatalf("login %s: %d %s, want methods %v", email, r.Status, r.Raw, methods)
	}
	if want == challengeNoMail {
		time.Sleep(50 * time.Millisecond)
		if n := len(e.Mail.Messages()); n != before {
			t.Fatalf("login of a user without e-mailed codes sent %d mails", n-before)
		}
	}
	return r.Str("challenge")
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func finishTOTP(e *authtest.Env, challenge, code string) authtest.Response {
	e.T.Helper()
	return e.Post("/api/token/2fa/", map[string]string{"challenge": challenge, "method": "totp", "code": code})
}

// TestTOTPStory: enrolment, login with codes of an independent implementation, replay refused,
// the method choice, the factor list, removal; on both backends over HTTP.
func TestTOTPStory(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		_, access := e.Login("a@example.com", pw)
		bearer := authtest.Bearer(access)

		wantBody(t, "begin without password", e.Post("/api/2fa/totp/", nil, bearer...), 400, `{"password":["This field is required."]}`)
		wantBody(t, "begin with a wrong password", e.Post("/api/2fa/totp/", map[string]string{"password": "guess"}, bearer...),
			400, `{"password":["Your password was entered incorrectly. Please enter it again."]}`)
		wantBody(t, "begin without token", e.Post("/api/2fa/totp/", map[string]string{"password": pw}), 401, `{"detail":"Authentication credentials were not provided."}`)
		wantBody(t, "confirm before begin", e.Post("/api/2fa/totp/confirm/", map[string]string{"code": "123456"}, bearer...),
			400, `{"non_field_errors":["No authenticator app is being set up: start again."]}`)

		// An unconfirmed app does not count: no challenge at login.
		r := e.Post("/api/2fa/totp/", map[string]string{"password": pw}, bearer...)
		pending := r.Str("secret")
		wantTokens(t, e, "login with a pending app", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}), u.ID)
		wantBody(t, "confirm with a wrong code", e.Post("/api/2fa/totp/confirm/", map[string]string{"code": otherCode(oathtool(t, e, pending), 0)}, bearer...),
			400, `{"code":["The code is invalid."]}`)

		secret, recovery := enrolTOTP(t, e, "a@example.com", access) // replaces the pending key
		if secret == pending {
			t.Fatal("a new enrolment kept the old key")
		}
		checkRecoveryCodes(t, recovery) // the first factor brings recovery codes
		wantEvent(t, e, u.ID, "two_factor_method_added", "totp")
		wantBody(t, "begin again", e.Post("/api/2fa/totp/", map[string]string{"password": pw}, bearer...),
			400, `{"non_field_errors":["An authenticator app is already set up. Remove it before setting up another."]}`)

		// The key is sealed at rest and never shown again.
		rows := rawRows(t, e, "totp_factors")
		if len(rows) != 1 || strings.Contains(rows[0], secret) || !strings.Contains(rows[0], "secret=v1.") {
			t.Fatalf("totp_factors: %q", rows)
		}
		st := e.Do(http.MethodGet, "/api/2fa/", nil, bearer...)
		factors, _ := st.JSON["factors"].([]any)
		if st.Status != 200 || st.JSON["enabled"] != true || len(factors) != 1 || strings.Contains(st.Raw, secret) {
			t.Fatalf("status: %d %s", st.Status, st.Raw)
		}
		if f := factors[0].(map[string]any); f["method"] != "totp" || f["created_at"] == nil || f["last_used_at"] == nil {
			t.Fatalf("factor: %v", f)
		}

		// The confirmation's code is used up: it does not also log in (RFC 6238 §5.2).
		code := oathtool(t, e, secret)
		ch := totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
		wantBody(t, "the confirmation's code again", finishTOTP(e, ch, code), 401, bodyCodeInvalid)
		wantEvent(t, e, u.ID, "two_factor_failed", "totp: code already used")
		wantBody(t, "no mail to resend", e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch}),
			400, `{"challenge":["No code is e-mailed for this login: answer with another method."]}`)
		wantBody(t, "e-mail not set up", e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "method": "email", "code": "123456"}),
			400, `{"method":["This method is not set up for the account."]}`)
		wantBody(t, "unknown method", e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "method": "sms", "code": "123456"}),
			400, `{"method":["\"sms\" is not a valid choice."]}`)
		nextStep(e)
		code = oathtool(t, e, secret)
		// Without a method the answer is what it always was: the e-mailed code or a recovery code.
		wantBody(t, "an app's code without method", finish(e, ch, code), 401, bodyCodeInvalid)
		wantTokens(t, e, "app code", finishTOTP(e, ch, code), u.ID)
		wantEvent(t, e, u.ID, "login_ok", "two-factor: totp")
		wantBody(t, "the challenge again", finishTOTP(e, ch, code), 401, bodyChallengeBad)

		// Replay: the same code on a fresh challenge, within its window.
		ch = totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
		wantBody(t, "replayed code", finishTOTP(e, ch, code), 401, bodyCodeInvalid)
		// A recovery code, named or not.
		wantTokens(t, e, "recovery code", e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "method": "recovery_code", "code": recovery[0]}), u.ID)
		ch = totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
		wantTokens(t, e, "recovery code without method", finish(e, ch, recovery[1]), u.ID)

		// The drift of one step either way is forgiven, two steps are not.
		for _, tc := range []struct {
			shift time.Duration
			ok    bool
		}{{-60 * time.Second, false}, {-30 * time.Second, true}, {30 * time.Second, true}, {60 * time.Second, false}} {
			nextStep(e)
			nextStep(e)
			nextStep(e) // past every step used so far, mid-step
			ch = totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
			e.Clock.Advance(tc.shift)
			c := oathtool(t, e, secret)
			e.Clock.Advance(-tc.shift)
			r := finishTOTP(e, ch, c)
			if tc.ok != (r.Status == 200) {
				t.Fatalf("a code %v off: %d %s", tc.shift, r.Status, r.Raw)
			}
		}

		// New recovery codes, proved by a code of the app (no mail round trip); a wrong one and
		// a replayed one are refused.
		nextStep(e)
		code = oathtool(t, e, secret)
		wantBody(t, "recovery codes, wrong app code", e.Post("/api/2fa/recovery-codes/", map[string]string{"code": otherCode(code, 4)}, bearer...),
			400, `{"code":["The code is invalid."]}`)
		if r := e.Post("/api/2fa/recovery-codes/", map[string]string{"code": code}, bearer...); r.Status != 200 || len(r.JSON["recovery_codes"].([]any)) != 10 {
			t.Fatalf("recovery codes by an app code: %d %s", r.Status, r.Raw)
		}
		nextMail(t, e, "a@example.com", subjectRecovery)
		wantBody(t, "recovery codes, the app code again", e.Post("/api/2fa/recovery-codes/", map[string]string{"code": code}, bearer...),
			400, `{"code":["The code is invalid."]}`)

		// Removal: the password or a code; the last factor takes the recovery codes with it.
		nextStep(e)
		wantBody(t, "disable without proof", e.Post("/api/2fa/totp/disable/", nil, bearer...),
			400, `{"non_field_errors":["Give your password or a code of the app."]}`)
		wantBody(t, "disable with a wrong code", e.Post("/api/2fa/totp/disable/", map[string]string{"code": otherCode(oathtool(t, e, secret), 3)}, bearer...),
			400, `{"code":["The code is invalid."]}`)
		wantBody(t, "disable with a wrong password", e.Post("/api/2fa/totp/disable/", map[string]string{"password": "guess"}, bearer...),
			400, `{"password":["Your password was entered incorrectly. Please enter it again."]}`)
		wantBody(t, "disable with a code", e.Post("/api/2fa/totp/disable/", map[string]string{"code": oathtool(t, e, secret)}, bearer...),
			200, `{"enabled":false,"mode":"optional","recovery_codes_remaining":0}`)
		nextMail(t, e, "a@example.com", subjectFactorRemoved)
		wantEvent(t, e, u.ID, "two_factor_method_removed", "totp")
		wantBody(t, "disable again", e.Post("/api/2fa/totp/disable/", map[string]string{"password": pw}, bearer...),
			400, `{"non_field_errors":["No authenticator app is set up."]}`)
		wantTokens(t, e, "login after removal", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}), u.ID)
		if rows := rawRows(t, e, "totp_factors"); len(rows) != 0 {
			t.Fatalf("totp_factors after removal: %q", rows)
		}
		assertNoSecret(t, e, secret, pending)
	})
}

// TestTOTPReplayConcurrent: of parallel logins answering with one code, exactly one gets in;
// the store's conditional update decides, on both backends.
func TestTOTPReplayConcurrent(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR_MAX_LIVE_CHALLENGES": "10"}))
		e.CreateUser("a@example.com", pw)
		_, access := e.Login("a@example.com", pw)
		secret, _ := enrolTOTP(t, e, "a@example.com", access)
		nextStep(e)
		const n = 8
		challenges := make([]string, n)
		for i := range challenges {
			challenges[i] = totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
		}
		code := oathtool(t, e, secret)
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"challenge":%q,"method":"totp","code":%q}`, challenges[i], code)
				statuses[i], _, _ = post(e, "/api/token/2fa/", body)
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 401:
			default:
				t.Errorf("status %d", s)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d parallel logins with one code got in, want 1: %v", ok, n, statuses)
		}
	})
}

const bodyFactorLocked = `{"detail":"Too many wrong codes. Codes are refused for this account until its password is reset or an administrator unlocks it.","code":"second_factor_locked"}`

// TestTOTPLimits: the tries per challenge, the account's ceiling of failed checks (issue #13,
// finding 4), the code throttle and the audit hold for app codes as for e-mailed ones.
func TestTOTPLimits(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		t.Run("tries per challenge", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR_MAX_ATTEMPTS": "2"}))
			u := e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			secret, _ := enrolTOTP(t, e, "a@example.com", access)
			nextStep(e)
			code := oathtool(t, e, secret)
			ch := totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
			wantBody(t, "one", finishTOTP(e, ch, otherCode(code, 0)), 401, bodyCodeInvalid)
			wantBody(t, "two", finishTOTP(e, ch, otherCode(code, 1)), 401, bodyCodeInvalid)
			wantBody(t, "three: the right code, over the limit", finishTOTP(e, ch, code), 401, bodyTooMany)
			wantEvent(t, e, u.ID, "two_factor_failed", "login: wrong totp code, attempt 2 of 2")
			wantEvent(t, e, u.ID, "two_factor_lockout", "login")
			// The code was not used up by the refused try: a new challenge takes it.
			wantTokens(t, e, "new challenge", finishTOTP(e, totpChallenge(t, e, "a@example.com", "totp", "recovery_code"), code), u.ID)
		})
		t.Run("account ceiling", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR_MAX_FAILURES": "3"}))
			u := e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			secret, _ := enrolTOTP(t, e, "a@example.com", access)
			nextStep(e)
			code := oathtool(t, e, secret)
			ch := totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
			wantBody(t, "one", finishTOTP(e, ch, otherCode(code, 0)), 401, bodyCodeInvalid)
			wantBody(t, "two", finishTOTP(e, ch, otherCode(code, 1)), 401, bodyCodeInvalid)
			// Removing the app by a code is a second-factor check too, under the same ceiling.
			wantBody(t, "three, at removal", e.Post("/api/2fa/totp/disable/", map[string]string{"code": otherCode(code, 2)}, authtest.Bearer(access)...),
				400, `{"code":["The code is invalid."]}`)
			// The notice says what unlocks this account: an administrator, not a reset.
			if m := nextMail(t, e, "a@example.com", "Codes are locked on your authgate account"); !strings.Contains(m.Text, "a password reset does not") {
				t.Errorf("the lock notice of an app's owner promises a reset unlocks:\n%s", m.Text)
			}
			wantEvent(t, e, u.ID, "second_factor_locked", "3 failed code checks")
			wantBody(t, "the right code once locked", finishTOTP(e, ch, code), 403, bodyFactorLocked)
			wantBody(t, "removal once locked", e.Post("/api/2fa/totp/disable/", map[string]string{"code": code}, authtest.Bearer(access)...), 403, bodyFactorLocked)
			wantBody(t, "login once locked", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}), 403, bodyFactorLocked)

			// A password reset proves the mailbox, not the phone: the lock stays for an app's
			// owner (whoever holds the mailbox would otherwise get another round of guesses).
			if r := e.Post("/api/password/reset/", map[string]string{"email": "a@example.com"}); r.Status != 200 {
				t.Fatalf("reset: %d %s", r.Status, r.Raw)
			}
			token := mailedResetToken(t, e, "a@example.com")
			wantBody(t, "reset", e.Post("/api/password/reset/confirm/", map[string]string{"token": token, "new_password": "a brand new passphrase"}),
				200, bodyResetDone)
			nextMail(t, e, "a@example.com", subjectPwChanged)
			wantEvent(t, e, u.ID, "second_factor_lock_kept", "password reset")
			wantBody(t, "login after the reset", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": "a brand new passphrase"}),
				403, bodyFactorLocked)
		})
		t.Run("throttle", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_THROTTLE_CODE": "3/min"}))
			e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			secret, _ := enrolTOTP(t, e, "a@example.com", access) // the first of three
			nextStep(e)
			ch := totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
			code := oathtool(t, e, secret)
			wantBody(t, "two", finishTOTP(e, ch, otherCode(code, 0)), 401, bodyCodeInvalid)
			wantBody(t, "three", finishTOTP(e, ch, otherCode(code, 1)), 401, bodyCodeInvalid)
			r := finishTOTP(e, ch, code)
			if r.Status != 429 || r.Header.Get("Retry-After") == "" {
				t.Fatalf("fourth code: %d %s", r.Status, r.Raw)
			}
		})
	})
}

// TestTOTPWithEmail: a user with e-mailed codes and an app is mailed a code at login and may
// answer with either; clients that send no method see what they always saw. Under
// AUTHGATE_TWO_FACTOR=required the last factor stays, and AUTHGATE_TWO_FACTOR_METHODS limits
// what may be set up.
func TestTOTPWithEmail(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		t.Run("both", func(t *testing.T) {
			e := authtest.Start(t, b)
			u := e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			recovery := enableTwoFactor(t, e, "a@example.com", access)
			secret, more := enrolTOTP(t, e, "a@example.com", access)
			if len(more) != 0 {
				t.Fatalf("a second factor brought recovery codes %v", more)
			}
			ch := totpChallenge(t, e, "a@example.com", "totp", "email", "recovery_code")
			wantTokens(t, e, "e-mailed code without method", finish(e, ch, mailedCode(t, e, "a@example.com")), u.ID)
			ch = totpChallenge(t, e, "a@example.com", "totp", "email", "recovery_code")
			mailed := mailedCode(t, e, "a@example.com")
			wantBody(t, "e-mailed code as totp", finishTOTP(e, ch, mailed), 401, bodyCodeInvalid)
			nextStep(e)
			wantTokens(t, e, "app code", finishTOTP(e, ch, oathtool(t, e, secret)), u.ID)
			ch = totpChallenge(t, e, "a@example.com", "totp", "email", "recovery_code")
			wantTokens(t, e, "method email", e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "method": "email", "code": mailedCode(t, e, "a@example.com")}), u.ID)

			// Turning e-mailed codes off leaves the app and the recovery codes.
			wantBody(t, "e-mail off", e.Post("/api/2fa/disable/", map[string]string{"password": pw}, authtest.Bearer(access)...),
				200, fmt.Sprintf(`{"enabled":true,"mode":"optional","recovery_codes_remaining":10,"factors":[{"method":"totp","created_at":%s,"last_used_at":%s}]}`,
					jsonField(t, e, access, "created_at"), jsonField(t, e, access, "last_used_at")))
			nextMail(t, e, "a@example.com", subject2FAOff)
			ch = totpChallenge(t, e, "a@example.com", "totp", "recovery_code")
			wantTokens(t, e, "recovery code after e-mail off", finish(e, ch, recovery[0]), u.ID)
		})
		t.Run("required", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR": "required"}))
			u := e.CreateUser("a@example.com", pw)
			ch := loginChallenge(t, e, "a@example.com", pw) // e-mailed codes until another factor
			_, access := wantTokens(t, e, "code", finish(e, ch, mailedCode(t, e, "a@example.com")), u.ID)
			secret, recovery := enrolTOTP(t, e, "a@example.com", access)
			checkRecoveryCodes(t, recovery)
			ch = totpChallenge(t, e, "a@example.com", "totp", "recovery_code") // no mail any more
			nextStep(e)
			wantTokens(t, e, "app code", finishTOTP(e, ch, oathtool(t, e, secret)), u.ID)
			wantBody(t, "removing the last factor", e.Post("/api/2fa/totp/disable/", map[string]string{"password": pw}, authtest.Bearer(access)...),
				400, `{"non_field_errors":["Two-factor authentication is required on this server: set up another method before removing this one."]}`)
		})
		t.Run("off", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR": "off"}))
			e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			wantBody(t, "begin", e.Post("/api/2fa/totp/", map[string]string{"password": pw}, authtest.Bearer(access)...),
				400, `{"non_field_errors":["Two-factor authentication is turned off on this server."]}`)
		})
		t.Run("methods setting", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR_METHODS": "email"}))
			e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			wantBody(t, "no apps", e.Post("/api/2fa/totp/", map[string]string{"password": pw}, authtest.Bearer(access)...),
				400, `{"non_field_errors":["Authenticator apps are not offered on this server."]}`)
			e = authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR_METHODS": "totp"}))
			e.CreateUser("a@example.com", pw)
			_, access = e.Login("a@example.com", pw)
			wantBody(t, "no e-mailed codes", e.Post("/api/2fa/enable/", nil, authtest.Bearer(access)...),
				400, `{"non_field_errors":["E-mailed codes are not offered on this server."]}`)
		})
	})
}

// jsonField reads a field of the caller's first factor, JSON-encoded.
func jsonField(t *testing.T, e *authtest.Env, access, field string) string {
	t.Helper()
	r := e.Do(http.MethodGet, "/api/2fa/", nil, authtest.Bearer(access)...)
	factors, _ := r.JSON["factors"].([]any)
	if len(factors) == 0 {
		t.Fatalf("no factors: %s", r.Raw)
	}
	b, _ := json.Marshal(factors[0].(map[string]any)[field])
	return string(b)
}
