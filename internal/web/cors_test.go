package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/web"
)

const (
	corsApp     = "https://app.example.com"
	corsPreview = "https://pr-42.preview.example.com"
)

// corsCall is one request a browser frontend makes.
type corsCall struct{ method, path string }

// corsFrontendCalls is every endpoint a frontend calls (CONTRACT), each with its method.
func corsFrontendCalls() []corsCall {
	return []corsCall{
		{"POST", "/api/token/"},
		{"POST", "/api/token/refresh/"},
		{"POST", "/api/token/2fa/"},
		{"POST", "/api/token/2fa/resend/"},
		{"GET", "/api/me/"},
		{"POST", "/logout_token/"},
		{"POST", "/api/token/verify/"},
		{"POST", "/api/token/blacklist/"},
		{"POST", "/api/token/sliding/"},
		{"POST", "/api/token/sliding/refresh/"},
		{"POST", "/api/password/change/"},
		{"POST", "/api/password/reset/"},
		{"POST", "/api/password/reset/confirm/"},
		{"GET", "/api/2fa/"},
		{"POST", "/api/2fa/enable/"},
		{"POST", "/api/2fa/confirm/"},
		{"POST", "/api/2fa/disable/"},
		{"GET", "/api/sessions/"},
		{"POST", "/api/sessions/logout-others/"},
		{"DELETE", "/api/sessions/0123456789abcdef0123456789abcdef/"},
		{"POST", "/logout_token"}, // without the trailing slash (CONTRACT)
		{"POST", "/api/token/refresh"},
		// Djoser's accounts API.
		{"POST", "/auth/users/"},
		{"GET", "/auth/users/me/"},
		{"PUT", "/auth/users/me/"},
		{"PATCH", "/auth/users/me/"},
		{"DELETE", "/auth/users/me/"},
		{"PATCH", "/auth/users/0f4d5c3e-8a1b-4c2d-9e7f-112233445566/"},
		{"POST", "/auth/users/activation/"},
		{"POST", "/auth/users/set_password/"},
		{"POST", "/auth/jwt/create/"},
	}
}

func corsStart(t *testing.T, origins string) *authtest.Env {
	t.Helper()
	return authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_CORS_ALLOWED_ORIGINS": origins}))
}

// preflight sends what a browser sends before a credentialed JSON call with a bearer token.
func preflight(t *testing.T, base, origin string, c corsCall) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodOptions, base+c.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", c.method)
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// corsHeaders are the Access-Control-* headers of an answer.
func corsHeaders(h http.Header) []string {
	var out []string
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// listHas reports whether a comma-separated header (over all its lines) has the token.
func listHas(h http.Header, name, token string) bool {
	for _, line := range h.Values(name) {
		for _, v := range strings.Split(line, ",") {
			if strings.EqualFold(strings.TrimSpace(v), token) {
				return true
			}
		}
	}
	return false
}

// TestCORSPreflight: a listed origin (exact or by pattern) gets a full preflight answer on every
// frontend endpoint; any other origin gets a 403 without a single CORS header.
func TestCORSPreflight(t *testing.T) {
	e := corsStart(t, corsApp+", https://*.preview.example.com")
	for _, c := range corsFrontendCalls() {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			for _, origin := range []string{corsApp, corsPreview} {
				r := preflight(t, e.URL, origin, c)
				if r.StatusCode != http.StatusNoContent {
					t.Fatalf("%s: status %d", origin, r.StatusCode)
				}
				h := r.Header
				if got := h.Get("Access-Control-Allow-Origin"); got != origin {
					t.Errorf("%s: Allow-Origin %q", origin, got)
				}
				if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
					t.Errorf("%s: Allow-Credentials %q", origin, got)
				}
				if !listHas(h, "Access-Control-Allow-Methods", c.method) {
					t.Errorf("%s: Allow-Methods %q lacks %s", origin, h.Get("Access-Control-Allow-Methods"), c.method)
				}
				for _, hd := range []string{"Authorization", "Content-Type", "X-Requested-With"} {
					if !listHas(h, "Access-Control-Allow-Headers", hd) {
						t.Errorf("%s: Allow-Headers %q lacks %s", origin, h.Get("Access-Control-Allow-Headers"), hd)
					}
				}
				if got := h.Get("Access-Control-Max-Age"); got != "600" {
					t.Errorf("%s: Max-Age %q, want 600", origin, got)
				}
				for _, v := range []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"} {
					if !listHas(h, "Vary", v) {
						t.Errorf("%s: Vary %q lacks %s", origin, h.Values("Vary"), v)
					}
				}
				if b, _ := io.ReadAll(r.Body); len(b) != 0 {
					t.Errorf("%s: preflight body %q", origin, b)
				}
			}
			for _, origin := range []string{
				"https://evil.example.com",
				"https://app.example.com.evil.net",
				"http://app.example.com",       // another scheme is another origin
				"https://app.example.com:8443", // and so is another port
				"https://preview.example.com",  // the pattern needs a label
				"https://a.b.preview.example.com",
				"https://x_y.preview.example.com",
				"http://pr-42.preview.example.com",
				"null",
			} {
				r := preflight(t, e.URL, origin, c)
				if r.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", origin, r.StatusCode)
				}
				if got := corsHeaders(r.Header); len(got) != 0 {
					t.Errorf("%s: CORS headers %v on a refused preflight", origin, got)
				}
				if !listHas(r.Header, "Vary", "Origin") {
					t.Errorf("%s: Vary %q", origin, r.Header.Values("Vary"))
				}
			}
		})
	}
}

// TestCORSAnswers: every answer to a listed origin, errors included, carries the headers that
// let the script read it; other origins and requests without Origin get none.
func TestCORSAnswers(t *testing.T) {
	e := corsStart(t, corsApp+",https://*.preview.example.com")
	e.CreateUser("cors@example.com", pw)
	_, access := e.Login("cors@example.com", pw)

	check := func(t *testing.T, r authtest.Response, origin string, allowed bool) {
		t.Helper()
		h := r.Header
		if !listHas(h, "Vary", "Origin") {
			t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
		}
		if !allowed {
			if got := corsHeaders(h); len(got) != 0 {
				t.Errorf("origin %q: CORS headers %v", origin, got)
			}
			return
		}
		if got := h.Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("Allow-Origin %q, want %q", got, origin)
		}
		if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("Allow-Credentials %q", got)
		}
		for _, x := range []string{"Date", "Retry-After", "WWW-Authenticate", "X-Request-Id"} {
			if !listHas(h, "Access-Control-Expose-Headers", x) {
				t.Errorf("Expose-Headers %q lacks %s", h.Get("Access-Control-Expose-Headers"), x)
			}
		}
		if h.Get("Access-Control-Allow-Methods") != "" || h.Get("Access-Control-Max-Age") != "" {
			t.Errorf("preflight headers on an actual answer: %v", corsHeaders(h))
		}
	}

	t.Run("successful calls", func(t *testing.T) {
		for _, origin := range []string{corsApp, corsPreview} {
			r := e.Post("/api/token/", map[string]string{"email": "cors@example.com", "password": pw}, "Origin", origin)
			if r.Status != http.StatusOK {
				t.Fatalf("login: %d %s", r.Status, r.Raw)
			}
			check(t, r, origin, true)
			r = e.Do("GET", "/api/me/", nil, "Origin", origin, "Authorization", "Bearer "+access)
			if r.Status != http.StatusOK {
				t.Fatalf("me: %d %s", r.Status, r.Raw)
			}
			check(t, r, origin, true)
		}
	})
	// Error answers must be readable too: a frontend shows "wrong password" or refreshes on 401.
	for _, c := range corsFrontendCalls() {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			var body any
			if c.method == "POST" {
				body = map[string]string{}
			}
			for _, origin := range []string{corsApp, corsPreview} {
				r := e.Do(c.method, c.path, body, "Origin", origin)
				if r.Status < 400 || r.Status >= 500 {
					t.Fatalf("%s: status %d, want a client error: %s", origin, r.Status, r.Raw)
				}
				check(t, r, origin, true)
			}
			for _, origin := range []string{"https://evil.example.com", "null", "https://app.example.com.evil.net"} {
				r := e.Do(c.method, c.path, body, "Origin", origin)
				if r.Status < 400 || r.Status >= 500 {
					t.Fatalf("%s: status %d (the server answers; the browser withholds it)", origin, r.Status)
				}
				check(t, r, origin, false)
			}
			check(t, e.Do(c.method, c.path, body), "", false)
		})
	}
	t.Run("throttled answer exposes Retry-After", func(t *testing.T) {
		e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
			"AUTHGATE_CORS_ALLOWED_ORIGINS": corsApp, "AUTHGATE_THROTTLE_LOGIN": "1/min"}))
		body := map[string]string{"email": "nobody@example.com", "password": "x"}
		e.Post("/api/token/", body, "Origin", corsApp)
		r := e.Post("/api/token/", body, "Origin", corsApp)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("want a 429 with Retry-After: %d %v", r.Status, r.Header)
		}
		check(t, r, corsApp, true)
	})
	t.Run("admin panel is same-origin only", func(t *testing.T) {
		r := e.Do("GET", "/admin/login/", nil, "Origin", corsApp)
		if got := corsHeaders(r.Header); len(got) != 0 {
			t.Errorf("admin answer has CORS headers %v", got)
		}
		p := preflight(t, e.URL, corsApp, corsCall{"POST", "/admin/login/"})
		if p.StatusCode == http.StatusNoContent || len(corsHeaders(p.Header)) != 0 {
			t.Errorf("admin preflight answered: %d %v", p.StatusCode, corsHeaders(p.Header))
		}
	})
}

// TestCORSAnyOrigin: "*" lets any origin read answers, never with credentials; origins listed
// beside it keep theirs.
func TestCORSAnyOrigin(t *testing.T) {
	e := corsStart(t, "*,"+corsApp)
	for _, c := range []corsCall{{"POST", "/api/token/"}, {"GET", "/api/me/"}, {"POST", "/api/token/refresh/"}} {
		r := preflight(t, e.URL, "https://anyone.example.net", c)
		if r.StatusCode != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d %q", c.path, r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
		}
		if got := r.Header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("%s: credentials %q with *", c.path, got)
		}
		if !listHas(r.Header, "Access-Control-Allow-Headers", "Authorization") {
			t.Errorf("%s: Authorization must be named: * does not cover it", c.path)
		}
		r = preflight(t, e.URL, corsApp, c)
		if r.Header.Get("Access-Control-Allow-Origin") != corsApp || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s: listed origin: %v", c.path, r.Header)
		}
	}
	r := e.Post("/api/token/verify/", map[string]string{}, "Origin", "https://anyone.example.net")
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("answer to any origin: %v", r.Header)
	}
}

// TestCORSOff: without AUTHGATE_CORS_ALLOWED_ORIGINS no answer has a CORS header.
func TestCORSOff(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	r := preflight(t, e.URL, corsApp, corsCall{"POST", "/api/token/"})
	if got := corsHeaders(r.Header); len(got) != 0 || r.StatusCode == http.StatusNoContent {
		t.Errorf("preflight with CORS off: %d %v", r.StatusCode, got)
	}
	a := e.Post("/api/token/", map[string]string{}, "Origin", corsApp)
	if got := corsHeaders(a.Header); len(got) != 0 {
		t.Errorf("answer with CORS off: %v", got)
	}
}

// TestCORSConfig covers the parsing of CORSConfig: case, trailing slashes, default ports,
// max-age, and entries that must never match.
func TestCORSConfig(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	h := web.NewHandler(web.Deps{Service: e.App.Service, CORS: web.CORSConfig{
		AllowedOrigins: []string{" HTTPS://App.Example.com:443/ ", "http://localhost:5173", "http://legacy.example.com:80",
			"https://*.Preview.Example.com", "ftp://files.example.com", "https://*", "https://a.*.example.com",
			"https://app.example.com/path", "", "https://*.*.example.com"},
		MaxAge: 90 * time.Second,
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cases := []struct {
		origin string
		ok     bool
	}{
		{"https://app.example.com", true},
		{"https://APP.example.com", true},
		{"http://localhost:5173", true},
		{"http://localhost:5174", false},
		{"http://localhost", false},
		{"http://legacy.example.com", true},
		{"https://pr-1.preview.example.com", true},
		{"ftp://files.example.com", false},
		{"https://anything", false},
		{"https://a.b.example.com", false},
		{"https://a.x.example.com", false},
		{"https://app.example.com/path", false},
		{"https://user@app.example.com", false},
		{"", false},
	}
	for _, c := range cases {
		r := preflight(t, srv.URL, c.origin, corsCall{"POST", "/api/token/refresh/"})
		got := r.Header.Get("Access-Control-Allow-Origin")
		if c.ok && (r.StatusCode != http.StatusNoContent || got != c.origin || r.Header.Get("Access-Control-Max-Age") != "90") {
			t.Errorf("%q: want allowed: %d %q max-age %q", c.origin, r.StatusCode, got, r.Header.Get("Access-Control-Max-Age"))
		}
		if !c.ok && len(corsHeaders(r.Header)) != 0 {
			t.Errorf("%q: want refused, got %v", c.origin, corsHeaders(r.Header))
		}
	}
}
