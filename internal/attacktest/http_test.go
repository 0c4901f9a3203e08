package attacktest

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/web"
)

// TestHeaderTooLarge431 (ASVS 13.1.5 / RFC 6585 §5): a request whose header block is larger than
// the server accepts is refused with 431 before any handler runs.
func TestHeaderTooLarge431(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	req, _ := http.NewRequest("GET", e.URL+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 2<<20))
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("2 MiB header: %d", resp.StatusCode)
	}
	if r := e.Do("GET", "/healthz", nil, "X-Padding", strings.Repeat("a", 4<<10)); r.Status != 200 {
		t.Fatalf("4 KiB header: %d %s", r.Status, r.Raw)
	}
}

// TestBodyTooLarge413 (CONTRACT "oversized body"): every endpoint that reads a body refuses one
// past 1 MiB with 413, whatever its type, before parsing it.
func TestBodyTooLarge413(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw)
	big := `{"email":"` + strings.Repeat("a", 1<<20) + `"}`
	form := "email=" + strings.Repeat("a", 1<<20)
	for _, rt := range routes(t) {
		if rt.method != "POST" || strings.HasPrefix(rt.path, "/admin/") {
			continue // the admin panel has its own forms and tests
		}
		for ct, body := range map[string]string{"application/json": big, "application/x-www-form-urlencoded": form} {
			r := e.Do("POST", rt.path, body, "Content-Type", ct, "Authorization", "Bearer "+access)
			if r.Status != 413 || r.Raw != `{"detail":"Request body is too large."}` {
				t.Errorf("POST %s, %s, 1 MiB + a few bytes: %d %.200s", rt.path, ct, r.Status, r.Raw)
			}
		}
	}
	// Exactly at the limit is parsed (and here refused on its fields, not its size).
	exact := `{"email":"` + strings.Repeat("a", 1<<20-len(`{"email":""}`)) + `"}`
	if r := e.Post("/api/token/", exact); r.Status != 400 || !strings.Contains(r.Raw, `"password":["This field is required."]`) {
		t.Errorf("1 MiB body: %d %.200s", r.Status, r.Raw)
	}
}

// TestJSONNestingLimit (ASVS 13.1.x, CWE-674): JSON nested deeper than 32 levels is refused as a
// parse error without being decoded, however deep it goes.
func TestJSONNestingLimit(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	nest := func(n int, open, close string) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	for name, body := range map[string]string{
		"33 objects":  `{"email":` + nest(32, `{"a":`, `}`) + `}`,
		"33 arrays":   nest(33, "[", "]"),
		"1e5 arrays":  nest(100000, "[", "]"),
		"unbalanced":  strings.Repeat("[", 500000),
		"mixed depth": `{"a":` + nest(40, `[{"b":`, `}]`) + `}`,
	} {
		r := e.Post("/api/token/", body)
		if r.Status != 400 || r.Str("detail") != "JSON parse error - nesting deeper than 32 levels" {
			t.Errorf("%s: %d %.200s", name, r.Status, r.Raw)
		}
	}
	// Brackets inside strings are text, not nesting.
	r := e.Post("/api/token/", `{"email":"`+strings.Repeat("[{", 1000)+`","password":"x"}`)
	if r.Status != 401 {
		t.Errorf("brackets in a string: %d %.200s", r.Status, r.Raw)
	}
	// 32 levels is within the limit.
	if r := e.Post("/api/token/", `{"email":`+nest(31, `{"a":`, `}`)+`}`); r.Status != 400 || r.Str("detail") != "" {
		t.Errorf("32 levels: %d %.200s", r.Status, r.Raw)
	}
}

// TestSecurityHeaders (ASVS 14.4.3–14.4.5): every answer, success or error, on every route,
// carries X-Content-Type-Options: nosniff, a Referrer-Policy and X-Frame-Options, and a JSON
// Content-Type where it has a JSON body.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw)
	check := func(what string, r authtest.Response) {
		t.Helper()
		h := r.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s (%d): security headers missing: %v", what, r.Status, h)
		}
		if r.JSON != nil && !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Errorf("%s: JSON body as %q", what, h.Get("Content-Type"))
		}
	}
	for _, rt := range routes(t) {
		check(rt.method+" "+rt.path, e.Do(rt.method, rt.path, nil))
		check(rt.method+" "+rt.path+" with a token", e.Do(rt.method, rt.path, nil, authtest.Bearer(access)...))
		check("PUT "+rt.path, e.Do("PUT", rt.path, nil))
	}
	check("unknown path", e.Do("GET", "/nope", nil))
	check("admin", e.Do("GET", "/admin/", nil))
}

// TestTokenResponsesNoStore (RFC 6749 §5.1, ASVS 8.2.1): every answer that carries a token is
// marked Cache-Control: no-store.
func TestTokenResponsesNoStore(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("a@example.com", pw)
	creds := map[string]string{"email": "a@example.com", "password": pw}
	login := e.Post("/api/token/", creds)
	refresh := e.Post("/api/token/refresh/", map[string]string{"refresh": login.Str("refresh")})
	sliding := e.Post("/api/token/sliding/", creds)
	slidingRefresh := e.Post("/api/token/sliding/refresh/", map[string]string{"token": sliding.Str("token")})
	change := e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "a brand new passphrase"},
		authtest.Bearer(refresh.Str("access"))...)
	for name, r := range map[string]authtest.Response{"login": login, "refresh": refresh, "sliding": sliding,
		"sliding refresh": slidingRefresh, "password change": change} {
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d Cache-Control %q %s", name, r.Status, r.Header.Get("Cache-Control"), r.Raw)
		}
	}
}

// TestPanicRecovered (ASVS 7.4.1): a panic in a handler becomes a 500 with DRF's generic body and
// the request id, and the log line carries the same id and the cause; the client learns nothing
// of it.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	var logs bytes.Buffer
	h := web.NewHandler(web.Deps{
		Service: e.App.Service, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Admin: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret internal state 42") }),
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/", nil))
	id := rec.Header().Get("X-Request-Id")
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 500 || string(body) != `{"detail":"A server error occurred."}` || id == "" {
		t.Fatalf("panic: %d %s (request id %q)", rec.Code, body, id)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("500 without security headers: %v", rec.Header())
	}
	if !strings.Contains(logs.String(), `"msg":"panic serving request"`) || !strings.Contains(logs.String(), `"request_id":"`+id+`"`) ||
		!strings.Contains(logs.String(), "secret internal state 42") {
		t.Fatalf("panic not logged with its request id: %s", logs.String())
	}
	// The server goes on serving.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("after a panic: %d", rec.Code)
	}
}
