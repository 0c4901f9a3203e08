package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/admin"
	"github.com/authgate/authgate/internal/auth"
)

func TestLoginStartsSession(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	a := newAgent(t, e)

	p := a.get("/admin/")
	if p.Status != http.StatusFound || p.Location != "/admin/login/?next=%2Fadmin%2F" {
		t.Fatalf("logged out dashboard: %d %q", p.Status, p.Location)
	}
	p = a.get("/admin/login/")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `<label for="id_email">Email</label>`) {
		t.Fatalf("login page: %d\n%s", p.Status, p.Body)
	}
	p = a.post("/admin/login/", url.Values{"csrfmiddlewaretoken": {csrfToken(t, p.Body)},
		"email": {strings.ToUpper(staffEmail)}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/" {
		t.Fatalf("login: %d %q %s", p.Status, p.Location, errorText(p.Body))
	}
	var sc *http.Cookie
	for _, c := range p.Cookies {
		if c.Name == "authgate_admin_session" {
			sc = c
		}
	}
	if sc == nil {
		t.Fatal("no session cookie set")
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/admin/" || sc.Secure {
		t.Errorf("session cookie attributes: HttpOnly=%v SameSite=%v Path=%q Secure=%v", sc.HttpOnly, sc.SameSite, sc.Path, sc.Secure)
	}
	if sc.MaxAge < 8*3600-60 || sc.MaxAge > 8*3600 {
		t.Errorf("session cookie Max-Age = %d, want the 8h default", sc.MaxAge)
	}
	s, err := e.App.Service.Store().AdminSessionByID(context.Background(), sessionIDOf(t, sc.Value))
	if err != nil {
		t.Fatalf("session not stored under the SHA-256 of the cookie secret: %v", err)
	}
	if s.CSRFSecret == "" || s.ExpiresAt.Sub(s.CreatedAt).Hours() != 8 {
		t.Errorf("stored session: %+v", s)
	}

	p = a.get("/admin/")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Site administration") || !strings.Contains(p.Body, staffEmail) {
		t.Fatalf("dashboard after login: %d\n%s", p.Status, p.Body)
	}
	// Already logged in: the login page goes straight on.
	if p := a.get("/admin/login/?next=/admin/users/"); p.Status != http.StatusFound || p.Location != "/admin/users/" {
		t.Errorf("login page when logged in: %d %q", p.Status, p.Location)
	}
}

func TestSecureCookiesBehindTLSConfig(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, map[string]string{"AUTHGATE_ADMIN_COOKIE_SECURE": "true"})
	a := newAgent(t, e)
	p := a.get("/admin/login/")
	for _, c := range p.Cookies {
		if !c.Secure || !c.HttpOnly || c.Path != "/admin/" || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v Path=%q SameSite=%v", c.Name, c.Secure, c.HttpOnly, c.Path, c.SameSite)
		}
	}
	if len(p.Cookies) == 0 {
		t.Fatal("login page set no pre-session cookie")
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	e.CreateUser("gone@example.com", password, staff, func(n *auth.NewUser) { n.Inactive = true })
	const want = "Please enter the correct email and password for a staff account."
	for _, tc := range []struct{ name, email, pw string }{
		{"wrong password", staffEmail, "wrong password!"},
		{"not staff", userEmail, password},
		{"unknown e-mail", "nobody@example.com", password},
		{"inactive staff", "gone@example.com", password},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAgent(t, e)
			p := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {tc.email}, "password": {tc.pw}})
			if p.Status != http.StatusOK || errorText(p.Body) != want {
				t.Fatalf("%d %q", p.Status, errorText(p.Body))
			}
			if a.cookie("authgate_admin_session") != nil {
				t.Fatal("a session cookie was set")
			}
			if !strings.Contains(p.Body, `value="`+tc.email+`"`) {
				t.Error("the e-mail is not kept in the form")
			}
			if p := a.get("/admin/"); p.Status != http.StatusFound {
				t.Fatalf("dashboard after refused login: %d", p.Status)
			}
		})
	}
	t.Run("blank fields", func(t *testing.T) {
		a := newAgent(t, e)
		p := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {" "}})
		if p.Status != http.StatusOK || errorText(p.Body) != "This field is required. | This field is required." {
			t.Fatalf("%d %q", p.Status, errorText(p.Body))
		}
	})
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, map[string]string{"AUTHGATE_THROTTLE_LOGIN": "3/min"})
	e.CreateUser(staffEmail, password, staff)
	a := newAgent(t, e)
	for i := 0; i < 3; i++ {
		p := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {staffEmail}, "password": {"nope"}})
		if p.Status != http.StatusOK {
			t.Fatalf("attempt %d: %d", i+1, p.Status)
		}
	}
	// The right password does not get through either while throttled.
	p := a.submit("/admin/login/", "/admin/login/", url.Values{"email": {staffEmail}, "password": {password}})
	if p.Status != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d %s", p.Status, errorText(p.Body))
	}
	msg := errorText(p.Body)
	if !strings.HasPrefix(msg, "Too many attempts. Try again in ") || !strings.HasSuffix(msg, " seconds.") {
		t.Errorf("message %q", msg)
	}
	if ra := p.Header.Get("Retry-After"); ra == "" || ra == "0" || !strings.Contains(msg, " "+ra+" seconds") {
		t.Errorf("Retry-After %q with message %q", ra, msg)
	}
	if a.cookie("authgate_admin_session") != nil {
		t.Error("throttled login set a session")
	}
	// Per e-mail too: another client address is not available over loopback, but another e-mail
	// from this address is throttled by the address bucket.
	p = a.submit("/admin/login/", "/admin/login/", url.Values{"email": {"other@example.com"}, "password": {"x"}})
	if p.Status != http.StatusTooManyRequests {
		t.Errorf("other e-mail from the same address: %d", p.Status)
	}
}

func TestSessionRotatedAtLogin(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	a := newAgent(t, e)
	// A session id planted before login (fixation) is never adopted.
	planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	u, _ := url.Parse(e.URL + "/admin/")
	a.jar.SetCookies(u, []*http.Cookie{{Name: "authgate_admin_session", Value: planted, Path: "/admin/"}})
	tok := csrfToken(t, a.get("/admin/login/").Body)
	creds := url.Values{"csrfmiddlewaretoken": {tok}, "email": {staffEmail}, "password": {password}}
	if p := a.post("/admin/login/", creds); p.Status != http.StatusSeeOther {
		t.Fatalf("first login: %d", p.Status)
	}
	first := a.cookie("authgate_admin_session").Value
	if first == planted {
		t.Fatal("the planted session id was kept")
	}
	// Logging in again while logged in (a second tab's form) issues another id.
	if p := a.post("/admin/login/", creds); p.Status != http.StatusSeeOther {
		t.Fatalf("second login: %d", p.Status)
	}
	second := a.cookie("authgate_admin_session").Value
	if second == first {
		t.Fatal("logging in again kept the session id")
	}
	store := e.App.Service.Store()
	if _, err := store.AdminSessionByID(context.Background(), sessionIDOf(t, first)); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the previous session survived a new login: %v", err)
	}
	if _, err := store.AdminSessionByID(context.Background(), sessionIDOf(t, second)); err != nil {
		t.Errorf("the new session is not stored: %v", err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	a := newAgent(t, e)
	a.login(staffEmail, password)
	cookie := a.cookie("authgate_admin_session").Value

	if p := a.post("/admin/logout/", nil); p.Status != http.StatusForbidden {
		t.Fatalf("logout without CSRF token: %d", p.Status)
	}
	p := a.submit("/admin/", "/admin/logout/", nil)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Logged out") {
		t.Fatalf("logout: %d\n%s", p.Status, p.Body)
	}
	if a.cookie("authgate_admin_session") != nil {
		t.Error("the session cookie was not cleared")
	}
	if _, err := e.App.Service.Store().AdminSessionByID(context.Background(), sessionIDOf(t, cookie)); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("session still stored after logout: %v", err)
	}
	// A copy of the old cookie is worthless now.
	u, _ := url.Parse(e.URL + "/admin/")
	a.jar.SetCookies(u, []*http.Cookie{{Name: "authgate_admin_session", Value: cookie, Path: "/admin/"}})
	if p := a.get("/admin/users/"); p.Status != http.StatusFound || !strings.HasPrefix(p.Location, "/admin/login/") {
		t.Errorf("replayed cookie after logout: %d %q", p.Status, p.Location)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	for _, tc := range []struct{ next, want string }{
		{"/admin/users/?q=alice", "/admin/users/?q=alice"},
		{"/admin/tokens/", "/admin/tokens/"},
		{"", "/admin/"},
		{"https://evil.example/", "/admin/"},
		{"//evil.example/admin/", "/admin/"},
		{"/\\evil.example", "/admin/"},
		{"/admin/\\\\evil.example", "/admin/"},
		{"/admin/../evil", "/admin/"},
		{"javascript:alert(1)", "/admin/"},
		{"/admin/\r\nLocation: https://evil.example", "/admin/"},
		{"https://" + strings.TrimPrefix(e.URL, "http://") + "/admin/", "/admin/"},
		{"/admin/login/", "/admin/"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			a := newAgent(t, e)
			p := a.submit("/admin/login/?next="+url.QueryEscape(tc.next), "/admin/login/",
				url.Values{"email": {staffEmail}, "password": {password}, "next": {tc.next}})
			if p.Status != http.StatusSeeOther || p.Location != tc.want {
				t.Fatalf("next %q: %d %q", tc.next, p.Status, p.Location)
			}
		})
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	a := newAgent(t, e)
	a.login(staffEmail, password)
	id := sessionIDOf(t, a.cookie("authgate_admin_session").Value)
	e.Clock.Advance(7 * time.Hour)
	if p := a.get("/admin/"); p.Status != http.StatusOK {
		t.Fatalf("after 7h: %d", p.Status)
	}
	e.Clock.Advance(time.Hour)
	if p := a.get("/admin/"); p.Status != http.StatusFound {
		t.Fatalf("after 8h: %d, want the login page", p.Status)
	}
	if _, err := e.App.Service.Store().AdminSessionByID(context.Background(), id); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("expired session kept: %v", err)
	}
}

func TestCookiesSecureOverTLS(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	srv := httptest.NewTLSServer(admin.New(admin.Deps{Service: e.App.Service}))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + "/admin/login/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) == 0 {
		t.Fatal("no cookie set")
	}
	for _, c := range resp.Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s over TLS: Secure=%v HttpOnly=%v", c.Name, c.Secure, c.HttpOnly)
		}
	}
}
