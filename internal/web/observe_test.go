package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

// requestLines returns the access log lines (msg "request") of the harness's JSON log.
func requestLines(t *testing.T, e *authtest.Env) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

func lineFor(t *testing.T, e *authtest.Env, requestID string) map[string]any {
	t.Helper()
	for _, m := range requestLines(t, e) {
		if m["request_id"] == requestID {
			return m
		}
	}
	t.Fatalf("no access log line with request_id %q in\n%s", requestID, e.Logs.String())
	return nil
}

// TestRequestLog: one line per request with its id (the one in X-Request-Id), route, method,
// status, duration and user; a caller's plain request id is kept, anything else replaced.
func TestRequestLog(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw)

	r := e.Do("GET", "/api/me/", nil, append(authtest.Bearer(access), "X-Request-Id", "trace-42.a_b")...)
	if r.Status != 200 || r.Header.Get("X-Request-Id") != "trace-42.a_b" {
		t.Fatalf("me: %d, X-Request-Id %q", r.Status, r.Header.Get("X-Request-Id"))
	}
	m := lineFor(t, e, "trace-42.a_b")
	if m["route"] != "/api/me/" || m["method"] != "GET" || m["status"] != float64(200) || m["user_id"] != u.ID ||
		m["level"] != "INFO" || m["client_ip"] != "127.0.0.1" {
		t.Errorf("access log line %v", m)
	}
	if d, ok := m["duration_us"].(float64); !ok || d < 0 || d != float64(int64(d)) {
		t.Errorf("duration_us %v", m["duration_us"])
	}

	generated := regexp.MustCompile(`^[0-9a-f]{24}$`)
	for _, bad := range []string{"has space", strings.Repeat("x", 65), "ünïcode", "a\"b"} {
		r := e.Do("GET", "/api/me/", nil, "X-Request-Id", bad)
		id := r.Header.Get("X-Request-Id")
		if !generated.MatchString(id) {
			t.Errorf("X-Request-Id %q kept as %q", bad, id)
			continue
		}
		m := lineFor(t, e, id)
		if m["status"] != float64(401) || m["user_id"] != "" || m["route"] != "/api/me/" {
			t.Errorf("refused request's line %v", m)
		}
	}
	r = e.Do("GET", "/no/such/path", nil)
	if m := lineFor(t, e, r.Header.Get("X-Request-Id")); m["route"] != "unknown" || m["status"] != float64(404) {
		t.Errorf("unknown path's line %v", m)
	}
	ids := map[string]bool{}
	for _, m := range requestLines(t, e) {
		id, _ := m["request_id"].(string)
		if ids[id] {
			t.Errorf("request id %s logged twice", id)
		}
		ids[id] = true
	}
	if len(ids) < 7 {
		t.Errorf("%d access log lines, want one per request (at least 7)", len(ids))
	}
}
