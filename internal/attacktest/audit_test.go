package attacktest

import (
	"bufio"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// auditEnv is a server whose login throttle is low enough to trip and whose client addresses
// come from X-Forwarded-For, with reset mails that carry a link.
func auditEnv(t *testing.T) *authtest.Env {
	return authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_THROTTLE_LOGIN": "3/min", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128",
		"AUTHGATE_PASSWORD_RESET_URL": "https://app.example/reset?token={token}"}))
}

// mailText waits for the next mail to the address and returns its text.
func mailText(t *testing.T, e *authtest.Env, to string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := e.Mail.WaitFor(ctx, to)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	return m.Text
}

var resetTokenRe = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// securityScenario walks a user and an admin through every audited event — logins good, bad and
// throttled, refresh, reuse of a rotated token, logout, logout everywhere, two-factor on, in use
// and off, a password change and a reset, admin actions — and returns every secret that passed
// over the wire: passwords, tokens, codes, challenges, recovery codes, the reset token, the key.
func securityScenario(t *testing.T, e *authtest.Env) []string {
	t.Helper()
	ctx := context.Background()
	const (
		email    = "scenario@example.com"
		p1       = "Tr0ub4dor&3-first-secret"
		p2       = "correct-horse-second-secret"
		p3       = "battery-staple-third-secret"
		guess    = "zebra-wrong-guess-secret"
		adminPW  = "admin-panel-secret-passphrase"
		adminEml = "admin@example.com"
	)
	secrets := []string{p1, p2, p3, guess, adminPW, authtest.Key}
	u := e.CreateUser(email, p1)
	admin := e.CreateUser(adminEml, adminPW, func(n *auth.NewUser) { n.IsStaff = true })
	from := func() []string { return []string{"X-Forwarded-For", uniqueIP()} }
	must := func(what string, r authtest.Response, status int) authtest.Response {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s: %d %s", what, r.Status, r.Raw)
		}
		for _, k := range []string{"refresh", "access", "token", "challenge"} {
			if v := r.Str(k); v != "" {
				secrets = append(secrets, v)
			}
		}
		return r
	}
	login := func(pw string, status int) authtest.Response {
		t.Helper()
		return must("login", e.Post("/api/token/", map[string]string{"email": email, "password": pw}, from()...), status)
	}

	// Guessing from one address: failures, then throttled.
	attacker := []string{"X-Forwarded-For", uniqueIP()}
	for range 3 {
		must("guess", e.Post("/api/token/", map[string]string{"email": email, "password": guess}, attacker...), 401)
	}
	must("throttled guess", e.Post("/api/token/", map[string]string{"email": email, "password": guess}, attacker...), 429)

	// Refresh, then a replay of the rotated token.
	l := login(p1, 200)
	must("refresh", e.Post("/api/token/refresh/", map[string]string{"refresh": l.Str("refresh")}), 200)
	must("replay", e.Post("/api/token/refresh/", map[string]string{"refresh": l.Str("refresh")}), 401)

	// Logout of one token.
	l = login(p1, 200)
	must("logout", e.Post("/logout_token/", map[string]string{"refresh_token": l.Str("refresh")}, authtest.Bearer(l.Str("access"))...), 200)

	// Two-factor on: a wrong code, then the right one.
	l = login(p1, 200)
	bearer := authtest.Bearer(l.Str("access"))
	ch := must("2fa enable", e.Post("/api/2fa/enable/", map[string]string{}, bearer...), 200).Str("challenge")
	code := e.WaitCode(email)
	secrets = append(secrets, code)
	must("2fa confirm, wrong code", e.Post("/api/2fa/confirm/", map[string]string{"challenge": ch, "code": "000000"}, bearer...), 401)
	conf := must("2fa confirm", e.Post("/api/2fa/confirm/", map[string]string{"challenge": ch, "code": code}, bearer...), 200)
	for _, rc := range conf.JSON["recovery_codes"].([]any) {
		secrets = append(secrets, rc.(string))
	}
	mailText(t, e, email) // the "two-factor turned on" notice

	// A two-factor login.
	ch = login(p1, 200).Str("challenge")
	code = e.WaitCode(email)
	secrets = append(secrets, code)
	l = must("2fa login", e.Post("/api/token/2fa/", map[string]string{"challenge": ch, "code": code}), 200)

	// Password change, two-factor off, logout everywhere.
	l = must("password change", e.Post("/api/password/change/", map[string]string{"old_password": p1, "new_password": p2},
		authtest.Bearer(l.Str("access"))...), 200)
	mailText(t, e, email) // the "password changed" notice
	bearer = authtest.Bearer(l.Str("access"))
	must("2fa disable", e.Post("/api/2fa/disable/", map[string]string{"password": p2}, bearer...), 200)
	mailText(t, e, email) // the "two-factor turned off" notice
	must("logout all", e.Post("/logout_token/", map[string]string{"all": "1"}, bearer...), 200)

	// A password reset by e-mailed link.
	must("reset", e.Post("/api/password/reset/", map[string]string{"email": email}, from()...), 200)
	m := resetTokenRe.FindStringSubmatch(mailText(t, e, email))
	if m == nil {
		t.Fatal("no reset link in the mail")
	}
	secrets = append(secrets, m[1])
	must("reset confirm", e.Post("/api/password/reset/confirm/", map[string]string{"token": m[1], "new_password": p3}), 200)
	l = login(p3, 200)

	// Admin actions: panel login, blacklisting a token, deactivating the user.
	if _, _, err := e.App.Service.StaffLogin(ctx, adminEml, adminPW, auth.Client{IP: "192.0.2.1"}); err != nil {
		t.Fatalf("staff login: %v", err)
	}
	if err := e.App.Service.AdminBlacklist(ctx, payloadOf(t, l.Str("refresh"))["jti"].(string), admin.ID, auth.Client{IP: "192.0.2.1"}); err != nil {
		t.Fatalf("admin blacklist: %v", err)
	}
	cur, err := e.App.Service.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.IsActive = false
	if err := e.App.Service.UpdateUser(ctx, cur, admin.ID, auth.Client{IP: "192.0.2.1"}); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	return secrets
}

// auditLines returns the "audit" log lines, decoded.
func auditLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, sc.Text())
		}
		if m["msg"] == "audit" {
			out = append(out, m)
		}
	}
	return out
}

// TestAuditSecurityEvents (ASVS 7.1.3, 7.2.1/7.2.2): every security event of the scenario is
// recorded in the audit log and written as a structured "audit" log line with its kind, user,
// acting admin and client address.
func TestAuditSecurityEvents(t *testing.T) {
	t.Parallel()
	e := auditEnv(t)
	securityScenario(t, e)
	seen := map[string]map[string]any{}
	for _, l := range auditLines(t, e.Logs.String()) {
		seen[l["kind"].(string)] = l
	}
	counts, err := e.App.DB.CountEvents(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"login_ok", "login_failed", "login_throttled", "reuse_detected", "logout", "logout_all",
		"two_factor_sent", "two_factor_failed", "two_factor_enabled", "two_factor_disabled", "recovery_codes_generated",
		"password_changed", "password_reset_requested", "admin_login", "token_blacklisted", "user_updated", "user_created"} {
		if seen[kind] == nil {
			t.Errorf("no %q audit log line", kind)
		}
		if counts[kind] == 0 {
			t.Errorf("no %q event in the audit log table", kind)
		}
	}
	if l := seen["login_throttled"]; l != nil && (l["client_ip"] == "" || l["detail"] != "per client address") {
		t.Errorf("throttled login line lacks its address or scope: %v", l)
	}
	if l := seen["user_updated"]; l != nil && (l["actor_id"] == "" || !strings.Contains(l["detail"].(string), "active=false")) {
		t.Errorf("admin deactivation line lacks its actor or change: %v", l)
	}
}

// TestNoSecretsInLogs (ASVS 7.1.1/7.1.2, STYLE 12): after the whole scenario, at debug level,
// no password, token (nor its signature), code, challenge, recovery code, reset token or key
// appears anywhere in the logs.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	e := auditEnv(t)
	secrets := securityScenario(t, e)
	logs := e.Logs.String()
	if len(secrets) < 25 || len(logs) < 1000 {
		t.Fatalf("scenario too thin: %d secrets, %d bytes of logs", len(secrets), len(logs))
	}
	for _, s := range secrets {
		needles := []string{s}
		if strings.Count(s, ".") == 2 {
			needles = append(needles, s[strings.LastIndexByte(s, '.')+1:]) // the signature alone
		}
		for _, n := range needles {
			if len(n) >= 6 && strings.Contains(logs, n) {
				t.Errorf("secret %.12q… found in the logs", n)
			}
		}
	}
}
