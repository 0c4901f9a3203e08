package web_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

const (
	newPassword   = "a brand new passphrase"
	bodyBlacklist = `{"detail":"Token is blacklisted","code":"token_not_valid"}`
)

// resetConfirm posts a reset token and a new password.
func resetConfirm(e *authtest.Env, token, newPw string) authtest.Response {
	e.T.Helper()
	return e.Post("/api/password/reset/confirm/", map[string]string{"token": token, "new_password": newPw})
}

// policyCases are new passwords the policy refuses, with the contract's field errors.
var policyCases = []struct{ name, pw, want string }{
	{"too short", "zq7!x", `{"new_password":["This password is too short. It must contain at least 8 characters."]}`},
	{"common", "password", `{"new_password":["This password is too common."]}`},
	{"the e-mail", "a@example.com", `{"new_password":["The password is too similar to the email address."]}`},
	{"all digits", "73829104756", `{"new_password":["This password is entirely numeric."]}`},
}

// TestPasswordReset covers POST /api/password/reset/ and /confirm/: the same answer for every
// address, a single-use, short-lived token by mail, the policy, and every earlier token revoked.
func TestPasswordReset(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		e.CreateUser("inactive@example.com", pw, func(n *auth.NewUser) { n.Inactive = true })
		refresh, access := e.Login("a@example.com", pw)

		// Known, unknown, inactive, nonsense: one answer, headers included.
		var first authtest.Response
		for i, body := range []any{
			map[string]string{"email": "a@example.com"},
			map[string]string{"email": "nobody@example.com"},
			map[string]string{"email": "inactive@example.com"},
			map[string]string{"email": "not an address"},
			`{"email":"a\u0000@example.com"}`,         // PostgreSQL cannot compare with a NUL
			url.Values{"email": {"\xff@example.com"}}, // nor with invalid UTF-8
		} {
			r := e.Post("/api/password/reset/", body)
			addr := fmt.Sprint(body)
			wantBody(t, "reset "+addr, r, 200, bodyResetSent)
			if i == 0 {
				first = r
				continue
			}
			if got, want := headerNames(r.Header), headerNames(first.Header); !slices.Equal(got, want) {
				t.Errorf("reset %s: headers %v, want %v", addr, got, want)
			}
		}
		tok := mailedResetToken(t, e, "a@example.com")
		if n := countEvents(t, e, "password_reset_requested", "no active account", 5); n != 5 {
			t.Fatalf("%d refused reset requests audited, want 5", n)
		}
		if strings.Contains(e.Logs.String(), "password reset lookup failed") {
			t.Error("an odd address was taken for a storage failure")
		}
		wantBody(t, "reset without e-mail", e.Post("/api/password/reset/", map[string]string{}), 400, `{"email":["This field is required."]}`)
		for _, row := range rawRows(t, e, "account_tokens") {
			if strings.Contains(row, tok) {
				t.Fatalf("storage holds the reset token in clear: %s", row)
			}
		}

		wantBody(t, "confirm without fields", e.Post("/api/password/reset/confirm/", map[string]string{}),
			400, `{"token":["This field is required."],"new_password":["This field is required."]}`)
		wantBody(t, "unknown token", resetConfirm(e, "no-such-token", newPassword), 400, bodyResetBad)
		wantBody(t, "overlong token", resetConfirm(e, strings.Repeat("t", 300), newPassword), 400, bodyResetBad)
		for _, c := range policyCases {
			wantBody(t, c.name, resetConfirm(e, tok, c.pw), 400, c.want)
		}

		// A second token, asked for well before the first is used, dies with the password change.
		wantBody(t, "second reset", e.Post("/api/password/reset/", map[string]string{"email": "A@Example.COM"}), 200, bodyResetSent)
		older := mailedResetToken(t, e, "a@example.com")
		e.Clock.Advance(2 * time.Second)

		// The policy refusals did not spend the token.
		wantBody(t, "confirm", resetConfirm(e, tok, newPassword), 200, bodyResetDone)
		nextMail(t, e, "a@example.com", subjectPwChanged)
		wantBody(t, "token reused", resetConfirm(e, tok, "yet another passphrase"), 400, bodyResetBad)
		wantBody(t, "token from before the change", resetConfirm(e, older, "yet another passphrase"), 400, bodyResetBad)
		wantBody(t, "refresh after reset", e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}), 401, bodyBlacklist)
		if r := e.Do(http.MethodGet, "/api/me/", nil, authtest.Bearer(access)...); r.Status != 401 || r.Str("code") != "token_not_valid" {
			t.Errorf("access token after reset: %d %s", r.Status, r.Raw)
		}
		wantBody(t, "old password", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}),
			401, `{"detail":"No active account found with the given credentials"}`)
		wantTokens(t, e, "new password", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": newPassword}), u.ID)

		// A token lives thirty minutes.
		wantBody(t, "third reset", e.Post("/api/password/reset/", map[string]string{"email": "a@example.com"}), 200, bodyResetSent)
		late := mailedResetToken(t, e, "a@example.com")
		e.Clock.Advance(30 * time.Minute)
		wantBody(t, "expired token", resetConfirm(e, late, "yet another passphrase"), 400, bodyResetBad)

		// Two confirmations racing with one token: exactly one wins.
		wantBody(t, "fourth reset", e.Post("/api/password/reset/", map[string]string{"email": "a@example.com"}), 200, bodyResetSent)
		raced := mailedResetToken(t, e, "a@example.com")
		var wg sync.WaitGroup
		status := make([]int, 2)
		for i := range 2 {
			wg.Go(func() {
				status[i], _, _ = post(e, "/api/password/reset/confirm/",
					fmt.Sprintf(`{"token":%q,"new_password":"racing passphrase %d"}`, raced, i))
			})
		}
		wg.Wait()
		if status[0]+status[1] != 200+400 {
			t.Fatalf("one token confirmed twice at once: %v", status)
		}

		wantEvent(t, e, u.ID, "password_reset_requested", "")
		wantEvent(t, e, u.ID, "password_changed", "")
		wantEvent(t, e, u.ID, "password_reset_failed", "")
		assertNoSecret(t, e, tok, older, late, raced, newPassword)
		// Long after the first requests, only the active address ever got mail.
		for _, m := range e.Mail.Messages() {
			if !slices.Equal(m.To, []string{"a@example.com"}) {
				t.Errorf("a mail went to %v: %s", m.To, m.Subject)
			}
		}
	})
}

// TestPasswordResetThrottle: the throttle answers alike for every address too.
func TestPasswordResetThrottle(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_RESET": "2/hour"}))
	e.CreateUser("a@example.com", pw)
	for _, addr := range []string{"a@example.com", "nobody@example.com"} {
		var last authtest.Response
		for range 3 {
			last = e.Post("/api/password/reset/", map[string]string{"email": addr})
		}
		if last.Status != 429 || !strings.HasPrefix(last.Str("detail"), "Request was throttled.") || last.Header.Get("Retry-After") == "" {
			t.Errorf("third reset for %s: %d %s", addr, last.Status, last.Raw)
		}
		e.Clock.Advance(time.Hour)
	}
}

// TestPasswordChange covers POST /api/password/change/: the old password, the policy, and every
// other session of the user ended while the caller carries on.
func TestPasswordChange(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		r1, a1 := e.Login("a@example.com", pw)
		r2, _ := e.Login("a@example.com", pw)
		bearer := authtest.Bearer(a1)
		change := func(body map[string]string) authtest.Response {
			return e.Post("/api/password/change/", body, bearer...)
		}

		wantBody(t, "without token", e.Post("/api/password/change/", map[string]string{}), 401,
			`{"detail":"Authentication credentials were not provided."}`)
		wantBody(t, "without fields", change(map[string]string{}), 400,
			`{"old_password":["This field is required."],"new_password":["This field is required."]}`)
		wantBody(t, "wrong old password", change(map[string]string{"old_password": "not it", "new_password": newPassword}), 400,
			`{"old_password":["Your old password was entered incorrectly. Please enter it again."]}`)
		for _, c := range policyCases {
			wantBody(t, c.name, change(map[string]string{"old_password": pw, "new_password": c.pw}), 400, c.want)
		}

		r := change(map[string]string{"old_password": pw, "new_password": newPassword})
		if r.Status != 200 || r.Str("detail") != "Password has been changed." || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("change: %d %s", r.Status, r.Raw)
		}
		wantTokens(t, e, "the caller's fresh pair", authtest.Response{Status: r.Status, JSON: map[string]any{
			"refresh": r.Str("refresh"), "access": r.Str("access")}}, u.ID)
		nextMail(t, e, "a@example.com", subjectPwChanged)
		for i, rt := range []string{r1, r2} {
			wantBody(t, fmt.Sprintf("refresh token %d", i+1), e.Post("/api/token/refresh/", map[string]string{"refresh": rt}), 401, bodyBlacklist)
		}
		if r := e.Do(http.MethodGet, "/api/me/", nil, bearer...); r.Status != 401 {
			t.Errorf("old access token: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r.Str("refresh")}); r.Status != 200 {
			t.Errorf("the fresh refresh token: %d %s", r.Status, r.Raw)
		}
		wantTokens(t, e, "new password", e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": newPassword}), u.ID)

		wantEvent(t, e, u.ID, "password_change_failed", "wrong old password")
		wantEvent(t, e, u.ID, "password_changed", "")
		assertNoSecret(t, e, newPassword, pw)
	})
}

// TestPasswordMinLength: AUTHGATE_PASSWORD_MIN_LENGTH sets the policy's minimum.
func TestPasswordMinLength(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_PASSWORD_MIN_LENGTH": "12"}))
	e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw)
	r := e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "elevenchars"}, authtest.Bearer(access)...)
	wantBody(t, "eleven characters", r, 400, `{"new_password":["This password is too short. It must contain at least 12 characters."]}`)
}

// headerNames lists the header fields of an answer but those that differ by nature.
func headerNames(h http.Header) []string {
	names := slices.Sorted(maps.Keys(h))
	return slices.DeleteFunc(names, func(n string) bool { return n == "Date" || n == "X-Request-Id" })
}

// countEvents waits until at least want events of the kind (any user) with the detail exist,
// and returns how many there are.
func countEvents(t *testing.T, e *authtest.Env, kind, detail string, want int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := e.App.DB.ListEvents(t.Context(), auth.EventQuery{Kind: kind, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if strings.Contains(ev.Detail, detail) {
				n++
			}
		}
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkPasswordResetAnswer measures the answer to reset requests for an active, an
// inactive and an unknown address, interleaved so that background work (the active user's
// token and mail) falls on every kind alike; the three ns/… metrics should agree (CONTRACT: no
// enumeration).
func BenchmarkPasswordResetAnswer(b *testing.B) {
	e := authtest.Start(b, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_RESET": "0/min"}))
	e.CreateUser("active@example.com", pw)
	e.CreateUser("inactive@example.com", pw, func(n *auth.NewUser) { n.Inactive = true })
	kinds := []string{"active", "inactive", "unknown"}
	var spent [3]time.Duration
	i := 0
	for b.Loop() {
		k := i % len(kinds)
		start := time.Now()
		status, raw, err := post(e, "/api/password/reset/", fmt.Sprintf(`{"email":"%s@example.com"}`, kinds[k]))
		spent[k] += time.Since(start)
		if err != nil || status != 200 {
			b.Fatalf("%d %s %v", status, raw, err)
		}
		i++
	}
	for k, kind := range kinds {
		b.ReportMetric(float64(spent[k].Nanoseconds())/float64((i+len(kinds)-1-k)/len(kinds)), "ns/"+kind)
	}
}
