package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/golang-jwt/jwt/v5"
)

const (
	cookieName     = "authgate_refresh"
	cookieUser     = "cookie@example.com"
	threeDays      = "259200"
	blacklistedMsg = `{"detail":"Token is blacklisted","code":"token_not_valid"}`
)

// cookieStart runs authgate in cookie mode (AUTHGATE_REFRESH_COOKIE) with the app origin listed.
func cookieStart(t *testing.T, b authtest.Backend, vars map[string]string) *authtest.Env {
	t.Helper()
	base := map[string]string{"AUTHGATE_REFRESH_COOKIE": "true", "AUTHGATE_CORS_ALLOWED_ORIGINS": corsApp}
	for k, v := range vars {
		base[k] = v
	}
	e := authtest.Start(t, b, authtest.With(base))
	e.CreateUser(cookieUser, pw)
	return e
}

// setCookies are the Set-Cookie lines of an answer, by cookie path.
func setCookies(t *testing.T, r authtest.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", line, err)
		}
		if c.Name != cookieName {
			t.Fatalf("unexpected cookie %q", line)
		}
		if _, dup := out[c.Path]; dup {
			t.Fatalf("two cookies for path %q", c.Path)
		}
		out[c.Path] = line
	}
	return out
}

// attrs are the attributes of a Set-Cookie line after the name=value pair, in order.
func cookieAttrs(line string) []string {
	parts := strings.Split(line, "; ")
	return parts[1:]
}

// wantCookie checks the answer sets the refresh cookie on every path that reads it with the same value,
// and returns it. extra are the attributes beyond Path, Max-Age, HttpOnly and SameSite.
func wantCookie(t *testing.T, r authtest.Response, extra ...string) string {
	t.Helper()
	set := setCookies(t, r)
	if len(set) != 3 {
		t.Fatalf("want the cookie on /api/token, /logout_token and /api/sessions, got %q", r.Header.Values("Set-Cookie"))
	}
	var value string
	for _, path := range []string{"/api/token", "/logout_token", "/api/sessions"} {
		line, ok := set[path]
		if !ok {
			t.Fatalf("no cookie for %s: %q", path, r.Header.Values("Set-Cookie"))
		}
		c, _ := http.ParseSetCookie(line)
		if value == "" {
			value = c.Value
		} else if c.Value != value {
			t.Fatalf("different values per path")
		}
		want := append([]string{"Path=" + path}, extra...)
		want = append(want, "Max-Age="+threeDays, "HttpOnly", "SameSite=Strict")
		if got := cookieAttrs(line); !sameStrings(got, want) {
			t.Errorf("cookie attributes %q, want %q", got, want)
		}
	}
	if typ := jwtClaim(t, value, "token_type"); typ != "refresh" {
		t.Fatalf("cookie holds a %q token", typ)
	}
	return value
}

// wantCleared checks the answer expires the cookie on both paths, with the attributes it was set
// with (a browser replaces a cookie only of the same name, domain and path).
func wantCleared(t *testing.T, r authtest.Response, extra ...string) {
	t.Helper()
	set := setCookies(t, r)
	if len(set) != 3 {
		t.Fatalf("want the cookie cleared on every path, got %q", r.Header.Values("Set-Cookie"))
	}
	for _, path := range []string{"/api/token", "/logout_token", "/api/sessions"} {
		line := set[path]
		c, _ := http.ParseSetCookie(line)
		want := append([]string{"Path=" + path}, extra...)
		want = append(want, "Max-Age=0", "HttpOnly", "SameSite=Strict")
		if c.Value != "" || !sameStrings(cookieAttrs(line), want) {
			t.Errorf("clearing cookie %q, want empty with %q", line, want)
		}
	}
}

func wantNoCookie(t *testing.T, r authtest.Response) {
	t.Helper()
	if got := r.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("unexpected Set-Cookie %q", got)
	}
}

func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// keys are the JSON body's keys, sorted.
func bodyKeys(r authtest.Response) []string {
	var out []string
	for k := range r.JSON {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func jwtClaim(t *testing.T, raw, name string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[name].(string)
	return s
}

// withCookie is the header pair that sends a refresh cookie, as a browser would.
func withCookie(v string) []string { return []string{"Cookie", cookieName + "=" + v} }

// browserJSON are the headers of the example app's fetch() from the listed origin.
func browserJSON(cookie string) []string {
	return append(withCookie(cookie), "Origin", corsApp, "Sec-Fetch-Site", "same-site")
}

func cookieLogin(t *testing.T, e *authtest.Env) (cookie, access string) {
	t.Helper()
	r := e.Post("/api/token/", map[string]string{"email": cookieUser, "password": pw}, "Origin", corsApp)
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	return wantCookie(t, r, "Secure"), r.Str("access")
}

// TestRefreshCookieFlow: in cookie mode the refresh token travels only in the HttpOnly cookie,
// through login, rotation and logout.
func TestRefreshCookieFlow(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := cookieStart(t, b, nil)

		r := e.Post("/api/token/", map[string]string{"email": cookieUser, "password": pw}, "Origin", corsApp)
		if r.Status != http.StatusOK || !slices.Equal(bodyKeys(r), []string{"access"}) {
			t.Fatalf("login: want only the access token in the body: %d %s", r.Status, r.Raw)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token answer cacheable: %q", r.Header.Get("Cache-Control"))
		}
		c1 := wantCookie(t, r, "Secure")
		if strings.Contains(r.Raw, c1) {
			t.Fatal("refresh token in the body")
		}

		// The cookie alone refreshes, and rotates.
		r = e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c1)...)
		if r.Status != http.StatusOK || !slices.Equal(bodyKeys(r), []string{"access"}) || jwtClaim(t, r.Str("access"), "token_type") != "access" {
			t.Fatalf("cookie refresh: %d %s", r.Status, r.Raw)
		}
		c2 := wantCookie(t, r, "Secure")
		if c2 == c1 {
			t.Fatal("refresh did not rotate the cookie")
		}
		// The rotated token is dead; a blacklisted answer leaves the cookie alone (a concurrent
		// winner may just have set a fresh one).
		r = e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c1)...)
		if r.Status != http.StatusUnauthorized || r.Raw != blacklistedMsg {
			t.Fatalf("replayed cookie: %d %s", r.Status, r.Raw)
		}
		wantNoCookie(t, r)

		// Logging in again, then logging out with the cookie alone.
		c3, access := cookieLogin(t, e)
		r = e.Post("/logout_token/", map[string]any{}, append(browserJSON(c3), authtest.Bearer(access)...)...)
		if r.Status != http.StatusOK || r.Raw != `{"status":"OK, goodbye"}` {
			t.Fatalf("cookie logout: %d %s", r.Status, r.Raw)
		}
		wantCleared(t, r, "Secure")
		r = e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c3)...)
		if r.Status != http.StatusUnauthorized || r.Raw != blacklistedMsg {
			t.Fatalf("refresh after logout: %d %s", r.Status, r.Raw)
		}

		// Log out everywhere clears the cookie and ends the other logins.
		c4, access := cookieLogin(t, e)
		c5, _ := cookieLogin(t, e)
		r = e.Post("/logout_token/", map[string]any{"all": true}, append(browserJSON(c4), authtest.Bearer(access)...)...)
		if r.Status != http.StatusOK {
			t.Fatalf("logout all: %d %s", r.Status, r.Raw)
		}
		wantCleared(t, r, "Secure")
		if r := e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c5)...); r.Status != http.StatusUnauthorized {
			t.Fatalf("other login survived logout-all: %d %s", r.Status, r.Raw)
		}
	})
}

// TestRefreshCookieCSRF: a cookie-carried refresh or logout needs a JSON type or a custom header,
// and a browser Origin that is this server or a listed origin.
func TestRefreshCookieCSRF(t *testing.T) {
	e := cookieStart(t, authtest.SQLite, nil)
	cookie, _ := cookieLogin(t, e)
	const csrf = `{"detail":"CSRF Failed: cookie-based requests must be same-site JSON requests.","code":"csrf_failed"}`
	form := url.Values{"x": {"1"}}
	cases := []struct {
		name    string
		body    any
		headers []string
		ok      bool
	}{
		{"json from the listed origin", map[string]any{}, []string{"Origin", corsApp}, true},
		{"json with charset", `{}`, []string{"Content-Type", "application/json; charset=utf-8", "Origin", corsApp}, true},
		{"problem+json", `{}`, []string{"Content-Type", "application/merge-patch+json"}, true},
		{"json without Origin (not a browser)", map[string]any{}, nil, true},
		{"json from this server's own origin", map[string]any{}, []string{"Origin", "SELF"}, true},
		{"form with X-Requested-With", form, []string{"X-Requested-With", "XMLHttpRequest", "Origin", corsApp}, true},
		{"empty body with X-Requested-With", nil, []string{"X-Requested-With", "fetch"}, true},
		{"json, same-site fetch metadata", map[string]any{}, []string{"Origin", corsApp, "Sec-Fetch-Site", "same-site"}, true},
		{"form post from the listed origin", form, []string{"Origin", corsApp}, false},
		{"multipart form", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n", []string{"Content-Type", "multipart/form-data; boundary=b"}, false},
		{"empty body, no type", nil, nil, false},
		{"json from another origin", map[string]any{}, []string{"Origin", "https://evil.example.com"}, false},
		{"json from a look-alike", map[string]any{}, []string{"Origin", "https://app.example.com.evil.net"}, false},
		{"json from a null origin", map[string]any{}, []string{"Origin", "null"}, false},
		{"json marked cross-site", map[string]any{}, []string{"Origin", corsApp, "Sec-Fetch-Site", "cross-site"}, false},
		{"custom header from another origin", form, []string{"X-Requested-With", "x", "Origin", "https://evil.example.com"}, false},
	}
	self := strings.TrimPrefix(e.URL, "http://")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := slices.Clone(c.headers)
			for i := range h {
				if h[i] == "SELF" {
					h[i] = "http://" + self
				}
			}
			r := e.Post("/api/token/refresh/", c.body, append(h, withCookie(cookie)...)...)
			if !c.ok {
				if r.Status != http.StatusForbidden || r.Raw != csrf {
					t.Fatalf("want refused: %d %s", r.Status, r.Raw)
				}
				wantNoCookie(t, r)
				return
			}
			if r.Status != http.StatusOK {
				t.Fatalf("want a rotation: %d %s", r.Status, r.Raw)
			}
			cookie = wantCookie(t, r, "Secure")
		})
	}
	t.Run("logout is guarded the same way", func(t *testing.T) {
		c, access := cookieLogin(t, e)
		r := e.Post("/logout_token/", form, append(withCookie(c), authtest.Bearer(access)...)...)
		if r.Status != http.StatusForbidden || r.Raw != csrf {
			t.Fatalf("form logout with the cookie: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/api/token/refresh/", map[string]any{}, withCookie(c)...)
		if r.Status != http.StatusOK {
			t.Fatalf("the refused logout must not have ended the login: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("a token in the body needs no such checks", func(t *testing.T) {
		r := e.Post("/api/token/", map[string]string{"email": cookieUser, "password": pw})
		c := wantCookie(t, r, "Secure")
		r = e.Post("/api/token/refresh/", url.Values{"refresh": {c}}, "Origin", "https://evil.example.com")
		if r.Status != http.StatusOK {
			t.Fatalf("body token: %d %s", r.Status, r.Raw)
		}
	})
}

// TestRefreshCookieSources: the body wins over the cookie; without either the contract's 400;
// a cookie whose token can never work again is cleared.
func TestRefreshCookieSources(t *testing.T) {
	e := cookieStart(t, authtest.SQLite, nil)
	t.Run("body wins", func(t *testing.T) {
		inCookie, _ := cookieLogin(t, e)
		inBody, _ := cookieLogin(t, e)
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": inBody}, browserJSON(inCookie)...)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantCookie(t, r, "Secure")
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": inBody}); r.Raw != blacklistedMsg {
			t.Fatalf("the body token was not the one rotated: %s", r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]any{}, browserJSON(inCookie)...); r.Status != http.StatusOK {
			t.Fatalf("the cookie token was used: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("neither", func(t *testing.T) {
		r := e.Post("/api/token/refresh/", map[string]any{}, "Origin", corsApp)
		if r.Status != http.StatusBadRequest || r.Raw != `{"refresh":["This field is required."]}` {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		r = e.Post("/api/token/refresh/", map[string]any{}, browserJSON("")...)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("empty cookie: %d %s", r.Status, r.Raw)
		}
		_, access := cookieLogin(t, e)
		r = e.Post("/logout_token/", map[string]any{}, authtest.Bearer(access)...)
		if r.Status != http.StatusBadRequest || r.Raw != `{"refresh_token":["This field is required."]}` {
			t.Fatalf("logout: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("garbage cookie is cleared", func(t *testing.T) {
		r := e.Post("/api/token/refresh/", map[string]any{}, browserJSON("not-a-token")...)
		if r.Status != http.StatusUnauthorized || r.Str("detail") != "Token is invalid or expired" {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantCleared(t, r, "Secure")
	})
	t.Run("a bad body token leaves the cookie alone", func(t *testing.T) {
		c, _ := cookieLogin(t, e)
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": "not-a-token"}, browserJSON(c)...)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantNoCookie(t, r)
	})
	t.Run("cookie of a user who is gone is cleared", func(t *testing.T) {
		now := time.Now()
		gone := sign(t, jwt.MapClaims{"token_type": "refresh", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"jti": "0123456789abcdef0123456789abcdef", "user_id": "5b0a3e64-9a43-4a51-8f1e-6c2f0d7c9e10"})
		r := e.Post("/api/token/refresh/", map[string]any{}, browserJSON(gone)...)
		if r.Status != http.StatusUnauthorized || r.Str("code") != "no_active_account" {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantCleared(t, r, "Secure")
	})
	t.Run("another user's cookie on logout is refused and cleared", func(t *testing.T) {
		e.CreateUser("mallory@example.com", pw)
		r := e.Post("/api/token/", map[string]string{"email": "mallory@example.com", "password": pw})
		theirs := wantCookie(t, r, "Secure")
		_, access := cookieLogin(t, e)
		r = e.Post("/logout_token/", map[string]any{}, append(browserJSON(theirs), authtest.Bearer(access)...)...)
		if r.Status != http.StatusUnauthorized || r.Str("code") != "token_not_valid" {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantCleared(t, r, "Secure")
	})
	t.Run("expired cookie is cleared", func(t *testing.T) {
		e := cookieStart(t, authtest.SQLite, nil)
		c, _ := cookieLogin(t, e)
		e.Clock.Advance(3*24*time.Hour + time.Minute)
		r := e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c)...)
		if r.Status != http.StatusUnauthorized || r.Str("detail") != "Token is invalid or expired" {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantCleared(t, r, "Secure")
	})
}

// TestRefreshCookieTwoFactor: the code step, not the password step, sets the cookie.
func TestRefreshCookieTwoFactor(t *testing.T) {
	e := cookieStart(t, authtest.SQLite, nil)
	u := e.CreateUser("two@example.com", pw)
	u.TwoFactorEnabled = true
	if err := e.App.Service.UpdateUser(context.Background(), u, "", auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	r := e.Post("/api/token/", map[string]string{"email": "two@example.com", "password": pw}, "Origin", corsApp)
	if r.Status != http.StatusOK || r.Str("challenge") == "" {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	wantNoCookie(t, r)
	code := e.WaitCode("two@example.com")
	r = e.Post("/api/token/2fa/", map[string]string{"challenge": r.Str("challenge"), "code": code}, "Origin", corsApp)
	if r.Status != http.StatusOK || !slices.Equal(bodyKeys(r), []string{"access"}) {
		t.Fatalf("2fa: %d %s", r.Status, r.Raw)
	}
	c := wantCookie(t, r, "Secure")
	if r := e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c)...); r.Status != http.StatusOK {
		t.Fatalf("refresh with the 2fa cookie: %d %s", r.Status, r.Raw)
	}
}

// TestRefreshCookieSettings: AUTHGATE_REFRESH_COOKIE_BODY, _SECURE and _DOMAIN.
func TestRefreshCookieSettings(t *testing.T) {
	t.Run("body too", func(t *testing.T) {
		e := cookieStart(t, authtest.SQLite, map[string]string{"AUTHGATE_REFRESH_COOKIE_BODY": "true"})
		r := e.Post("/api/token/", map[string]string{"email": cookieUser, "password": pw})
		c := wantCookie(t, r, "Secure")
		if r.Str("refresh") != c || !strings.HasPrefix(r.Raw, `{"refresh":`) {
			t.Fatalf("login body %s", r.Raw)
		}
		r = e.Post("/api/token/refresh/", map[string]any{}, browserJSON(c)...)
		if c2 := wantCookie(t, r, "Secure"); r.Str("refresh") != c2 || !strings.HasPrefix(r.Raw, `{"access":`) {
			t.Fatalf("refresh body %s", r.Raw)
		}
	})
	t.Run("not secure, with a domain", func(t *testing.T) {
		e := cookieStart(t, authtest.SQLite, map[string]string{
			"AUTHGATE_REFRESH_COOKIE_SECURE": "false", "AUTHGATE_REFRESH_COOKIE_DOMAIN": "example.test"})
		r := e.Post("/api/token/", map[string]string{"email": cookieUser, "password": pw})
		c := wantCookie(t, r, "Domain=example.test")
		r = e.Post("/logout_token/", map[string]any{}, append(browserJSON(c), authtest.Bearer(r.Str("access"))...)...)
		wantCleared(t, r, "Domain=example.test")
	})
	t.Run("password change sets the new cookie", func(t *testing.T) {
		e := cookieStart(t, authtest.SQLite, nil)
		_, access := cookieLogin(t, e)
		r := e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "a much better passphrase 42"},
			authtest.Bearer(access)...)
		if r.Status != http.StatusOK || r.Str("refresh") != "" {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		wantCookie(t, r, "Secure")
	})
	t.Run("mode off: the contract unchanged, cookies ignored", func(t *testing.T) {
		e := authtest.Start(t, authtest.SQLite)
		e.CreateUser(cookieUser, pw)
		r := e.Post("/api/token/", map[string]string{"email": cookieUser, "password": pw})
		wantNoCookie(t, r)
		refresh, access := r.Str("refresh"), r.Str("access")
		if refresh == "" || !strings.HasPrefix(r.Raw, `{"refresh":`) {
			t.Fatalf("login %s", r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]any{}, withCookie(refresh)...); r.Status != http.StatusBadRequest {
			t.Fatalf("cookie read with the mode off: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/logout_token/", map[string]any{}, append(withCookie(refresh), authtest.Bearer(access)...)...)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("logout read the cookie with the mode off: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/logout_token/", map[string]string{"refresh_token": refresh}, authtest.Bearer(access)...)
		if r.Status != http.StatusOK {
			t.Fatalf("logout: %d %s", r.Status, r.Raw)
		}
		wantNoCookie(t, r)
	})
}

// TestRefreshCookieJar runs the cookie through net/http's RFC 6265 cookie jar: it goes to the
// token paths, with or without their trailing slash, and nowhere else.
func TestRefreshCookieJar(t *testing.T) {
	e := cookieStart(t, authtest.SQLite, map[string]string{"AUTHGATE_REFRESH_COOKIE_SECURE": "false"})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	post := func(path, body string, headers ...string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	sent := func(path string) bool {
		u, _ := url.Parse(e.URL + path)
		for _, c := range jar.Cookies(u) {
			if c.Name == cookieName {
				return true
			}
		}
		return false
	}
	st, body := post("/api/token/", `{"email":"`+cookieUser+`","password":"`+pw+`"}`)
	if st != http.StatusOK {
		t.Fatalf("login: %d %v", st, body)
	}
	for path, want := range map[string]bool{
		"/api/token/refresh/": true, "/api/token/refresh": true, "/api/token/blacklist/": true,
		"/logout_token/": true, "/logout_token": true,
		"/api/me/": false, "/": false, "/logout_tokens": false, "/api/tokens": false, "/api/sessions/": true, "/api/sessions/logout-others/": true,
	} {
		if got := sent(path); got != want {
			t.Errorf("cookie sent to %s: %v, want %v", path, got, want)
		}
	}
	for range 3 {
		if st, body := post("/api/token/refresh", `{}`); st != http.StatusOK {
			t.Fatalf("refresh through the jar: %d %v", st, body)
		} else if _, ok := body["refresh"]; ok {
			t.Fatal("refresh token in the body")
		}
	}
	_, body = post("/api/token/refresh/", `{}`)
	access, _ := body["access"].(string)
	if st, body := post("/logout_token", `{}`, "Authorization", "Bearer "+access); st != http.StatusOK {
		t.Fatalf("logout through the jar: %d %v", st, body)
	}
	if sent("/api/token/refresh/") || sent("/logout_token/") {
		t.Error("logout left the cookie in the jar")
	}
}
