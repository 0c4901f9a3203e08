package admin_test

import (
	"context"
	"encoding/json"
	"github.com/authgate/authgate/internal/browsertest"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// screenshotDir is where the browser tests leave full-page screenshots of the panel.
var screenshotDir = filepath.Join("..", "..", "docs", "screenshots")

// tab is one browser tab with its own cookies (a fresh browser context), on the test server.
type tab struct {
	t   *testing.T
	e   *authtest.Env
	ctx context.Context
}

func newTab(t *testing.T, browser context.Context, e *authtest.Env) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return &tab{t: t, e: e, ctx: ctx}
}

// open loads a panel page and returns the status of the document (after redirects).
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.e.URL+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// fill types into a field, found by id.
func (b *tab) fill(id, value string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.ID(id), value)); err != nil {
		b.t.Fatalf("fill #%s: %v", id, err)
	}
}

// click clicks what the CSS selector finds and waits for the page it loads.
func (b *tab) click(sel string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp
}

// text is the visible text of what the CSS selector finds.
func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// path is the tab's current path and query.
func (b *tab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.e.URL)
}

// shot saves a full-page PNG as docs/screenshots/admin-<name>.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, "admin-"+name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// login fills the login form and submits it.
func (b *tab) login(email, pw string) *network.Response {
	b.t.Helper()
	if st := b.open("/admin/login/"); st != http.StatusOK {
		b.t.Fatalf("login page: %d", st)
	}
	b.fill("id_email", email)
	b.fill("id_password", pw)
	return b.click("button[type=submit]")
}

// startBrowser runs one headless Chromium for the whole test.
func startBrowser(t *testing.T) context.Context {
	return browsertest.Start(t, 1280, 900, 90*time.Second)
}

// seed gives the screenshots something to show: a few users, logins, a rotation and a logout.
func seed(t *testing.T, e *authtest.Env) {
	t.Helper()
	for _, email := range []string{"bob@example.org", "carol@example.net", "dave@example.com"} {
		e.CreateUser(email, password)
	}
	e.CreateUser("erin@example.com", password, func(n *auth.NewUser) { n.Inactive = true })
	for _, email := range []string{"bob@example.org", "carol@example.net", "bob@example.org"} {
		r, access := e.Login(email, password)
		if email == "carol@example.net" {
			e.Post("/logout_token/", map[string]string{"refresh_token": r}, authtest.Bearer(access)...)
		} else if st, _ := refreshStatus(e, r); st != http.StatusOK {
			t.Fatalf("seed refresh: %d", st)
		}
	}
	e.Post("/api/token/", map[string]string{"email": "dave@example.com", "password": "wrong"})
}

func TestBrowser(t *testing.T) {
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	e, _, _, u := env(t, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open"}))
	seed(t, e)
	browser := startBrowser(t)

	t.Run("log in", func(t *testing.T) {
		b := newTab(t, browser, e)
		b.open("/admin/login/")
		b.shot("login")
		b.fill("id_email", superEmail)
		b.fill("id_password", password)
		if resp := b.click("button[type=submit]"); resp.Status != http.StatusOK || b.path() != "/admin/" {
			t.Fatalf("after login: %d %s", resp.Status, b.path())
		}
		if h := b.text("h1"); h != "Site administration" {
			t.Errorf("dashboard heading %q", h)
		}
		if s := b.text("#mod-blacklist"); !strings.EqualFold(s, "Token blacklist") {
			t.Errorf("dashboard module %q", s)
		}
		// The stylesheet and the script load under the panel's CSP (no inline code anywhere).
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](
			`document.documentElement.classList.contains("js") && document.styleSheets.length === 1 && document.styleSheets[0].cssRules.length > 50`))
		if err != nil || !ok {
			t.Errorf("stylesheet or script not applied: %v %v", ok, err)
		}
		b.shot("dashboard")
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
		b.open("/admin/")
		b.shot("dashboard-phone")
	})

	t.Run("wrong password shows the error", func(t *testing.T) {
		b := newTab(t, browser, e)
		b.login(staffEmail, "not the password")
		if got := b.text(".errornote"); got != "Please enter the correct email and password for a staff account." {
			t.Errorf("error %q", got)
		}
		if b.path() != "/admin/login/" {
			t.Errorf("at %s", b.path())
		}
	})

	t.Run("non-staff refused", func(t *testing.T) {
		b := newTab(t, browser, e)
		b.login(userEmail, password)
		if got := b.text(".errornote"); got != "Please enter the correct email and password for a staff account." {
			t.Errorf("error %q", got)
		}
		if st := b.open("/admin/"); st != http.StatusOK || !strings.HasPrefix(b.path(), "/admin/login/") {
			t.Errorf("a non-staff user reached %s", b.path())
		}
	})

	t.Run("find a user and log them out everywhere", func(t *testing.T) {
		refresh, _ := e.Login(userEmail, password)
		b := newTab(t, browser, e)
		b.login(staffEmail, password)
		b.open("/admin/users/")
		b.shot("users")
		b.fill("id_q", "alice")
		b.click("form[role=search] button[type=submit]")
		if b.path() != "/admin/users/?q=alice" {
			t.Fatalf("search went to %s", b.path())
		}
		b.click(`a[href="/admin/users/` + u.ID + `/"]`)
		b.shot("user")
		b.click("#logout-all")
		if msg := b.text(".message.success"); !strings.Contains(msg, "was logged out everywhere") {
			t.Errorf("message %q", msg)
		}
		if st, detail := refreshStatus(e, refresh); st != http.StatusUnauthorized || detail != "Token is blacklisted" {
			t.Errorf("refresh after logout everywhere: %d %q", st, detail)
		}
	})

	t.Run("view a token's claims", func(t *testing.T) {
		e.Login(userEmail, password)
		jti := jtis(t, e, u.ID)[0]
		b := newTab(t, browser, e)
		b.login(staffEmail, password)
		b.open("/admin/tokens/")
		b.shot("tokens")
		b.click(`a[href="/admin/tokens/` + jti + `/"]`)
		var claims map[string]any
		if err := json.Unmarshal([]byte(b.text("#claims")), &claims); err != nil {
			t.Fatalf("claims: %v", err)
		}
		if claims["jti"] != jti || claims["user_id"] != u.ID || claims["token_type"] != "refresh" {
			t.Errorf("claims %v", claims)
		}
		b.shot("token")
	})

	t.Run("a token logged out through the API is listed as blacklisted", func(t *testing.T) {
		refresh, access := e.Login(userEmail, password)
		r := e.Post("/logout_token/", map[string]string{"refresh_token": refresh}, authtest.Bearer(access)...)
		if r.Status != http.StatusOK {
			t.Fatalf("logout_token: %d %s", r.Status, r.Raw)
		}
		jti := jtis(t, e, u.ID)[0]
		b := newTab(t, browser, e)
		b.login(staffEmail, password)
		b.open("/admin/blacklisted/")
		row := b.text(`tr:has(a[href="/admin/tokens/` + jti + `/"])`)
		if !strings.Contains(row, userEmail) || !strings.Contains(row, "Logged out") {
			t.Errorf("row of %s: %q", jti, row)
		}
		b.shot("blacklisted")
		b.open("/admin/audit/")
		b.shot("audit")
	})

	t.Run("two-factor login with the e-mailed code", func(t *testing.T) {
		tf := e.CreateUser("secure@example.com", password, staff)
		enableTwoFactor(t, e, tf)
		b := newTab(t, browser, e)
		b.login("secure@example.com", password)
		if b.path() != "/admin/login/code/" {
			t.Fatalf("after the password: %s", b.path())
		}
		b.fill("id_code", e.WaitCode("secure@example.com"))
		if resp := b.click("button[type=submit]"); resp.Status != http.StatusOK || b.path() != "/admin/" {
			t.Fatalf("after the code: %d %s", resp.Status, b.path())
		}
		if who := b.text(".user-tools strong"); who != "secure@example.com" {
			t.Errorf("logged in as %q", who)
		}
	})

	t.Run("unverified users and resending activation", func(t *testing.T) {
		pending := pendingUser(t, e, "newcomer@example.org")
		b := newTab(t, browser, e)
		b.login(staffEmail, password)
		b.open("/admin/users/")
		b.click("#filter-unverified")
		if b.path() != "/admin/users/?verified=0" {
			t.Fatalf("the filter went to %s", b.path())
		}
		if rows := b.text("table.list tbody"); !strings.Contains(rows, "newcomer@example.org") || strings.Contains(rows, userEmail) {
			t.Errorf("unverified users: %q", rows)
		}
		b.shot("users-unverified")
		b.click(`a[href="/admin/users/` + pending.ID + `/"]`)
		if v := b.text("#verified"); v != "No: waiting for the activation link" {
			t.Errorf("verified state %q", v)
		}
		b.click("#resend-activation")
		if msg := b.text(".message.success"); msg != "An activation e-mail was sent to “newcomer@example.org”." {
			t.Errorf("message %q", msg)
		}
		waitMail(t, e, "newcomer@example.org", "Account activation on authgate")
	})

	t.Run("invite someone", func(t *testing.T) {
		b := newTab(t, browser, e)
		b.login(superEmail, password)
		b.open("/admin/")
		b.click(`a[href="/admin/invitations/"]`)
		b.fill("id_email", "grace@example.com")
		b.click("#send-invitation")
		if msg := b.text(".message.success"); msg != "An invitation was sent to “grace@example.com”." {
			t.Errorf("message %q", msg)
		}
		if row := b.text("table.list tbody"); !strings.Contains(row, "grace@example.com") || !strings.Contains(row, "Pending") {
			t.Errorf("invitations: %q", row)
		}
		b.shot("invitations")
		waitMail(t, e, "grace@example.com", "You are invited to authgate")
	})

	t.Run("select all and blacklist", func(t *testing.T) {
		b := newTab(t, browser, e)
		b.login(staffEmail, password)
		b.open("/admin/tokens/?state=active")
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS("input[data-select-all]"))); err != nil {
			t.Fatal(err)
		}
		count := b.text("[data-selected-count]")
		if !strings.HasSuffix(count, " selected") || strings.HasPrefix(count, "0 ") {
			t.Fatalf("selection count %q", count)
		}
		n := strings.Fields(count)[0]
		b.click("button[data-needs-selection]")
		if msg := b.text(".message.success"); msg != "Blacklisted "+n+" tokens." && msg != "Blacklisted 1 token." {
			t.Errorf("message %q after selecting %s", msg, n)
		}
		if got := b.text("table.list tbody"); got != "No tokens." {
			t.Errorf("active tokens left: %q", got)
		}
	})
}
