package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read rows straight from PostgreSQL
	_ "modernc.org/sqlite"             // the "sqlite" driver, to read rows straight from SQLite

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// Subjects of authgate's mails, from internal/mail/templates.
const (
	subjectCode      = "Your authgate verification code"
	subjectReset     = "Password reset on authgate"
	subjectPwChanged = "authgate - Your password has been successfully changed!"
	subject2FAOn     = "Two-factor authentication is on for your authgate account"
	subject2FAOff    = "Two-factor authentication is off for your authgate account"
	subjectRecovery  = "New recovery codes for your authgate account"
)

// The fixed answers of the two-factor endpoints (CONTRACT "Two-factor login by e-mailed code").
const (
	codeSent         = "A verification code was sent to your e-mail."
	bodyChallengeBad = `{"detail":"The verification challenge is invalid or was already used.","code":"challenge_invalid"}`
	bodyCodeInvalid  = `{"detail":"The verification code is invalid.","code":"code_invalid"}`
	bodyCodeExpired  = `{"detail":"The verification code has expired.","code":"code_expired"}`
	bodyTooMany      = `{"detail":"Too many attempts. Log in again to get a new code.","code":"too_many_attempts"}`
	bodyMailFailed   = `{"detail":"The e-mail could not be sent. Try again later."}`
	bodyResetSent    = `{"detail":"If an active account uses that address, a password reset e-mail has been sent."}`
	bodyResetDone    = `{"detail":"Password has been reset with the new password."}`
	bodyResetBad     = `{"token":["Invalid or expired token."]}`
	goUserAgent      = "Go-http-client/1.1"
)

var (
	// The code and the reset token each stand alone on an indented line of the text part.
	codeLine     = regexp.MustCompile(`(?m)^\s+(\d+)$`)
	tokenLine    = regexp.MustCompile(`(?m)^\s+([A-Za-z0-9_-]{43})$`)
	recoveryForm = regexp.MustCompile(`^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$`)
)

// nextMail returns the next message to the address and fails unless its subject is subject:
// each test knows the mails it causes, in order.
func nextMail(t *testing.T, e *authtest.Env, to, subject string) mailtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := e.Mail.WaitFor(ctx, to)
	if err != nil {
		t.Fatalf("no mail to %s (%q expected): %v", to, subject, err)
	}
	if m.Subject != subject {
		t.Fatalf("mail to %s: subject %q, want %q\n%s", to, m.Subject, subject, m.Text)
	}
	return m
}

// mailedCode reads the verification code from the next mail to the address.
func mailedCode(t *testing.T, e *authtest.Env, to string) string {
	t.Helper()
	m := nextMail(t, e, to, subjectCode)
	c := codeLine.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	if !strings.Contains(m.HTML, c[1]) {
		t.Errorf("the HTML part lacks the code %s", c[1])
	}
	return c[1]
}

// mailedResetToken reads the reset token from the next mail to the address.
func mailedResetToken(t *testing.T, e *authtest.Env, to string) string {
	t.Helper()
	m := nextMail(t, e, to, subjectReset)
	c := tokenLine.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no reset token in %q", m.Text)
	}
	return c[1]
}

// otherCode is a code of the same length that is not code.
func otherCode(code string, i int) string {
	b := []byte(code)
	last := b[len(b)-1] - '0'
	b[len(b)-1] = '0' + byte((int(last)+1+i%9)%10)
	return string(b)
}

// loginChallenge logs in a user with two-factor on and returns the challenge, checking the
// answer is the contract's and carries no token.
func loginChallenge(t *testing.T, e *authtest.Env, email, password string) string {
	t.Helper()
	r := e.Post("/api/token/", map[string]string{"email": email, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Raw)
	}
	keys := make([]string, 0, len(r.JSON))
	for k := range r.JSON {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"challenge", "detail", "two_factor_required"}) ||
		r.JSON["two_factor_required"] != true || r.Str("detail") != codeSent || len(r.Str("challenge")) < 40 {
		t.Fatalf("login %s: want a challenge and no token: %s", email, r.Raw)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("challenge answer is cacheable: %q", r.Header.Get("Cache-Control"))
	}
	return r.Str("challenge")
}

// finish posts a code for a login challenge.
func finish(e *authtest.Env, challenge, code string) authtest.Response {
	e.T.Helper()
	return e.Post("/api/token/2fa/", map[string]string{"challenge": challenge, "code": code})
}

// wantBody fails unless the answer is exactly status and body; a 401 must carry the
// WWW-Authenticate header the contract asks for.
func wantBody(t *testing.T, what string, r authtest.Response, status int, body string) {
	t.Helper()
	if r.Status != status || r.Raw != body {
		t.Fatalf("%s: %d %s\nwant %d %s", what, r.Status, r.Raw, status, body)
	}
	if status == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
		t.Errorf("%s: WWW-Authenticate = %q", what, r.Header.Get("WWW-Authenticate"))
	}
}

// wantTokens fails unless the answer is a fresh pair that opens /api/me/ for the user.
func wantTokens(t *testing.T, e *authtest.Env, what string, r authtest.Response, userID string) (refresh, access string) {
	t.Helper()
	if r.Status != http.StatusOK || r.Str("refresh") == "" || r.Str("access") == "" || len(r.JSON) != 2 {
		t.Fatalf("%s: want tokens: %d %s", what, r.Status, r.Raw)
	}
	me := e.Do(http.MethodGet, "/api/me/", nil, authtest.Bearer(r.Str("access"))...)
	if me.Status != http.StatusOK || me.Str("id") != userID {
		t.Fatalf("%s: the access token does not open /api/me/: %d %s", what, me.Status, me.Raw)
	}
	return r.Str("refresh"), r.Str("access")
}

// enableTwoFactor turns two-factor on through the API, with the code from the mail, and returns
// the recovery codes.
func enableTwoFactor(t *testing.T, e *authtest.Env, email, access string) []string {
	t.Helper()
	r := e.Post("/api/2fa/enable/", nil, authtest.Bearer(access)...)
	if r.Status != http.StatusOK || r.Str("detail") != codeSent || r.Str("challenge") == "" || len(r.JSON) != 2 {
		t.Fatalf("enable: %d %s", r.Status, r.Raw)
	}
	code := mailedCode(t, e, email)
	r = e.Post("/api/2fa/confirm/", map[string]string{"challenge": r.Str("challenge"), "code": code}, authtest.Bearer(access)...)
	var body struct {
		Enabled       bool     `json:"enabled"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Raw), &body) != nil || !body.Enabled {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	checkRecoveryCodes(t, body.RecoveryCodes)
	nextMail(t, e, email, subject2FAOn)
	return body.RecoveryCodes
}

// checkRecoveryCodes fails unless there are ten distinct codes of the documented form.
func checkRecoveryCodes(t *testing.T, codes []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryForm.MatchString(c) || seen[c] {
			t.Fatalf("recovery code %q is malformed or repeated in %q", c, codes)
		}
		seen[c] = true
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}
}

// rawRows reads every row of a table straight from the database, each rendered as text, to
// check what storage holds.
func rawRows(t *testing.T, e *authtest.Env, table string) []string {
	t.Helper()
	driver, dsn := "pgx", e.App.Config.DatabaseURL
	if e.Backend == authtest.SQLite {
		driver, dsn = "sqlite", strings.TrimPrefix(dsn, "sqlite://")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if s, ok := v.([]byte); ok {
				v = string(s)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// events lists the audit events of a user, oldest first.
func events(t *testing.T, e *authtest.Env, userID string) []auth.AuditEvent {
	t.Helper()
	evs, err := e.App.DB.ListEvents(context.Background(), auth.EventQuery{UserID: userID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(evs)
	return evs
}

// wantEvent fails unless the user has an event of the kind whose detail contains detail, with
// the time, the client address and the user agent of the request that caused it; it returns
// how many such events there are.
func wantEvent(t *testing.T, e *authtest.Env, userID, kind, detail string) int {
	t.Helper()
	n := 0
	for _, ev := range events(t, e, userID) {
		if ev.Kind != kind || !strings.Contains(ev.Detail, detail) {
			continue
		}
		n++
		if ev.ClientIP != "127.0.0.1" || ev.UserAgent != goUserAgent || ev.At.IsZero() ||
			ev.At.After(e.Clock.Now().Add(time.Second)) || ev.At.Before(e.Clock.Now().Add(-time.Hour)) {
			t.Errorf("audit %s %q: at %v from %q %q", kind, ev.Detail, ev.At, ev.ClientIP, ev.UserAgent)
		}
	}
	if n == 0 {
		var kinds []string
		for _, ev := range events(t, e, userID) {
			kinds = append(kinds, ev.Kind+"("+ev.Detail+")")
		}
		t.Errorf("no audit event %s %q among %v", kind, detail, kinds)
	}
	return n
}

// assertNoSecret fails if a secret appears in any audit event or log line.
func assertNoSecret(t *testing.T, e *authtest.Env, secrets ...string) {
	t.Helper()
	evs, err := e.App.DB.ListEvents(context.Background(), auth.EventQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	logs := e.Logs.String()
	if len(evs) == 0 || logs == "" {
		t.Fatal("nothing audited or logged: the check would be empty")
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret")
		}
		for _, ev := range evs {
			if strings.Contains(fmt.Sprintf("%+v", ev), s) {
				t.Errorf("audit event %s holds the secret %q: %+v", ev.Kind, s, ev)
			}
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the secret %q", s)
		}
	}
}

// post is a request for goroutines other than the test's, which may not call t.Fatal.
func post(e *authtest.Env, path, body string) (int, string, error) {
	resp, err := e.Client.Post(e.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}
