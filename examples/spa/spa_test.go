package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/authgate/authgate/internal/browsertest"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

const (
	screenshotDir = "../../docs/screenshots"
	password      = "correct horse battery staple"
	cookieName    = "authgate_refresh"
	sessionEnded  = "Your session has ended. Please log in again."
)

// site is authgate with a 3-second access token lifetime, and the example app served by its own
// handler on another port (another origin, the same site: cookies ignore ports).
type site struct {
	e      *authtest.Env
	appURL string
}

// newSite listens for the app first, so that authgate can list the app's origin for CORS (and
// link to its pages: "{app}" in a value of vars is the app's URL).
func newSite(t *testing.T, mode string, vars map[string]string) *site {
	t.Helper()
	ln := listen(t)
	appURL := "http://" + ln.Addr().String()
	env := map[string]string{
		"AUTHGATE_CORS_ALLOWED_ORIGINS":  appURL,
		"AUTHGATE_ACCESS_TOKEN_LIFETIME": "3s",
	}
	if mode == modeCookie {
		env["AUTHGATE_REFRESH_COOKIE"] = "true"
		env["AUTHGATE_REFRESH_COOKIE_SECURE"] = "false" // plain HTTP on 127.0.0.1
	}
	for k, v := range vars {
		env[k] = strings.ReplaceAll(v, "{app}", appURL)
	}
	e := authtest.Start(t, authtest.SQLite, authtest.With(env))
	serveApp(t, ln, e.URL, mode)
	return &site{e: e, appURL: appURL}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveApp serves the example app on ln with the handler main uses.
func serveApp(t *testing.T, ln net.Listener, api, mode string) {
	t.Helper()
	cfg, err := newConfig(api, mode)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
}

// startBrowser runs one headless Chromium for the whole test, which must end within deadline.
func startBrowser(t *testing.T, deadline time.Duration) context.Context {
	return browsertest.Start(t, 960, 720, deadline)
}

// tab is a page in a fresh browser context (its own cookies and storage), with its console.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// cleanConsole fails the test on an uncaught exception or a Content-Security-Policy violation.
func (b *tab) cleanConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if m.IsException() || m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") {
			b.t.Errorf("console: %s", m)
		}
	}
}

// consoleHas reports whether a console message contains s.
func (b *tab) consoleHas(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if strings.Contains(m.Text, s) {
			return true
		}
	}
	return false
}

// open loads the app and waits until it has decided between the login and the account view.
func (b *tab) open(url string) string {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	b.waitFor(`document.querySelector("[data-view]:not([hidden])")?.id !== "view-loading"`, 10*time.Second)
	return b.view()
}

// view is the visible view: "login", "code" or "account".
func (b *tab) view() string {
	b.t.Helper()
	v := eval[string](b, `document.querySelector("[data-view]:not([hidden])")?.id ?? ""`)
	return strings.TrimPrefix(v, "view-")
}

func (b *tab) waitView(name string, timeout time.Duration) {
	b.t.Helper()
	b.waitFor(`document.querySelector("[data-view]:not([hidden])")?.id === "view-`+name+`"`, timeout)
}

// waitFor polls a JavaScript condition; on timeout it fails with what the page shows.
func (b *tab) waitFor(cond string, timeout time.Duration) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		b.t.Fatalf("waiting for %s: %v (view %q, error %q, notice %q)", cond, err,
			eval[string](b, `document.querySelector("[data-view]:not([hidden])")?.id ?? ""`),
			eval[string](b, `document.getElementById("error").textContent`),
			eval[string](b, `document.getElementById("notice").textContent`))
	}
}

func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// soon is the tab's context for one action on an element, which waits for the element to be
// shown: a missing one fails the test in seconds rather than at the browser's deadline.
func (b *tab) soon() context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	b.t.Cleanup(cancel)
	return ctx
}

// fill types value into a field, replacing what it held, as a paste or an input method would
// (one input event; key by key costs a DevTools round trip per key).
func (b *tab) fill(id, value string) {
	b.t.Helper()
	ctx := b.soon()
	clear := chromedp.Evaluate[chromedp.Void](`document.getElementById("` + id + `").value = ""`)
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.ID(id)), clear); err != nil {
		b.t.Fatalf("fill #%s: %v", id, err)
	}
	if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: value}); err != nil {
		b.t.Fatalf("fill #%s: %v", id, err)
	}
}

// clickOn clicks the element a CSS selector finds first.
func (b *tab) clickOn(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.soon(), chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

// menu opens a screen of the account menu.
func (b *tab) menu(screen string) {
	b.t.Helper()
	b.clickOn(`#account-nav a[data-screen="` + screen + `"]`)
	b.waitView(screen, 5*time.Second)
}

// submit clicks a form's submit button.
func (b *tab) submit(form string) {
	b.t.Helper()
	b.clickOn("#" + form + ` button[type=submit]`)
}

// waitText waits until an element's trimmed text is want.
func (b *tab) waitText(id, want string) {
	b.t.Helper()
	w, _ := json.Marshal(want)
	b.waitFor(`document.getElementById("`+id+`")?.textContent.trim() === `+string(w), 10*time.Second)
}

// path is the address bar's path.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname`)
}

func (b *tab) click(id string) {
	b.t.Helper()
	if err := chromedp.Do(b.soon(), chromedp.Click(chromedp.ID(id))); err != nil {
		b.t.Fatalf("click #%s: %v", id, err)
	}
}

// text is the trimmed text of an element (visible or not).
func (b *tab) text(id string) string {
	b.t.Helper()
	return strings.TrimSpace(eval[string](b, `document.getElementById("`+id+`").textContent`))
}

// refreshes is how many times the app has renewed its access token since it logged in.
func (b *tab) refreshes() int {
	b.t.Helper()
	return eval[int](b, `Number(document.getElementById("token-status").dataset.refreshes)`)
}

// login submits the login form.
func (b *tab) login(email, pw string) {
	b.t.Helper()
	b.fill("email", email)
	b.fill("password", pw)
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`))); err != nil {
		b.t.Fatal(err)
	}
}

// loginAs logs in and waits for the account view.
func (b *tab) loginAs(email string) {
	b.t.Helper()
	b.loginWith(email, password)
}

// loginWith logs in with a password and waits for the account view.
func (b *tab) loginWith(email, pw string) {
	b.t.Helper()
	b.login(email, pw)
	b.waitView("account", 10*time.Second)
	if got := b.text("user-email"); got != email {
		b.t.Fatalf("account shows %q, want %q", got, email)
	}
}

// shot saves a screenshot as docs/screenshots/spa-<name>.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, "spa-"+name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// refreshCookies are the browser's cookies for authgate's token paths, read through DevTools:
// the page's scripts cannot see them.
func (b *tab) refreshCookies(api string) map[string]*network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{
		URLs: []string{api + "/api/token/refresh/", api + "/logout_token/", api + "/"}})
	if err != nil {
		b.t.Fatal(err)
	}
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		if c.Name == cookieName {
			out[c.Path] = c
		}
	}
	return out
}

// scriptView is everything the page's scripts can read where tokens are usually kept.
func (b *tab) scriptView() string {
	b.t.Helper()
	return eval[string](b, `JSON.stringify({cookie: document.cookie,
		local: Object.entries(localStorage), session: Object.entries(sessionStorage)})`)
}

// requests counts the requests authgate logged with a method, and a route and status when they
// are not empty or zero.
func requests(e *authtest.Env, method, route string, status int) int {
	n := 0
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		var l struct {
			Msg, Method, Route string
			Status             int
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "request" || l.Method != method {
			continue
		}
		if (route == "" || l.Route == route) && (status == 0 || l.Status == status) {
			n++
		}
	}
	return n
}

func tokenType(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Type string `json:"token_type"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Type
}

func TestSPA(t *testing.T) {
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t, 2*time.Minute)

	t.Run("cookie mode", func(t *testing.T) {
		s := newSite(t, modeCookie, nil)
		s.e.CreateUser("ada@example.com", password)
		b := newTab(t, browser)
		defer b.cleanConsole()

		if v := b.open(s.appURL); v != "login" {
			t.Fatalf("first visit shows %q", v)
		}
		if n, e := b.text("notice"), b.text("error"); n != "" || e != "" {
			t.Errorf("first visit says %q / %q", n, e)
		}
		if got := b.text("mode"); !strings.Contains(got, "HttpOnly cookie") {
			t.Errorf("mode label %q", got)
		}
		b.shot("login")
		b.loginAs("ada@example.com")
		b.shot("account")

		// The refresh token is in an HttpOnly, SameSite=Strict cookie on the token paths, and
		// nowhere a script can read.
		cookies := b.refreshCookies(s.e.URL)
		if len(cookies) != 2 || cookies["/api/token"] == nil || cookies["/logout_token"] == nil {
			t.Fatalf("refresh cookies %v", cookies)
		}
		first := cookies["/api/token"].Value
		for path, c := range cookies {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Value != first {
				t.Errorf("cookie on %s: httpOnly %v sameSite %q", path, c.HTTPOnly, c.SameSite)
			}
		}
		if tokenType(t, first) != "refresh" {
			t.Fatal("the cookie does not hold the refresh token")
		}
		checkHidden := func(refresh string) {
			t.Helper()
			v := b.scriptView()
			if strings.Contains(v, refresh) || strings.Contains(v, "eyJ") {
				t.Errorf("a token is readable from JavaScript: %s", v)
			}
			if eval[string](b, `document.cookie`) != "" {
				t.Errorf("document.cookie %q", eval[string](b, `document.cookie`))
			}
		}
		checkHidden(first)

		// The app renews the 3-second access token on its own, before it expires: reloading the
		// profile all along, across several lifetimes, never meets a 401.
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
			eval[chromedp.Void](b, `document.getElementById("reload").click()`) // runs the handler's start now
			b.waitFor(`!document.getElementById("reload").disabled && document.getElementById("notice").textContent === "Profile reloaded."`, 5*time.Second)
			time.Sleep(150 * time.Millisecond)
		}
		if n := b.refreshes(); n < 3 {
			t.Errorf("%d renewals in 5 s of 3-second tokens", n)
		}
		if n := requests(s.e, "GET", "/api/me/", 401); n != 0 {
			t.Errorf("%d profile loads met an expired token: renewals come too late", n)
		}
		if b.view() != "account" {
			t.Fatalf("view %q after renewals", b.view())
		}
		rotated := b.refreshCookies(s.e.URL)["/api/token"]
		if rotated == nil || rotated.Value == first {
			t.Fatal("the refresh cookie was not rotated")
		}
		checkHidden(rotated.Value)

		// A 401 (here: the server's clock jumps past the access token) is answered by one renewal
		// and a retry. Jump only while the next scheduled renewal is over a second away.
		b.waitFor(`Number(document.getElementById("token-status").dataset.nextRefresh) - Date.now() > 1000`, 5*time.Second)
		before := b.refreshes()
		s.e.Clock.Advance(10 * time.Second)
		b.click("reload")
		b.waitFor(`document.getElementById("notice").textContent === "Profile reloaded."`, 5*time.Second)
		if got := b.refreshes(); got != before+1 {
			t.Errorf("renewals %d after a 401, want %d", got, before+1)
		}
		if n := requests(s.e, "GET", "/api/me/", 401); n != 1 {
			t.Errorf("authgate answered %d profile loads with 401, want the one", n)
		}

		// A new page load picks the session up from the cookie.
		if v := b.open(s.appURL); v != "account" {
			t.Fatalf("after a reload the app shows %q", v)
		}

		b.click("logout")
		b.waitView("login", 5*time.Second)
		if got := b.text("notice"); got != "You have logged out." {
			t.Errorf("notice %q", got)
		}
		if c := b.refreshCookies(s.e.URL); len(c) != 0 {
			t.Errorf("logout left cookies %v", c)
		}
		b.shot("logged-out")
		if v := b.open(s.appURL); v != "login" {
			t.Fatalf("after logout a reload shows %q", v)
		}
	})

	t.Run("log out everywhere ends the other browser's session", func(t *testing.T) {
		s := newSite(t, modeCookie, nil)
		s.e.CreateUser("grace@example.com", password)
		first, second := newTab(t, browser), newTab(t, browser)
		defer first.cleanConsole()
		defer second.cleanConsole()
		first.open(s.appURL)
		first.loginAs("grace@example.com")
		second.open(s.appURL)
		second.loginAs("grace@example.com")

		second.click("logout-all")
		second.waitView("login", 5*time.Second)
		if got := second.text("notice"); got != "You have logged out on every device." {
			t.Errorf("notice %q", got)
		}
		// The first browser learns at its next renewal (at most 1.5 s away).
		first.waitView("login", 10*time.Second)
		if got := first.text("notice"); got != sessionEnded {
			t.Errorf("first browser notice %q", got)
		}
		first.shot("session-ended")
		if v := first.open(s.appURL); v != "login" {
			t.Errorf("first browser restored a session: %q", v)
		}
	})

	t.Run("two-factor login", func(t *testing.T) {
		s := newSite(t, modeCookie, nil)
		u := s.e.CreateUser("hedy@example.com", password)
		u.TwoFactorEnabled = true
		if err := s.e.App.Service.UpdateUser(context.Background(), u, "", auth.Client{IP: "test"}); err != nil {
			t.Fatal(err)
		}
		b := newTab(t, browser)
		defer b.cleanConsole()
		b.open(s.appURL)
		b.login("hedy@example.com", password)
		b.waitView("code", 10*time.Second)
		if got := b.text("code-hint"); !strings.Contains(got, "hedy@example.com") {
			t.Errorf("code hint %q", got)
		}
		code := s.e.WaitCode("hedy@example.com")
		b.shot("code")

		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		b.fill("code", wrong)
		b.click("code-form-submit")
		b.waitFor(`document.getElementById("error").textContent === "The verification code is invalid."`, 5*time.Second)
		if b.view() != "code" {
			t.Fatalf("a wrong code left the code view: %q", b.view())
		}

		b.fill("code", code)
		b.click("code-form-submit")
		b.waitView("account", 10*time.Second)
		if got := b.text("user-2fa"); got != "On" {
			t.Errorf("two-factor shown as %q", got)
		}
		// The 2FA answer set the refresh cookie: a reload is still logged in.
		if c := b.refreshCookies(s.e.URL); len(c) != 2 {
			t.Fatalf("cookies after 2FA: %v", c)
		}
		if v := b.open(s.appURL); v != "account" {
			t.Fatalf("after a reload the app shows %q", v)
		}
	})

	t.Run("localStorage mode", func(t *testing.T) {
		s := newSite(t, modeLocalStorage, nil)
		s.e.CreateUser("alan@example.com", password)
		b := newTab(t, browser)
		defer b.cleanConsole()
		if v := b.open(s.appURL); v != "login" {
			t.Fatalf("first visit shows %q", v)
		}
		b.loginAs("alan@example.com")
		// The tutorial's way: both tokens are in localStorage, where any script can read them.
		stored := eval[string](b, `localStorage.getItem("authgate.refresh") ?? ""`)
		if tokenType(t, stored) != "refresh" {
			t.Fatalf("localStorage refresh token %q", stored)
		}
		if c := b.refreshCookies(s.e.URL); len(c) != 0 {
			t.Errorf("cookies in localStorage mode: %v", c)
		}
		b.waitFor(`Number(document.getElementById("token-status").dataset.refreshes) >= 2`, 10*time.Second)
		if eval[string](b, `localStorage.getItem("authgate.refresh")`) == stored {
			t.Error("the stored refresh token was not rotated")
		}
		b.shot("account-localstorage")
		if v := b.open(s.appURL); v != "account" {
			t.Fatalf("after a reload the app shows %q", v)
		}
		b.click("logout")
		b.waitView("login", 5*time.Second)
		if got := eval[int](b, `localStorage.length`); got != 0 {
			t.Errorf("logout left %d items in localStorage", got)
		}

		// authgate's default AUTHGATE_SIGNUP=closed: the sign-up screen says so.
		b.clickOn("#to-signup")
		b.waitView("signup", 5*time.Second)
		b.fill("signup-email", "new@example.com")
		b.fill("signup-password", password)
		b.fill("signup-re-password", password)
		b.submit("signup-form")
		b.waitText("error", "This authgate does not take sign-ups (AUTHGATE_SIGNUP=closed).")
	})

	t.Run("an origin that is not listed is refused by the browser", func(t *testing.T) {
		s := newSite(t, modeCookie, nil)
		s.e.CreateUser("eve@example.com", password)
		other := listen(t) // same host, another port: another origin, not in the list
		serveApp(t, other, s.e.URL, modeCookie)
		b := newTab(t, browser)
		b.open("http://" + other.Addr().String())
		b.waitFor(`document.getElementById("error").textContent.startsWith("Cannot reach authgate")`, 5*time.Second)
		b.login("eve@example.com", password)
		b.waitFor(`document.getElementById("error").textContent.startsWith("Cannot reach authgate")`, 5*time.Second)
		if b.view() != "login" {
			t.Fatalf("view %q", b.view())
		}
		b.shot("cors-refused")
		if !b.consoleHas("CORS policy") {
			t.Error("the browser did not report a CORS refusal")
		}
		// The browser stopped at the preflight: the login itself never reached authgate.
		preflights := requests(s.e, "OPTIONS", "", 403)
		posts := requests(s.e, "POST", "", 0)
		if preflights < 2 || posts != 0 {
			t.Errorf("authgate saw %d refused preflights and %d POSTs; want ≥ 2 and 0", preflights, posts)
		}
	})
}
