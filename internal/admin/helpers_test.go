package admin_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

const (
	staffEmail = "staff@example.com"
	superEmail = "root@example.com"
	userEmail  = "alice@example.com"
	password   = "correct horse battery staple"
)

// page is one answer of the panel.
type page struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
	Cookies  []*http.Cookie
}

// agent is a browser-like HTTP client: a cookie jar, redirects not followed.
type agent struct {
	t   testing.TB
	e   *authtest.Env
	c   *http.Client
	jar *cookiejar.Jar
}

func newAgent(t testing.TB, e *authtest.Env) *agent {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &agent{t: t, e: e, jar: jar, c: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (a *agent) do(req *http.Request) page {
	a.t.Helper()
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(b),
		Location: resp.Header.Get("Location"), Cookies: resp.Cookies()}
}

func (a *agent) get(path string) page {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.e.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return a.do(req)
}

func (a *agent) post(path string, form url.Values) page {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

// submit posts a form with the CSRF token of the page at from (fetched first), as a browser does.
func (a *agent) submit(from, action string, form url.Values) page {
	a.t.Helper()
	p := a.get(from)
	if p.Status != http.StatusOK {
		a.t.Fatalf("GET %s: %d", from, p.Status)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrfmiddlewaretoken", csrfToken(a.t, p.Body))
	return a.post(action, form)
}

// login logs in through the form and fails the test unless a session starts.
func (a *agent) login(email, pw string) {
	a.t.Helper()
	p := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {email}, "password": {pw}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/" {
		a.t.Fatalf("login %s: %d %q\n%s", email, p.Status, p.Location, errorText(p.Body))
	}
}

// cookie returns the jar's cookie of that name for the panel, or nil.
func (a *agent) cookie(name string) *http.Cookie {
	u, _ := url.Parse(a.e.URL + "/admin/")
	for _, c := range a.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var csrfRe = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

func csrfToken(t testing.TB, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", body)
	}
	return m[1]
}

var errorRe = regexp.MustCompile(`(?s)<p class="(?:errornote|error)"[^>]*>(.*?)</p>`)

// errorText is the page's error messages, unescaped, for assertions and failure output.
func errorText(body string) string {
	var out []string
	for _, m := range errorRe.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return strings.Join(out, " | ")
}

// sessionIDOf is how the store keys the session of a cookie value.
func sessionIDOf(t testing.TB, cookie string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(raw) != 32 {
		t.Fatalf("session cookie %q is not 32 base64url bytes", cookie)
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func staff(n *auth.NewUser)     { n.IsStaff = true }
func superuser(n *auth.NewUser) { n.IsStaff, n.IsSuperuser = true, true }

// env starts a server with a superuser, a staff member and a plain user.
func env(t testing.TB, opts ...authtest.Option) (*authtest.Env, auth.User, auth.User, auth.User) {
	t.Helper()
	e := authtest.Start(t, authtest.SQLite, opts...)
	su := e.CreateUser(superEmail, password, superuser)
	st := e.CreateUser(staffEmail, password, staff)
	u := e.CreateUser(userEmail, password)
	return e, su, st, u
}

// enableTwoFactor turns two-factor login on for a user, as an admin would.
func enableTwoFactor(t testing.TB, e *authtest.Env, u auth.User) {
	t.Helper()
	u.TwoFactorEnabled = true
	if err := e.App.Service.UpdateUser(context.Background(), u, "", auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
}

// refreshStatus is the API's answer to a refresh with the token, and its detail.
func refreshStatus(e *authtest.Env, refresh string) (int, string) {
	r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
	return r.Status, r.Str("detail")
}

// newEnvWith starts a server with some settings changed.
func newEnvWith(t testing.TB, vars map[string]string) *authtest.Env {
	t.Helper()
	return authtest.Start(t, authtest.SQLite, authtest.With(vars))
}
