package attacktest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// lockedBody is the API's answer while an account's codes are locked.
const lockedBody = `{"detail":"Too many wrong codes. Codes are refused for this account until its password is reset or an administrator unlocks it.","code":"second_factor_locked"}`

const subjectLocked = "Codes are locked on your authgate account"

// wrongCodes sends n wrong codes to a door and fails unless each is checked and refused.
func wrongCodes(t *testing.T, n int, door string, send func(i int) authtest.Response, refused func(authtest.Response) bool) {
	t.Helper()
	for i := range n {
		if r := send(i); !refused(r) {
			t.Fatalf("%s, wrong code %d: %d %s", door, i+1, r.Status, r.Raw)
		}
	}
}

func codeInvalid(r authtest.Response) bool { return r.Status == 401 && r.Str("code") == "code_invalid" }

// countEvents counts the user's audit events of a kind.
func countEvents(t *testing.T, e *authtest.Env, userID, kind string) int {
	t.Helper()
	evs, err := e.App.DB.ListEvents(context.Background(), auth.EventQuery{UserID: userID, Kind: kind, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// TestSecondFactorCeiling (NIST 800-63B §5.2.2, issue #13 finding 4): an attacker who has the
// password meets a per-account ceiling of consecutive failed code checks that outlasts
// challenges and doors. 100 wrong codes spread over every door that checks one — confirming
// two-factor, the API login (e-mailed codes and recovery codes), the admin panel's login and the
// recovery-code renewal — lock the account's codes: the right code of a live challenge is refused,
// no new challenge is sent, the owner is mailed and it is audited. An administrator's unlock
// (audited) lets the right code through again.
func TestSecondFactorCeiling(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{
			"AUTHGATE_TWO_FACTOR_MAX_ATTEMPTS": "20", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
		ctx := context.Background()
		root := e.CreateUser(uniqueEmail("root"), pw, func(n *auth.NewUser) { n.IsSuperuser = true })
		email := uniqueEmail("locked")
		u := e.CreateUser(email, pw, func(n *auth.NewUser) { n.IsStaff = true })
		_, access := e.Login(email, pw)
		bearer := authtest.Bearer(access)
		apiLogin := func() authtest.Response {
			return e.Post("/api/token/", map[string]string{"email": email, "password": pw}, "X-Forwarded-For", uniqueIP())
		}
		finish := func(ch, code string) authtest.Response {
			return e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "code": code}, "X-Forwarded-For", uniqueIP())
		}

		// 20 at the confirmation of two-factor; then an admin turns it on (no code involved).
		ch := e.Post("/api/2fa/enable/", nil, bearer...).Str("challenge")
		right := codeFrom(t, e, email)
		wrongCodes(t, 20, "confirm", func(i int) authtest.Response {
			return e.Post("/api/2fa/confirm/", map[string]string{"challenge": ch, "code": otherCodeThan(right, i)}, bearer...)
		}, codeInvalid)
		if err := e.App.Service.SetTwoFactor(ctx, u, true, root.ID, auth.Client{IP: "test"}); err != nil {
			t.Fatal(err)
		}
		nextMailTo(t, e, email, "Two-factor authentication is on for your authgate account")

		// 20 e-mailed codes and 20 recovery codes at the API login, on two challenges.
		ch = apiLogin().Str("challenge")
		right = codeFrom(t, e, email)
		wrongCodes(t, 20, "API login", func(i int) authtest.Response { return finish(ch, otherCodeThan(right, i)) }, codeInvalid)
		ch = apiLogin().Str("challenge")
		codeFrom(t, e, email)
		wrongCodes(t, 20, "recovery code", func(i int) authtest.Response {
			return finish(ch, fmt.Sprintf("zzzzz-%05d", i)[:11])
		}, codeInvalid)

		// 20 at the admin panel's login.
		a := newPanelAgent(t, e, uniqueIP())
		if r := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {email}, "password": {pw}}); r.Status != 303 {
			t.Fatalf("admin login: %d", r.Status)
		}
		right = codeFrom(t, e, email)
		wrongCodes(t, 20, "admin login", func(i int) authtest.Response {
			return a.submit("/admin/login/code/", "/admin/login/code/", url.Values{"code": {otherCodeThan(right, i)}})
		}, func(r authtest.Response) bool {
			return r.Status == 200 && strings.Contains(r.Raw, "That code is not valid")
		})

		// A live login challenge whose right code is known, for later.
		live := apiLogin().Str("challenge")
		liveCode := codeFrom(t, e, email)

		// 19 at the recovery-code renewal: 99 in a row. Not locked yet.
		ch = e.Post("/api/2fa/recovery-codes/", nil, bearer...).Str("challenge")
		right = codeFrom(t, e, email)
		wrongCodes(t, 19, "recovery-code renewal", func(i int) authtest.Response {
			return e.Post("/api/2fa/recovery-codes/", map[string]string{"challenge": ch, "code": otherCodeThan(right, i)}, bearer...)
		}, codeInvalid)
		if n := countEvents(t, e, u.ID, "second_factor_locked"); n != 0 {
			t.Fatalf("locked after 99 failures")
		}
		// The 100th: checked, wrong, and now the account's codes are locked.
		wantBody := func(what string, r authtest.Response, status int, body string) {
			t.Helper()
			if r.Status != status || r.Raw != body {
				t.Fatalf("%s: %d %s, want %d %s", what, r.Status, r.Raw, status, body)
			}
		}
		if r := finish(live, otherCodeThan(liveCode, 0)); !codeInvalid(r) {
			t.Fatalf("the 100th wrong code: %d %s", r.Status, r.Raw)
		}
		wantBody("the right code after 100 failures", finish(live, liveCode), 403, lockedBody)
		wantBody("the renewal's right code", e.Post("/api/2fa/recovery-codes/",
			map[string]string{"challenge": ch, "code": right}, bearer...), 403, lockedBody)
		wantBody("a new login", apiLogin(), 403, lockedBody)
		if r := newPanelAgent(t, e, uniqueIP()).submit("/admin/login/", "/admin/login/",
			url.Values{"email": {email}, "password": {pw}}); r.Status != 403 || !strings.Contains(r.Raw, "Too many wrong codes") {
			t.Fatalf("admin login while locked: %d", r.Status)
		}
		m := nextMailTo(t, e, email, subjectLocked)
		if !strings.Contains(m.Text, "100") || !strings.Contains(m.Text, "reset your password") {
			t.Errorf("the lock notice does not say what happened and what to do:\n%s", m.Text)
		}
		if n := countEvents(t, e, u.ID, "second_factor_locked"); n != 1 {
			t.Fatalf("%d second_factor_locked events, want 1", n)
		}

		// The admin panel shows it and unlocks it.
		admin := newPanelAgent(t, e, uniqueIP())
		if r := admin.submit("/admin/login/", "/admin/login/", url.Values{"email": {root.Email}, "password": {pw}}); r.Status != 303 {
			t.Fatalf("root login: %d", r.Status)
		}
		page := "/admin/users/" + u.ID + "/"
		if r := admin.get(page); !strings.Contains(r.Raw, "Codes locked") {
			t.Fatalf("the user page does not show the lock")
		}
		if r := admin.do("POST", page+"unlock-codes/", url.Values{}); r.Status != 403 {
			t.Fatalf("unlock without a CSRF token: %d", r.Status)
		}
		if r := admin.submit(page, page+"unlock-codes/", nil); r.Status != 303 {
			t.Fatalf("unlock: %d %s", r.Status, r.Raw)
		}
		if r := admin.get(page); strings.Contains(r.Raw, "Codes locked") {
			t.Fatalf("still shown locked after the unlock")
		}
		evs, err := e.App.DB.ListEvents(ctx, auth.EventQuery{UserID: u.ID, Kind: "second_factor_unlocked", Limit: 10})
		if err != nil || len(evs) != 1 || evs[0].ActorID != root.ID {
			t.Fatalf("unlock not audited with its admin: %v %v", evs, err)
		}
		if r := finish(live, liveCode); r.Status != 200 || r.Str("access") == "" {
			t.Fatalf("the right code after the unlock: %d %s", r.Status, r.Raw)
		}
	})
}

// TestSecondFactorCeilingResetAndSuccess: the ceiling counts consecutive failures (a right code
// starts the count again), follows AUTHGATE_TWO_FACTOR_MAX_FAILURES, and a password reset
// unlocks.
func TestSecondFactorCeilingResetAndSuccess(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{
			"AUTHGATE_TWO_FACTOR_MAX_ATTEMPTS": "20", "AUTHGATE_TWO_FACTOR_MAX_FAILURES": "10"}))
		email := uniqueEmail("ceiling")
		withTwoFactor(t, e, email)
		login := func() (string, string) {
			ch := e.Post("/api/token/", map[string]string{"email": email, "password": pw}).Str("challenge")
			return ch, codeFrom(t, e, email)
		}
		finish := func(ch, code string) authtest.Response {
			return e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "code": code})
		}
		ch, code := login()
		wrongCodes(t, 9, "login", func(i int) authtest.Response { return finish(ch, otherCodeThan(code, i)) }, codeInvalid)
		if r := finish(ch, code); r.Status != 200 {
			t.Fatalf("the right code after 9 failures: %d %s", r.Status, r.Raw)
		}
		ch, code = login()
		wrongCodes(t, 10, "login", func(i int) authtest.Response { return finish(ch, otherCodeThan(code, i)) }, codeInvalid)
		if r := finish(ch, code); r.Status != 403 || r.Raw != lockedBody {
			t.Fatalf("the right code after 10 failures in a row: %d %s", r.Status, r.Raw)
		}
		nextMailTo(t, e, email, subjectLocked)

		// A password reset unlocks.
		if r := e.Post("/api/password/reset/", map[string]string{"email": email}); r.Status != 200 {
			t.Fatalf("reset: %d %s", r.Status, r.Raw)
		}
		m := tokenLineRe.FindStringSubmatch(nextMailTo(t, e, email, "Password reset on authgate").Text)
		if m == nil {
			t.Fatal("no reset token")
		}
		if r := e.Post("/api/password/reset/confirm/", map[string]string{"token": m[1], "new_password": "a brand new passphrase"}); r.Status != 200 {
			t.Fatalf("reset confirm: %d %s", r.Status, r.Raw)
		}
		nextMailTo(t, e, email, "authgate - Your password has been successfully changed!")
		ch = e.Post("/api/token/", map[string]string{"email": email, "password": "a brand new passphrase"}).Str("challenge")
		if r := finish(ch, codeFrom(t, e, email)); r.Status != 200 {
			t.Fatalf("the right code after the reset: %d %s", r.Status, r.Raw)
		}
	})
}

// otherCodeThan is a code of the same length that is not code, different for each i < 9.
func otherCodeThan(code string, i int) string {
	b := []byte(code)
	last := b[len(b)-1] - '0'
	b[len(b)-1] = '0' + byte((int(last)+1+i%9)%10)
	if i >= 9 {
		b[0] = '0' + byte((int(b[0]-'0')+1+i/9)%10)
	}
	return string(b)
}
