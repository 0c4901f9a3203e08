package web_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// metric returns the value of one sample line of GET /metrics ("name{labels}"), or -1.
func metric(t *testing.T, e *authtest.Env, sample string) float64 {
	t.Helper()
	r := e.Do("GET", "/metrics", nil)
	if r.Status != 200 {
		t.Fatalf("metrics: %d", r.Status)
	}
	for _, line := range strings.Split(r.Raw, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// TestMetricsOperations drives every kind of event operations watch and reads each one back
// from /metrics (docs/operations.md lists them).
func TestMetricsOperations(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_LOGIN": "4/min"}))
	ctx := context.Background()
	e.CreateUser("a@example.com", pw)
	two := e.CreateUser("two@example.com", pw)
	if err := e.App.Service.SetTwoFactor(ctx, two, true, "", auth.Client{IP: "admin"}); err != nil {
		t.Fatal(err)
	}
	refresh, access := e.Login("a@example.com", pw)
	e.Do("GET", "/api/me/", nil, authtest.Bearer(access)...) // before reuse detection ends the session
	e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": "wrong"})
	rot := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
	if rot.Status != 200 {
		t.Fatalf("refresh: %d %s", rot.Status, rot.Raw)
	}
	e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}) // reuse: the family is revoked
	ch := e.Post("/api/token/", map[string]string{"email": "two@example.com", "password": pw})
	e.Post("/api/token/2fa/", map[string]string{"challenge": ch.Str("challenge"), "code": "000000x"})
	for range 3 { // the 4/min login rate runs out
		e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw})
	}

	for _, c := range []struct {
		sample string
		min    float64
	}{
		{`authgate_http_requests_total{method="POST",route="/api/token/",status="200"}`, 2},
		{`authgate_http_requests_total{method="POST",route="/api/token/",status="429"}`, 1},
		{`authgate_http_requests_total{method="GET",route="/api/me/",status="200"}`, 1},
		{`authgate_http_request_duration_seconds_count{route="/api/me/"}`, 1},
		{`authgate_http_request_duration_seconds_bucket{route="/api/me/",le="+Inf"}`, 1},
		{`authgate_logins_total{result="ok"}`, 1},
		{`authgate_logins_total{result="failed"}`, 1},
		{`authgate_logins_total{result="challenge"}`, 1},
		{`authgate_logins_total{result="throttled"}`, 1},
		{`authgate_refreshes_total{result="ok"}`, 1},
		{`authgate_refreshes_total{result="blacklisted"}`, 1},
		{`authgate_audit_events_total{kind="reuse_detected"}`, 1},
		{`authgate_audit_events_total{kind="two_factor_sent"}`, 1},
		{`authgate_audit_events_total{kind="two_factor_failed"}`, 1},
		{`authgate_two_factor_codes_total{result="invalid"}`, 1},
		{`authgate_mail_total{result="sent",template="two_factor_code"}`, 1},
		{`authgate_throttled_total{kind="login"}`, 1},
		{`authgate_db_max_open_connections`, 1},
		{`authgate_db_open_connections`, 1},
		{`authgate_password_hashes_in_flight`, 0},
		{`authgate_db_rotation_batches_total`, 1},
		{`authgate_db_batched_rotations_total`, 1},
		{`authgate_db_checkpoints_total`, 0},
		{`authgate_db_wal_rewinds_total`, 0},
		{`authgate_password_hashes_queued`, 0},
		{`go_goroutines`, 1},
		{`process_resident_memory_bytes`, 1},
	} {
		if v := metric(t, e, c.sample); v < c.min {
			t.Errorf("%s = %v, want at least %v", c.sample, v, c.min)
		}
	}
	if r := e.Do("GET", "/metrics", nil); !regexp.MustCompile(`authgate_build_info\{goversion="go[^"]+",version="[^"]+"\} 1`).MatchString(r.Raw) {
		t.Error("no authgate_build_info")
	}
	// A throttled login is counted once, as throttled only.
	if ok, th := metric(t, e, `authgate_logins_total{result="ok"}`), metric(t, e, `authgate_logins_total{result="throttled"}`); ok+th != 1+3 {
		t.Errorf("logins ok %v + throttled %v, want 4 (one ok before the limit and three refused)", ok, th)
	}
}

// TestMetricsMailFailure: an e-mail the server cannot hand over is counted as failed.
func TestMetricsMailFailure(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_EMAIL_URL": "smtp://127.0.0.1:1"}))
	u := e.CreateUser("two@example.com", pw)
	if err := e.App.Service.SetTwoFactor(context.Background(), u, true, "", auth.Client{IP: "admin"}); err != nil {
		t.Fatal(err)
	}
	if r := e.Post("/api/token/", map[string]string{"email": "two@example.com", "password": pw}); r.Status != 503 {
		t.Fatalf("login with the mail server down: %d %s", r.Status, r.Raw)
	}
	if v := metric(t, e, `authgate_mail_total{result="failed",template="two_factor_code"}`); v != 1 {
		t.Errorf("failed mails = %v, want 1", v)
	}
	if v := metric(t, e, `authgate_audit_events_total{kind="two_factor_send_failed"}`); v != 1 {
		t.Errorf("two_factor_send_failed events = %v, want 1", v)
	}
}
