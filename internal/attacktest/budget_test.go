package attacktest

import (
	"context"
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
	"github.com/authgate/authgate/internal/tcptest"
)

// budget is AUTHGATE_THROTTLE_LOGIN_ACCOUNT's default: failed password checks per account and
// hour, whatever the door and the address.
const budget = 100

// budgetVars: the account budget at its default, client addresses from X-Forwarded-For (every
// guess comes from an address of its own, so no per-address bucket ever fills).
var budgetVars = map[string]string{
	"AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "100/hour",
	"AUTHGATE_TRUSTED_PROXIES":        "127.0.0.1/32,::1/128",
}

// victim is an account under attack: its e-mail, and an access token stolen from it.
type victim struct {
	email, access string
}

// passwordDoor is one place that checks a password. guess sends a wrong password for the victim
// from the address; evaluated is the status of a guess that was checked (and refused).
type passwordDoor struct {
	name      string
	staff     bool
	evaluated int
	guess     func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response
}

func passwordDoors() []passwordDoor {
	login := func(path string) func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
		return func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Post(path, map[string]string{"email": v.email, "password": "guess"}, "X-Forwarded-For", ip)
		}
	}
	return []passwordDoor{
		{"login", false, 401, login("/api/token/")},
		{"sliding login", false, 401, login("/api/token/sliding/")},
		{"two-factor disable", false, 400, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Post("/api/2fa/disable/", map[string]string{"password": "guess"},
				"Authorization", "Bearer "+v.access, "X-Forwarded-For", ip)
		}},
		{"totp enrolment", false, 400, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Post("/api/2fa/totp/", map[string]string{"password": "guess"},
				"Authorization", "Bearer "+v.access, "X-Forwarded-For", ip)
		}},
		{"password change", false, 400, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Post("/api/password/change/", map[string]string{"old_password": "guess", "new_password": "a brand new passphrase"},
				"Authorization", "Bearer "+v.access, "X-Forwarded-For", ip)
		}},
		{"Djoser set_password", false, 400, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Post("/auth/users/set_password/", map[string]string{"current_password": "guess", "new_password": "a brand new passphrase"},
				"Authorization", "Bearer "+v.access, "X-Forwarded-For", ip)
		}},
		{"Djoser set_email", false, 400, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Post("/auth/users/set_email/", map[string]string{"current_password": "guess", "new_email": uniqueEmail("moved")},
				"Authorization", "Bearer "+v.access, "X-Forwarded-For", ip)
		}},
		{"Djoser account deletion", false, 400, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return e.Do("DELETE", "/auth/users/me/", map[string]string{"current_password": "guess"},
				"Authorization", "Bearer "+v.access, "X-Forwarded-For", ip)
		}},
		// The admin panel's login is last: the tests below find it there.
		{"admin login", true, 200, func(t *testing.T, e *authtest.Env, v victim, ip string) authtest.Response {
			return adminLoginAttempt(t, e, v.email, "guess", ip)
		}},
	}
}

// adminLoginAttempt posts the admin panel's login form from the address, as a browser does.
func adminLoginAttempt(t *testing.T, e *authtest.Env, email, password, ip string) authtest.Response {
	t.Helper()
	return newPanelAgent(t, e, ip).submit("/admin/login/", "/admin/login/", url.Values{"email": {email}, "password": {password}})
}

// panelAgent is a browser on the admin panel: a cookie jar, redirects not followed, every
// request from one client address (X-Forwarded-For, for a server that trusts the harness).
type panelAgent struct {
	t  *testing.T
	e  *authtest.Env
	ip string
	c  *http.Client
}

func newPanelAgent(t *testing.T, e *authtest.Env, ip string) *panelAgent {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &panelAgent{t: t, e: e, ip: ip, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (a *panelAgent) do(method, path string, form url.Values) authtest.Response {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, a.e.URL+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", a.ip)
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return authtest.Response{Status: resp.StatusCode, Header: resp.Header, Raw: string(b)}
}

func (a *panelAgent) get(path string) authtest.Response {
	a.t.Helper()
	return a.do(http.MethodGet, path, nil)
}

// submit posts a form with the CSRF token of the page at from (fetched first), as a browser does.
func (a *panelAgent) submit(from, action string, form url.Values) authtest.Response {
	a.t.Helper()
	p := a.get(from)
	m := adminCSRFRe.FindStringSubmatch(p.Raw)
	if m == nil {
		a.t.Fatalf("no CSRF token on %s: %d %s", from, p.Status, p.Raw)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrfmiddlewaretoken", m[1])
	return a.do(http.MethodPost, action, form)
}

var adminCSRFRe = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

// newVictim makes an account and steals an access token from it.
func newVictim(t *testing.T, e *authtest.Env, staff bool) victim {
	t.Helper()
	email := uniqueEmail("victim")
	e.CreateUser(email, pw, func(n *auth.NewUser) { n.IsStaff = staff })
	r := e.Post("/api/token/", map[string]string{"email": email, "password": pw}, "X-Forwarded-For", uniqueIP())
	if r.Status != 200 {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Raw)
	}
	return victim{email: email, access: r.Str("access")}
}

// wantBudgetRefused checks a guess the budget refused: DRF's 429 with Retry-After from the API, the
// login page with 429 and Retry-After from the admin panel.
func wantBudgetRefused(t *testing.T, d passwordDoor, r authtest.Response) {
	t.Helper()
	if d.name != "admin login" {
		wantThrottled(t, r, time.Hour)
		return
	}
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Raw, "Too many attempts") {
		t.Fatalf("admin login past the budget: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
}

// TestPasswordBudgetEveryDoor (NIST 800-63B §5.2.2, issue #13 finding 1): one budget of failed
// password checks per account, whatever the door and the client address. 120 wrong passwords,
// each from an address of its own (one Bearer token for the doors that take one): the first 100
// are checked, the rest refused with DRF's 429, and then the owner's right password at the login
// door is refused too. The last case spreads the guesses over every door in turn: one budget,
// not one per door. An unknown e-mail meets the same budget at the same count (no enumeration).
func TestPasswordBudgetEveryDoor(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(budgetVars))
		doors := passwordDoors()
		run := func(t *testing.T, v victim, door func(i int) passwordDoor) {
			for i := range 120 {
				d := door(i)
				r := d.guess(t, e, v, uniqueIP())
				if i < budget && r.Status != d.evaluated {
					t.Fatalf("guess %d at %s: %d %s, want %d", i+1, d.name, r.Status, r.Raw, d.evaluated)
				}
				if i >= budget {
					wantBudgetRefused(t, d, r)
				}
			}
		}
		for _, d := range doors {
			t.Run(d.name, func(t *testing.T) {
				v := newVictim(t, e, d.staff)
				run(t, v, func(int) passwordDoor { return d })
				wantThrottled(t, e.Post("/api/token/", map[string]string{"email": v.email, "password": pw},
					"X-Forwarded-For", uniqueIP()), time.Hour)
				// 21 refusals in a minute are on record once, with the door and the address.
				u, err := e.App.Service.UserByEmail(context.Background(), v.email)
				if err != nil {
					t.Fatal(err)
				}
				evs, err := e.App.DB.ListEvents(context.Background(), auth.EventQuery{UserID: u.ID, Kind: "password_throttled", Limit: 10})
				door := d.name
				if strings.HasPrefix(door, "Djoser") {
					door = "current password" // the check of Djoser's current_password, whatever the endpoint
				}
				if err != nil || len(evs) != 1 || !strings.HasPrefix(evs[0].Detail, door+": ") || !strings.HasPrefix(evs[0].ClientIP, "2001:db8:") {
					t.Fatalf("refusals audited as %+v (%v), want one event naming %q and the address", evs, err, door)
				}
			})
		}
		t.Run("every door in turn", func(t *testing.T) {
			v := newVictim(t, e, true)
			run(t, v, func(i int) passwordDoor { return doors[i%len(doors)] })
			admin := doors[len(doors)-1]
			wantBudgetRefused(t, admin, adminLoginAttempt(t, e, v.email, pw, uniqueIP()))
		})
		t.Run("unknown e-mail", func(t *testing.T) {
			run(t, victim{email: uniqueEmail("nobody")}, func(int) passwordDoor { return doors[0] })
		})
	})
}

// TestPasswordBudgetAcrossInstances: two instances sharing the database and Redis share the
// budget too; guesses alternating between them are stopped at the same count.
func TestPasswordBudgetAcrossInstances(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"AUTHGATE_REDIS_URL": redisURL}
	for k, v := range budgetVars {
		vars[k] = v
	}
	a := authtest.Start(t, authtest.Postgres, authtest.With(vars))
	vars["AUTHGATE_DATABASE_URL"] = a.App.Config.DatabaseURL
	b := authtest.Start(t, authtest.Postgres, authtest.With(vars))
	v := newVictim(t, a, false)
	change := passwordDoors()[3]
	for i := range 120 {
		e := []*authtest.Env{a, b}[i%2]
		r := change.guess(t, e, v, uniqueIP())
		if i < budget && r.Status != change.evaluated {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Raw)
		}
		if i >= budget {
			wantThrottled(t, r, time.Hour)
		}
	}
	for _, e := range []*authtest.Env{a, b} {
		wantThrottled(t, e.Post("/api/token/", map[string]string{"email": v.email, "password": pw},
			"X-Forwarded-For", uniqueIP()), time.Hour)
	}
}

// TestPasswordBudgetFailsClosed: when the limiter does not answer, no password is checked at
// any door: 503, not a verdict on the password (the per-address throttles are off here, so the
// budget is the only thing that asks the limiter).
func TestPasswordBudgetFailsClosed(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	v := newVictim(t, e, true)
	hung := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_DATABASE_URL":           e.App.Config.DatabaseURL,
		"AUTHGATE_REDIS_URL":              "redis://" + tcptest.Silent(t) + "/0?dial_timeout=1m&read_timeout=1m&write_timeout=1m",
		"AUTHGATE_THROTTLE_LOGIN":         "0/min",
		"AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "100/hour",
		"AUTHGATE_THROTTLE_CODE":          "0/min",
		"AUTHGATE_TRUSTED_PROXIES":        "127.0.0.1/32,::1/128",
	}))
	const unavailable = `{"detail":"Service temporarily unavailable."}`
	for _, d := range passwordDoors() {
		r := d.guess(t, hung, v, uniqueIP())
		if d.name == "admin login" {
			if r.Status < 500 {
				t.Errorf("%s with the limiter down: %d", d.name, r.Status)
			}
			continue
		}
		if r.Status != 503 || r.Raw != unavailable {
			t.Errorf("%s with the limiter down: %d %s", d.name, r.Status, r.Raw)
		}
	}
	r := hung.Post("/api/token/", map[string]string{"email": v.email, "password": pw}, "X-Forwarded-For", uniqueIP())
	if r.Status != 503 || r.Raw != unavailable {
		t.Errorf("the right password with the limiter down: %d %s", r.Status, r.Raw)
	}
}
