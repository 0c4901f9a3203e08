package attacktest

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// alignToSecond moves the harness clock so that it reads 36 ms past a whole second, and returns
// that reading: what happens in the next few hundred milliseconds happens within one second.
func alignToSecond(e *authtest.Env) time.Time {
	now := e.Clock.Now()
	e.Clock.Advance(now.Truncate(time.Second).Add(time.Second + 36*time.Millisecond).Sub(now))
	return e.Clock.Now()
}

// changedAt is when the user's last password change happened, from the audit log.
func changedAt(t *testing.T, e *authtest.Env, userID string) time.Time {
	t.Helper()
	evs, err := e.App.DB.ListEvents(context.Background(), auth.EventQuery{UserID: userID, Kind: "password_changed", Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatalf("password change not audited: %v %v", evs, err)
	}
	return evs[0].At
}

// sameSecond runs scenario (which returns when it happened: its first step and the password
// change) until both fall within one whole second, at most five times: the clock is real time,
// and a slow machine may straddle a second now and then.
func sameSecond(t *testing.T, scenario func(t *testing.T) (start, change time.Time) /* then check */, check func(t *testing.T)) {
	t.Helper()
	for range 5 {
		start, change := scenario(t)
		if !change.Before(start) && start.Truncate(time.Second).Equal(change.Truncate(time.Second)) {
			t.Logf("started %s, password changed %s later, in the same second",
				start.Format("15:04:05.000"), change.Sub(start).Round(time.Millisecond))
			check(t)
			return
		}
	}
	t.Fatal("could not fit the scenario into one second in five tries")
}

// TestResetTokenDiesWithSameSecondPasswordChange (issue #13 finding 3): a reset token requested
// at hh:mm:ss.036 is void after a password change a few milliseconds later, in the same second.
// Staleness is a per-user generation of credentials, not a comparison of whole seconds.
func TestResetTokenDiesWithSameSecondPasswordChange(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		var token string
		sameSecond(t, func(t *testing.T) (time.Time, time.Time) {
			email := uniqueEmail("stale")
			u := e.CreateUser(email, pw)
			_, access := e.Login(email, pw)
			start := alignToSecond(e)
			if r := e.Post("/api/password/reset/", map[string]string{"email": email}); r.Status != 200 {
				t.Fatalf("reset: %d %s", r.Status, r.Raw)
			}
			m := tokenLineRe.FindStringSubmatch(nextMailTo(t, e, email, "Password reset on authgate").Text)
			if m == nil {
				t.Fatal("no reset token in the mail")
			}
			token = m[1]
			r := e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "a brand new passphrase"},
				authtest.Bearer(access)...)
			if r.Status != 200 {
				t.Fatalf("change: %d %s", r.Status, r.Raw)
			}
			return start, changedAt(t, e, u.ID)
		}, func(t *testing.T) {
			r := e.Post("/api/password/reset/confirm/", map[string]string{"token": token, "new_password": "the attacker's passphrase"})
			if r.Status != 400 || r.Raw != `{"token":["Invalid or expired token."]}` {
				t.Fatalf("a reset token from before the change, same second: %d %s", r.Status, r.Raw)
			}
		})
	})
}

// TestChallengeDiesWithSameSecondPasswordChange: a pending two-factor login challenge is void
// after a password change in the same second, its right code included; so is one pending when
// the user logs out everywhere.
func TestChallengeDiesWithSameSecondPasswordChange(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		var challenge, code string
		sameSecond(t, func(t *testing.T) (time.Time, time.Time) {
			email := uniqueEmail("stale2fa")
			access, _ := withTwoFactor(t, e, email)
			u, err := e.App.Service.UserByEmail(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			start := alignToSecond(e)
			challenge = e.Post("/api/token/", map[string]string{"email": email, "password": pw}).Str("challenge")
			code = codeFrom(t, e, email)
			r := e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "a brand new passphrase"},
				authtest.Bearer(access)...)
			if r.Status != 200 {
				t.Fatalf("change: %d %s", r.Status, r.Raw)
			}
			return start, changedAt(t, e, u.ID)
		}, func(t *testing.T) {
			r := e.Post("/api/token/2fa/", map[string]string{"challenge": challenge, "code": code})
			if r.Status != 401 || r.Str("code") != "challenge_invalid" {
				t.Fatalf("a challenge from before the change, same second: %d %s", r.Status, r.Raw)
			}
		})

		// Logout everywhere, right after the challenge.
		email := uniqueEmail("stalelogout")
		access, _ := withTwoFactor(t, e, email)
		alignToSecond(e)
		challenge = e.Post("/api/token/", map[string]string{"email": email, "password": pw}).Str("challenge")
		code = codeFrom(t, e, email)
		if r := e.Post("/logout_token/", map[string]string{"all": "1"}, authtest.Bearer(access)...); r.Status != 200 {
			t.Fatalf("logout all: %d %s", r.Status, r.Raw)
		}
		r := e.Post("/api/token/2fa/", map[string]string{"challenge": challenge, "code": code})
		if r.Status != 401 || r.Str("code") != "challenge_invalid" {
			t.Fatalf("a challenge from before logout everywhere: %d %s", r.Status, r.Raw)
		}

		// Djoser's set_password, right after the challenge.
		email = uniqueEmail("staledjoser")
		access, _ = withTwoFactor(t, e, email)
		alignToSecond(e)
		challenge = e.Post("/api/token/", map[string]string{"email": email, "password": pw}).Str("challenge")
		code = codeFrom(t, e, email)
		if r := e.Post("/auth/users/set_password/", map[string]string{"current_password": pw, "new_password": "a brand new passphrase"},
			authtest.Bearer(access)...); r.Status != 204 {
			t.Fatalf("set_password: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/api/token/2fa/", map[string]string{"challenge": challenge, "code": code})
		if r.Status != 401 || r.Str("code") != "challenge_invalid" {
			t.Fatalf("a challenge from before set_password: %d %s", r.Status, r.Raw)
		}
	})
}

// tokenLineRe finds the reset token, alone on an indented line of a reset mail without a link.
var tokenLineRe = regexp.MustCompile(`(?m)^\s+([A-Za-z0-9_-]{43})$`)
