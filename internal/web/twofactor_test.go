package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// twoFactorUser makes a user with two-factor on (the admin's switch) and drains the notice.
func twoFactorUser(t *testing.T, e *authtest.Env, email string) auth.User {
	t.Helper()
	u := e.CreateUser(email, pw)
	if err := e.App.Service.SetTwoFactor(t.Context(), u, true, "", auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	nextMail(t, e, email, subject2FAOn)
	u.TwoFactorEnabled = true
	return u
}

// TestTwoFactorErrorBodies checks every answer of POST /api/token/2fa/ but success.
func TestTwoFactorErrorBodies(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := twoFactorUser(t, e, "a@example.com")
		ch := loginChallenge(t, e, "a@example.com", pw)
		code := mailedCode(t, e, "a@example.com")

		// A second user's live enable challenge: of the wrong purpose for a login.
		e.CreateUser("b@example.com", pw)
		_, accessB := e.Login("b@example.com", pw)
		r := e.Post("/api/2fa/enable/", nil, authtest.Bearer(accessB)...)
		enableCh := r.Str("challenge")
		enableCode := mailedCode(t, e, "b@example.com")

		for _, c := range []struct {
			name   string
			body   any
			status int
			want   string
		}{
			{"missing both", map[string]string{}, 400, `{"challenge":["This field is required."],"code":["This field is required."]}`},
			{"blank code", map[string]string{"challenge": ch, "code": " "}, 400, `{"code":["This field may not be blank."]}`},
			{"null challenge", map[string]any{"challenge": nil, "code": code}, 400, `{"challenge":["This field may not be null."]}`},
			{"code not a string", map[string]any{"challenge": ch, "code": []int{1}}, 400, `{"code":["Not a valid string."]}`},
			{"text/plain", "challenge=x", 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
			{"unknown challenge", map[string]string{"challenge": "no-such-challenge", "code": code}, 401, bodyChallengeBad},
			{"overlong challenge", map[string]string{"challenge": strings.Repeat("x", 500), "code": code}, 401, bodyChallengeBad},
			{"enable challenge at login", map[string]string{"challenge": enableCh, "code": enableCode}, 401, bodyChallengeBad},
			{"wrong code", map[string]string{"challenge": ch, "code": otherCode(code, 0)}, 401, bodyCodeInvalid},
			{"recovery-shaped junk", map[string]string{"challenge": ch, "code": "abcde-fghjk"}, 401, bodyCodeInvalid},
		} {
			var r authtest.Response
			if s, ok := c.body.(string); ok {
				r = e.Post("/api/token/2fa/", s, "Content-Type", "text/plain")
			} else {
				r = e.Post("/api/token/2fa/", c.body)
			}
			wantBody(t, c.name, r, c.status, c.want)
		}
		// The wrong purpose cost b's challenge nothing: it still confirms.
		r = e.Post("/api/2fa/confirm/", map[string]string{"challenge": enableCh, "code": enableCode}, authtest.Bearer(accessB)...)
		if r.Status != 200 {
			t.Fatalf("b's enable challenge after its use at login: %d %s", r.Status, r.Raw)
		}
		nextMail(t, e, "b@example.com", subject2FAOn)

		// A form body works as DRF's parsers allow; then the challenge is spent.
		wantTokens(t, e, "form body", e.Post("/api/token/2fa/", url.Values{"challenge": {ch}, "code": {code}}), u.ID)
		wantBody(t, "spent challenge", finish(e, ch, code), 401, bodyChallengeBad)
		wantBody(t, "resend of a spent challenge", e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch}), 401, bodyChallengeBad)
		wantBody(t, "resend without challenge", e.Post("/api/token/2fa/resend/", map[string]string{}), 400, `{"challenge":["This field is required."]}`)
		wantBody(t, "resend of an unknown challenge", e.Post("/api/token/2fa/resend/", map[string]string{"challenge": "nope"}), 401, bodyChallengeBad)

		// A code is bound to its challenge: the code of one login does not finish another.
		ch1 := loginChallenge(t, e, "a@example.com", pw)
		code1 := mailedCode(t, e, "a@example.com")
		ch2 := loginChallenge(t, e, "a@example.com", pw)
		code2 := mailedCode(t, e, "a@example.com")
		if code1 != code2 {
			wantBody(t, "another challenge's code", finish(e, ch2, code1), 401, bodyCodeInvalid)
		}
		wantTokens(t, e, "own code", finish(e, ch2, code2), u.ID)
		wantTokens(t, e, "first challenge still live", finish(e, ch1, code1), u.ID)

		wantEvent(t, e, u.ID, "two_factor_failed", "wrong code")
		wantEvent(t, e, u.ID, "two_factor_failed", "challenge already used")
		assertNoSecret(t, e, code, code1, code2, enableCode, ch, ch1, ch2)
	})
}

// TestTwoFactorExpiry: a code works until its ten minutes are up, not a moment after.
func TestTwoFactorExpiry(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := twoFactorUser(t, e, "a@example.com")

		ch := loginChallenge(t, e, "a@example.com", pw)
		code := mailedCode(t, e, "a@example.com")
		e.Clock.Advance(9*time.Minute + 50*time.Second)
		wantTokens(t, e, "code at 9m50s", finish(e, ch, code), u.ID)

		ch = loginChallenge(t, e, "a@example.com", pw)
		code = mailedCode(t, e, "a@example.com")
		e.Clock.Advance(10 * time.Minute)
		wantBody(t, "code at 10m", finish(e, ch, code), 401, bodyCodeExpired)
		wantBody(t, "expired again", finish(e, ch, code), 401, bodyCodeExpired)
		wantBody(t, "resend of an expired challenge", e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch}), 401, bodyChallengeBad)
		wantEvent(t, e, u.ID, "two_factor_failed", "code expired")
	})
}

// TestTwoFactorParallelAttempts: of 20 wrong codes sent at once, exactly five are counted (the
// limit per challenge), the rest are refused as too many, and then even the right code fails.
func TestTwoFactorParallelAttempts(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := twoFactorUser(t, e, "a@example.com")
		ch := loginChallenge(t, e, "a@example.com", pw)
		code := mailedCode(t, e, "a@example.com")

		const n = 20
		status := make([]int, n)
		bodies := make([]string, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				body := fmt.Sprintf(`{"challenge":%q,"code":%q}`, ch, otherCode(code, i))
				status[i], bodies[i], errs[i] = post(e, "/api/token/2fa/", body)
			})
		}
		close(start)
		wg.Wait()
		invalid, tooMany := 0, 0
		for i := range n {
			switch {
			case errs[i] != nil:
				t.Fatal(errs[i])
			case status[i] == 401 && bodies[i] == bodyCodeInvalid:
				invalid++
			case status[i] == 401 && bodies[i] == bodyTooMany:
				tooMany++
			default:
				t.Fatalf("guess %d: %d %s", i, status[i], bodies[i])
			}
		}
		if invalid != 5 || tooMany != n-5 {
			t.Fatalf("%d counted wrong codes and %d refusals, want 5 and %d", invalid, tooMany, n-5)
		}
		for _, row := range rawRows(t, e, "two_factor_challenges") {
			if !strings.Contains(row, "attempts=5 ") {
				t.Errorf("the challenge row does not hold 5 attempts: %s", row)
			}
		}
		wantBody(t, "right code after lockout", finish(e, ch, code), 401, bodyTooMany)
		e.Clock.Advance(31 * time.Second) // past the resend interval: only the lockout refuses
		wantBody(t, "resend after lockout", e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch}), 401, bodyTooMany)

		if got := wantEvent(t, e, u.ID, "two_factor_failed", "wrong code"); got != 5 {
			t.Errorf("%d wrong codes audited, want 5", got)
		}
		if got := wantEvent(t, e, u.ID, "two_factor_failed", "too many attempts"); got != n-5+1 {
			t.Errorf("%d refused tries audited, want %d", got, n-5+1)
		}
		if got := wantEvent(t, e, u.ID, "two_factor_lockout", "login"); got != 1 {
			t.Errorf("%d lockouts audited, want 1", got)
		}
		assertNoSecret(t, e, code, ch)

		// A new login is the way out.
		ch = loginChallenge(t, e, "a@example.com", pw)
		wantTokens(t, e, "new login", finish(e, ch, mailedCode(t, e, "a@example.com")), u.ID)
	})
}

// TestTwoFactorResend: resends are spaced and counted, each replaces the code, and the number
// of live challenges per user is capped.
func TestTwoFactorResend(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := twoFactorUser(t, e, "a@example.com")
		ch := loginChallenge(t, e, "a@example.com", pw)
		codes := []string{mailedCode(t, e, "a@example.com")}
		resend := func() authtest.Response {
			return e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch})
		}

		r := resend()
		wantBody(t, "immediate resend", r, 429, `{"detail":"Request was throttled. Expected available in 30 seconds."}`)
		if r.Header.Get("Retry-After") != "30" {
			t.Errorf("Retry-After = %q, want 30", r.Header.Get("Retry-After"))
		}
		for i := range 3 { // AUTHGATE's default: three resends
			e.Clock.Advance(31 * time.Second)
			wantBody(t, fmt.Sprintf("resend %d", i+1), resend(), 200, `{"detail":"`+codeSent+`"}`)
			codes = append(codes, mailedCode(t, e, "a@example.com"))
		}
		e.Clock.Advance(31 * time.Second)
		r = resend()
		if r.Status != 429 {
			t.Fatalf("fourth resend: %d %s", r.Status, r.Raw)
		}
		if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s < 500 || s > 600 {
			t.Errorf("fourth resend: Retry-After %q, want the challenge's remaining life", r.Header.Get("Retry-After"))
		}
		if got := len(e.Mail.Messages()); got != 1+4 {
			t.Errorf("%d mails, want the notice and 4 codes", got)
		}
		// Only the latest code works; the replaced ones are wrong codes (each counts a try).
		last := codes[len(codes)-1]
		for i, c := range codes[:len(codes)-1] {
			if c != last {
				wantBody(t, fmt.Sprintf("replaced code %d", i), finish(e, ch, c), 401, bodyCodeInvalid)
			}
		}
		wantTokens(t, e, "latest code", finish(e, ch, last), u.ID)
		if got := wantEvent(t, e, u.ID, "two_factor_sent", "login (resend)"); got != 3 {
			t.Errorf("%d resends audited, want 3", got)
		}

		// At most three unfinished logins at a time; finishing one frees a place.
		var live []string
		for range 3 {
			live = append(live, loginChallenge(t, e, "a@example.com", pw))
			codes = append(codes, mailedCode(t, e, "a@example.com"))
		}
		r = e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw})
		wantBody(t, "fourth live challenge", r, 429, `{"detail":"Request was throttled. Expected available in 600 seconds."}`)
		wantEvent(t, e, u.ID, "two_factor_throttled", "too many live challenges")
		wantTokens(t, e, "a live challenge", finish(e, live[0], codes[len(codes)-3]), u.ID)
		ch = loginChallenge(t, e, "a@example.com", pw)
		codes = append(codes, mailedCode(t, e, "a@example.com"))
		// And expiry frees them all.
		e.Clock.Advance(10 * time.Minute)
		for range 3 {
			loginChallenge(t, e, "a@example.com", pw)
			codes = append(codes, mailedCode(t, e, "a@example.com"))
		}
		assertNoSecret(t, e, append(codes, ch)...)
	})
}

// TestChallengeLimitSettings: the resend interval and count, the cap on live challenges and the
// reset token's lifetime follow their settings.
func TestChallengeLimitSettings(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{
			"AUTHGATE_TWO_FACTOR_RESEND_INTERVAL": "5s", "AUTHGATE_TWO_FACTOR_MAX_RESENDS": "1",
			"AUTHGATE_TWO_FACTOR_MAX_LIVE_CHALLENGES": "1", "AUTHGATE_PASSWORD_RESET_TOKEN_LIFETIME": "7m"}))
		twoFactorUser(t, e, "a@example.com")
		ch := loginChallenge(t, e, "a@example.com", pw)
		mailedCode(t, e, "a@example.com")
		wantBody(t, "a second live challenge", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}),
			429, `{"detail":"Request was throttled. Expected available in 600 seconds."}`)
		resend := func() authtest.Response {
			return e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch})
		}
		wantBody(t, "immediate resend", resend(), 429, `{"detail":"Request was throttled. Expected available in 5 seconds."}`)
		e.Clock.Advance(5 * time.Second)
		wantBody(t, "resend after 5 s", resend(), 200, `{"detail":"`+codeSent+`"}`)
		mailedCode(t, e, "a@example.com")
		e.Clock.Advance(5 * time.Second)
		if r := resend(); r.Status != 429 {
			t.Fatalf("a second resend of one allowed: %d %s", r.Status, r.Raw)
		}

		wantBody(t, "reset", e.Post("/api/password/reset/", map[string]string{"email": "a@example.com"}), 200, bodyResetSent)
		m := nextMail(t, e, "a@example.com", subjectReset)
		if !strings.Contains(m.Text, "7 minutes") {
			t.Errorf("the reset mail does not give the token's lifetime:\n%s", m.Text)
		}
		first := tokenLine.FindStringSubmatch(m.Text)[1]
		// One live link per kind: a second request's link replaces the first.
		wantBody(t, "a second reset", e.Post("/api/password/reset/", map[string]string{"email": "a@example.com"}), 200, bodyResetSent)
		second := tokenLine.FindStringSubmatch(nextMail(t, e, "a@example.com", subjectReset).Text)[1]
		wantBody(t, "the first link after the second", e.Post("/api/password/reset/confirm/",
			map[string]string{"token": first, "new_password": "a brand new passphrase"}), 400, bodyResetBad)
		e.Clock.Advance(7 * time.Minute)
		wantBody(t, "the second link after 7 minutes", e.Post("/api/password/reset/confirm/",
			map[string]string{"token": second, "new_password": "a brand new passphrase"}), 400, bodyResetBad)
	})
}

// TestRecoveryCodes: each of the ten codes finishes one login when mail does not arrive, once.
func TestRecoveryCodes(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		_, access := e.Login("a@example.com", pw)
		codes := enableTwoFactor(t, e, "a@example.com", access)

		// Typed in capitals with a space instead of the dash: still the same code.
		ch := loginChallenge(t, e, "a@example.com", pw)
		mailedCode(t, e, "a@example.com")
		typed := strings.ToUpper(strings.ReplaceAll(codes[0], "-", " "))
		wantTokens(t, e, "recovery code", finish(e, ch, typed), u.ID)

		ch = loginChallenge(t, e, "a@example.com", pw)
		mailedCode(t, e, "a@example.com")
		wantBody(t, "used recovery code", finish(e, ch, codes[0]), 401, bodyCodeInvalid)
		wantTokens(t, e, "second recovery code", finish(e, ch, codes[1]), u.ID)

		// Two logins racing with one code: exactly one wins.
		ch1 := loginChallenge(t, e, "a@example.com", pw)
		ch2 := loginChallenge(t, e, "a@example.com", pw)
		mailedCode(t, e, "a@example.com")
		mailedCode(t, e, "a@example.com")
		var wg sync.WaitGroup
		status := make([]int, 2)
		bodies := make([]string, 2)
		for i, c := range []string{ch1, ch2} {
			wg.Go(func() {
				status[i], bodies[i], _ = post(e, "/api/token/2fa/", fmt.Sprintf(`{"challenge":%q,"code":%q}`, c, codes[2]))
			})
		}
		wg.Wait()
		if status[0]+status[1] != 200+401 || !strings.Contains(bodies[0]+bodies[1], "code_invalid") {
			t.Fatalf("one recovery code on two challenges at once: %v %q", status, bodies)
		}
		r := e.Do(http.MethodGet, "/api/2fa/", nil, authtest.Bearer(access)...)
		wantBody(t, "status", r, 200, `{"enabled":true,"mode":"optional","recovery_codes_remaining":7}`)
		if got := wantEvent(t, e, u.ID, "recovery_code_used", "login"); got != 3 {
			t.Errorf("%d recovery codes audited as used, want 3", got)
		}

		// A code alone is an authenticator app's: without one, it needs its mail's challenge.
		wantBody(t, "recovery codes, a code without challenge", e.Post("/api/2fa/recovery-codes/", map[string]string{"code": "123456"}, authtest.Bearer(access)...),
			400, `{"challenge":["This field is required."]}`)
		// New codes (the password proves it is the owner) replace the old ones, unused ones
		// included, and the owner is told.
		r = e.Post("/api/2fa/recovery-codes/", map[string]string{"password": pw}, authtest.Bearer(access)...)
		if r.Status != 200 || r.JSON["enabled"] != true {
			t.Fatalf("regenerate: %d %s", r.Status, r.Raw)
		}
		nextMail(t, e, "a@example.com", subjectRecovery)
		var fresh []string
		for _, c := range r.JSON["recovery_codes"].([]any) {
			fresh = append(fresh, c.(string))
		}
		checkRecoveryCodes(t, fresh)
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("recovery codes are cacheable")
		}
		ch = loginChallenge(t, e, "a@example.com", pw)
		mailedCode(t, e, "a@example.com")
		wantBody(t, "an old unused code", finish(e, ch, codes[5]), 401, bodyCodeInvalid)
		wantTokens(t, e, "a new code", finish(e, ch, fresh[9]), u.ID)
		if got := wantEvent(t, e, u.ID, "recovery_codes_generated", ""); got != 2 {
			t.Errorf("%d generations audited, want 2", got)
		}

		// The admin's switch: off deletes the codes, so on again does not revive them.
		for _, on := range []bool{false, true} {
			if err := e.App.Service.SetTwoFactor(t.Context(), u, on, "", auth.Client{IP: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		nextMail(t, e, "a@example.com", subject2FAOff)
		nextMail(t, e, "a@example.com", subject2FAOn)
		ch = loginChallenge(t, e, "a@example.com", pw)
		mailedCode(t, e, "a@example.com")
		wantBody(t, "a code from before the admin's off and on", finish(e, ch, fresh[0]), 401, bodyCodeInvalid)
		assertNoSecret(t, e, append(codes, fresh...)...)
	})
}

// TestTwoFactorSelfService covers /api/2fa/: status, enable, confirm, disable, recovery codes,
// with their refusals.
func TestTwoFactorSelfService(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		_, access := e.Login("a@example.com", pw)
		bearer := authtest.Bearer(access)
		const noCreds = `{"detail":"Authentication credentials were not provided."}`
		wantBody(t, "status without token", e.Do(http.MethodGet, "/api/2fa/", nil), 401, noCreds)
		for _, p := range []string{"/api/2fa/enable/", "/api/2fa/confirm/", "/api/2fa/disable/", "/api/2fa/recovery-codes/"} {
			wantBody(t, p+" without token", e.Post(p, nil), 401, noCreds)
		}
		wantBody(t, "recovery codes while off", e.Post("/api/2fa/recovery-codes/", nil, bearer...),
			400, `{"non_field_errors":["Two-factor authentication is not enabled."]}`)
		wantBody(t, "disable while off", e.Post("/api/2fa/disable/", map[string]string{"password": pw}, bearer...),
			400, `{"non_field_errors":["Two-factor authentication is not enabled."]}`)

		// Someone else's confirmation challenge is refused without costing its owner a try.
		e.CreateUser("mallory@example.com", pw)
		_, accessM := e.Login("mallory@example.com", pw)
		r := e.Post("/api/2fa/enable/", nil, bearer...)
		ch := r.Str("challenge")
		code := mailedCode(t, e, "a@example.com")
		for i := range 6 {
			wantBody(t, "another user's challenge", e.Post("/api/2fa/confirm/",
				map[string]string{"challenge": ch, "code": otherCode(code, i)}, authtest.Bearer(accessM)...), 401, bodyChallengeBad)
		}
		wantBody(t, "confirm without fields", e.Post("/api/2fa/confirm/", map[string]string{}, bearer...),
			400, `{"challenge":["This field is required."],"code":["This field is required."]}`)
		for i := range 4 {
			wantBody(t, "confirm with a wrong code", e.Post("/api/2fa/confirm/",
				map[string]string{"challenge": ch, "code": otherCode(code, i)}, bearer...), 401, bodyCodeInvalid)
		}
		r = e.Post("/api/2fa/confirm/", map[string]string{"challenge": ch, "code": code}, bearer...)
		if r.Status != 200 || r.JSON["enabled"] != true {
			t.Fatalf("confirm on the fifth try: %d %s", r.Status, r.Raw)
		}
		nextMail(t, e, "a@example.com", subject2FAOn)
		wantBody(t, "enable twice", e.Post("/api/2fa/enable/", nil, bearer...),
			400, `{"non_field_errors":["Two-factor authentication is already enabled."]}`)

		// Turning it off takes the password.
		wantBody(t, "disable without password", e.Post("/api/2fa/disable/", map[string]string{}, bearer...),
			400, `{"password":["This field is required."]}`)
		wantBody(t, "disable with a wrong password", e.Post("/api/2fa/disable/", map[string]string{"password": "not it"}, bearer...),
			400, `{"password":["Your password was entered incorrectly. Please enter it again."]}`)
		wantBody(t, "disable", e.Post("/api/2fa/disable/", map[string]string{"password": pw}, bearer...),
			200, `{"enabled":false,"mode":"optional","recovery_codes_remaining":0}`)
		nextMail(t, e, "a@example.com", subject2FAOff)
		wantTokens(t, e, "login after disable", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}), u.ID)
		wantBody(t, "status after disable", e.Do(http.MethodGet, "/api/2fa/", nil, bearer...),
			200, `{"enabled":false,"mode":"optional","recovery_codes_remaining":0}`)

		wantEvent(t, e, u.ID, "two_factor_sent", "enable")
		wantEvent(t, e, u.ID, "two_factor_failed", "enable: wrong code")
		wantEvent(t, e, u.ID, "two_factor_enabled", "")
		wantEvent(t, e, u.ID, "two_factor_failed", "disable: wrong password")
		wantEvent(t, e, u.ID, "two_factor_disabled", "")
		assertNoSecret(t, e, code, ch)
	})
}

// TestTwoFactorModes: AUTHGATE_TWO_FACTOR=required asks everyone for a code, off asks nobody,
// and the code length and lifetime follow their settings.
func TestTwoFactorModes(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		t.Run("required", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR": "required"}))
			u := e.CreateUser("a@example.com", pw)
			ch := loginChallenge(t, e, "a@example.com", pw)
			_, access := wantTokens(t, e, "code", finish(e, ch, mailedCode(t, e, "a@example.com")), u.ID)
			wantBody(t, "status", e.Do(http.MethodGet, "/api/2fa/", nil, authtest.Bearer(access)...),
				200, `{"enabled":true,"mode":"required","recovery_codes_remaining":0}`)
			// Recovery codes are for whoever needs a code, whatever their own switch says.
			r := e.Post("/api/2fa/recovery-codes/", map[string]string{"password": pw}, authtest.Bearer(access)...)
			if r.Status != 200 {
				t.Fatalf("recovery codes: %d %s", r.Status, r.Raw)
			}
			nextMail(t, e, "a@example.com", subjectRecovery)
			ch = loginChallenge(t, e, "a@example.com", pw)
			mailedCode(t, e, "a@example.com")
			wantTokens(t, e, "recovery code", finish(e, ch, r.JSON["recovery_codes"].([]any)[0].(string)), u.ID)
			// The sliding-token login is no way around the code.
			r = e.Post("/api/token/sliding/", map[string]string{"email": "a@example.com", "password": pw})
			if r.Status != 200 || r.Str("token") != "" || r.JSON["two_factor_required"] != true {
				t.Fatalf("sliding login: %d %s", r.Status, r.Raw)
			}
			mailedCode(t, e, "a@example.com")
		})
		t.Run("off", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TWO_FACTOR": "off"}))
			u := twoFactorUser(t, e, "a@example.com")
			_, access := wantTokens(t, e, "password alone", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}), u.ID)
			wantBody(t, "status", e.Do(http.MethodGet, "/api/2fa/", nil, authtest.Bearer(access)...),
				200, `{"enabled":false,"mode":"off","recovery_codes_remaining":0}`)
			wantBody(t, "enable", e.Post("/api/2fa/enable/", nil, authtest.Bearer(access)...),
				400, `{"non_field_errors":["Two-factor authentication is turned off on this server."]}`)
			if n := len(e.Mail.Messages()); n != 1 {
				t.Errorf("%d mails, want only the admin's notice", n)
			}
		})
		t.Run("ten digits for two minutes", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{
				"AUTHGATE_TWO_FACTOR_CODE_LENGTH": "10", "AUTHGATE_TWO_FACTOR_CODE_TTL": "2m", "AUTHGATE_TWO_FACTOR_MAX_ATTEMPTS": "2"}))
			u := e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			recovery := enableTwoFactor(t, e, "a@example.com", access)
			ch := loginChallenge(t, e, "a@example.com", pw)
			code := mailedCode(t, e, "a@example.com")
			if len(code) != 10 {
				t.Fatalf("code %q, want 10 digits", code)
			}
			wantBody(t, "six of ten digits", finish(e, ch, code[:6]), 401, bodyCodeInvalid)
			wantTokens(t, e, "ten digits", finish(e, ch, code), u.ID)
			// A recovery code is as long as a code now, and still a recovery code.
			ch = loginChallenge(t, e, "a@example.com", pw)
			mailedCode(t, e, "a@example.com")
			wantTokens(t, e, "recovery code", finish(e, ch, recovery[0]), u.ID)

			ch = loginChallenge(t, e, "a@example.com", pw)
			code = mailedCode(t, e, "a@example.com")
			wantBody(t, "one", finish(e, ch, otherCode(code, 0)), 401, bodyCodeInvalid)
			wantBody(t, "two", finish(e, ch, otherCode(code, 1)), 401, bodyCodeInvalid)
			wantBody(t, "three: over the limit of 2", finish(e, ch, code), 401, bodyTooMany)
			ch = loginChallenge(t, e, "a@example.com", pw)
			code = mailedCode(t, e, "a@example.com")
			e.Clock.Advance(2 * time.Minute)
			wantBody(t, "after two minutes", finish(e, ch, code), 401, bodyCodeExpired)
		})
	})
}

// TestTwoFactorDisableThrottled: turning two-factor off checks the password, so it is throttled
// like a login; a stolen access token is no way to guess the password.
func TestTwoFactorDisableThrottled(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_LOGIN": "3/min"}))
	e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw) // the first of three
	for range 2 {
		wantBody(t, "wrong password", e.Post("/api/2fa/disable/", map[string]string{"password": "guess"}, authtest.Bearer(access)...),
			400, `{"password":["Your password was entered incorrectly. Please enter it again."]}`)
	}
	r := e.Post("/api/2fa/disable/", map[string]string{"password": "guess"}, authtest.Bearer(access)...)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth password try: %d %s", r.Status, r.Raw)
	}
}
