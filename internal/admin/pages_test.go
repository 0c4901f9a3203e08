package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
)

const wantCSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func checkHeaders(t *testing.T, path string, p page) {
	t.Helper()
	for k, want := range map[string]string{
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": wantCSP,
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := p.Header.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", path, k, got, want)
		}
	}
}

func TestEveryPage(t *testing.T) {
	t.Parallel()
	e, _, st, u := env(t)
	refresh, _ := e.Login(userEmail, password)
	ot, err := e.App.Service.Store().ListTokens(context.Background(), auth.TokenQuery{UserID: u.ID, Limit: 1})
	if err != nil || len(ot) != 1 {
		t.Fatalf("token of the login: %v %d", err, len(ot))
	}
	jti := ot[0].JTI
	staffPages := map[string]string{
		"/admin/":                          "Site administration",
		"/admin/users/":                    "Users",
		"/admin/users/?q=ALICE":            userEmail,
		"/admin/users/" + u.ID + "/":       userEmail,
		"/admin/users/" + st.ID + "/":      staffEmail,
		"/admin/tokens/":                   "Outstanding tokens",
		"/admin/tokens/?state=active":      jti,
		"/admin/tokens/?q=" + jti[:8]:      jti,
		"/admin/tokens/" + jti + "/":       "Decoded claims",
		"/admin/blacklisted/":              "Blacklisted tokens",
		"/admin/blacklisted/?q=alice":      "Blacklisted tokens",
		"/admin/audit/":                    "Audit log",
		"/admin/audit/?kind=login_ok&q=al": "login_ok",
	}
	superPages := map[string]string{
		"/admin/users/add/":                   "Add user",
		"/admin/users/" + u.ID + "/password/": "Change password",
	}

	t.Run("logged out", func(t *testing.T) {
		a := newAgent(t, e)
		for path := range merge(staffPages, superPages) {
			p := a.get(path)
			want := "/admin/login/?next=" + url.QueryEscape(path)
			if p.Status != http.StatusFound || p.Location != want {
				t.Errorf("%s: %d %q, want a redirect to %q", path, p.Status, p.Location, want)
			}
			checkHeaders(t, path, p)
		}
	})
	t.Run("staff", func(t *testing.T) {
		a := newAgent(t, e)
		a.login(staffEmail, password)
		for path, want := range staffPages {
			p := a.get(path)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, want) {
				t.Errorf("%s: %d, want 200 with %q\n%s", path, p.Status, want, errorText(p.Body))
			}
			if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html; charset=utf-8") {
				t.Errorf("%s: Content-Type %q", path, p.Header.Get("Content-Type"))
			}
			checkHeaders(t, path, p)
			if strings.Contains(p.Body, "argon2") || strings.Contains(p.Body, "pbkdf2") || strings.Contains(p.Body, refresh) {
				t.Errorf("%s shows a password hash or a raw token", path)
			}
		}
	})
	t.Run("superuser", func(t *testing.T) {
		a := newAgent(t, e)
		a.login(superEmail, password)
		for path, want := range merge(staffPages, superPages) {
			p := a.get(path)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, want) {
				t.Errorf("%s: %d, want 200 with %q", path, p.Status, want)
			}
		}
	})
	t.Run("login and static files", func(t *testing.T) {
		a := newAgent(t, e)
		p := a.get("/admin/login/")
		checkHeaders(t, "/admin/login/", p)
		for _, f := range []struct{ path, ctype string }{
			{"/admin/static/admin.css", "text/css; charset=utf-8"},
			{"/admin/static/admin.js", "text/javascript; charset=utf-8"},
		} {
			p := a.get(f.path)
			if p.Status != http.StatusOK || p.Header.Get("Content-Type") != f.ctype || len(p.Body) < 100 {
				t.Errorf("%s: %d %q %d bytes", f.path, p.Status, p.Header.Get("Content-Type"), len(p.Body))
			}
		}
	})
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestBadInputGetsFriendlyPages(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	a := newAgent(t, e)
	a.login(staffEmail, password)
	for _, tc := range []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/admin/users/not-a-uuid/", 404, "Page not found"},
		{"GET", "/admin/users/00000000-0000-4000-8000-000000000000/", 404, "Page not found"},
		{"GET", "/admin/tokens/nope/", 404, "Page not found"},
		{"GET", "/admin/tokens/" + strings.Repeat("a", 300) + "/", 404, "Page not found"},
		{"GET", "/admin/nothing/here/", 404, "Page not found"},
		{"GET", "/admin/static/missing.css", 404, "Page not found"},
		{"POST", "/admin/users/", 405, "Method not allowed"},
		{"DELETE", "/admin/tokens/", 405, "Method not allowed"},
		{"GET", "/admin/users/00000000-0000-4000-8000-000000000000/logout-all/", 405, "Method not allowed"},
		{"GET", "/admin/tokens/?state=bogus", 200, "Unknown state; showing every token."},
		{"GET", "/admin/audit/?kind=%3Cscript%3E", 200, "Unknown event kind; showing every kind."},
		{"GET", "/admin/audit/?before=abc", 200, "Audit log"},
		{"GET", "/admin/users/?after=%00%FF", 200, "Users"},
		{"GET", "/admin/tokens/?q=%25_%5C", 200, "No tokens"},
	} {
		req, _ := http.NewRequest(tc.method, e.URL+tc.path, nil)
		p := a.do(req)
		if p.Status != tc.status || !strings.Contains(p.Body, tc.want) {
			t.Errorf("%s %s: %d, want %d with %q\n%s", tc.method, tc.path, p.Status, tc.status, tc.want, p.Body)
		}
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s %s: not an HTML page: %q", tc.method, tc.path, p.Header.Get("Content-Type"))
		}
	}
	for from, to := range map[string]string{
		"/admin":              "/admin/",
		"/admin/users":        "/admin/users/",
		"/admin/tokens?q=abc": "/admin/tokens/?q=abc",
	} {
		if p := a.get(from); p.Status != http.StatusTemporaryRedirect || p.Location != to {
			t.Errorf("%s: %d %q, want a redirect to %q", from, p.Status, p.Location, to)
		}
	}
	// An oversized form is refused with a page, not a Go error.
	big := url.Values{"csrfmiddlewaretoken": {strings.Repeat("x", 300<<10)}}
	if p := a.post("/admin/tokens/blacklist/", big); p.Status != http.StatusRequestEntityTooLarge || !strings.Contains(p.Body, "Request too large") {
		t.Errorf("oversized form: %d", p.Status)
	}
	// Markup in input comes back escaped.
	p := a.get("/admin/users/?q=" + url.QueryEscape(`<script>alert(1)</script>`))
	if strings.Contains(p.Body, "<script>alert(1)") || !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("search text is not escaped")
	}
}
