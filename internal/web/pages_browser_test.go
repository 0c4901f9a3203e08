package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/browsertest"
)

// TestAccountPagesInBrowser follows mailed links to authgate's own pages in Chromium: the page
// loads its stylesheet under its CSP, opening it changes nothing, and its form does the job.
func TestAccountPagesInBrowser(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, accountsOpen)
	browser := browsertest.Start(t, 800, 900, time.Minute)
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	do := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	submit := func() {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("button[type=submit]"))); err != nil {
			t.Fatalf("submit: %v", err)
		}
	}
	open := func(path string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(e.URL+path)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}

	id := djSignUp(t, e, "page@example.com", pw).Str("id")
	act, _ := mailedLink(t, e, "page@example.com", subjectActivation)
	open(act.Path + act.UID + "/" + act.Token + "/")
	styled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.styleSheets.length === 1 && document.styleSheets[0].cssRules.length > 10`))
	if h1 := text("h1"); h1 != "Activate your account" || err != nil || !styled {
		t.Fatalf("activation page: heading %q, stylesheet applied %v (%v)", h1, styled, err)
	}
	wantBody(t, "login after opening the page", login(e, "page@example.com", pw), 401, bodyNoAccount)
	submit()
	if h1 := text("h1"); h1 != "Your account is active" {
		t.Fatalf("after the button: %q", h1)
	}
	wantTokens(t, e, "login after the button", login(e, "page@example.com", pw), id)
	nextMail(t, e, "page@example.com", subjectActivated)

	wantNoContent(t, "reset", e.Post("/auth/users/reset_password/", map[string]string{"email": "page@example.com"}))
	reset, _ := mailedLink(t, e, "page@example.com", subjectReset)
	open(reset.Path + reset.UID + "/" + reset.Token + "/")
	do("type", chromedp.SendKeys(chromedp.ID("id_new_password"), "12345678"))
	do("type again", chromedp.SendKeys(chromedp.ID("id_re_new_password"), "12345678"))
	submit()
	if note := text("#err_new_password"); !strings.Contains(note, "This password is too common.") || !strings.Contains(note, "This password is entirely numeric.") {
		t.Fatalf("a weak password on the page: %q", note)
	}
	const newPw = "a page-set passphrase 42"
	do("type", chromedp.SendKeys(chromedp.ID("id_new_password"), newPw))
	do("type again", chromedp.SendKeys(chromedp.ID("id_re_new_password"), newPw))
	submit()
	if h1 := text("h1"); h1 != "Password changed" {
		t.Fatalf("after the reset: %q", h1)
	}
	nextMail(t, e, "page@example.com", subjectPwChanged)
	wantTokens(t, e, "login with the page's password", login(e, "page@example.com", newPw), id)
}
