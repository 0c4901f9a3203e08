package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginFormNeedsCSRFToken(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	creds := url.Values{"email": {staffEmail}, "password": {password}}

	t.Run("no token", func(t *testing.T) {
		a := newAgent(t, e)
		a.get("/admin/login/")
		p := a.post("/admin/login/", creds)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "CSRF verification failed") {
			t.Fatalf("%d\n%s", p.Status, p.Body)
		}
	})
	t.Run("token without its cookie", func(t *testing.T) {
		a := newAgent(t, e)
		tok := csrfToken(t, a.get("/admin/login/").Body)
		b := newAgent(t, e) // another browser: no pre-session cookie
		form := url.Values{"csrfmiddlewaretoken": {tok}, "email": creds["email"], "password": creds["password"]}
		if p := b.post("/admin/login/", form); p.Status != http.StatusForbidden {
			t.Fatalf("%d", p.Status)
		}
	})
	t.Run("token of another browser's cookie", func(t *testing.T) {
		a, b := newAgent(t, e), newAgent(t, e)
		tok := csrfToken(t, a.get("/admin/login/").Body)
		b.get("/admin/login/")
		form := url.Values{"csrfmiddlewaretoken": {tok}, "email": creds["email"], "password": creds["password"]}
		if p := b.post("/admin/login/", form); p.Status != http.StatusForbidden {
			t.Fatalf("%d", p.Status)
		}
		if b.cookie("authgate_admin_session") != nil {
			t.Fatal("logged in despite the CSRF failure")
		}
	})
	t.Run("tokens are masked afresh on every page", func(t *testing.T) {
		a := newAgent(t, e)
		t1 := csrfToken(t, a.get("/admin/login/").Body)
		t2 := csrfToken(t, a.get("/admin/login/").Body)
		if t1 == t2 {
			t.Fatal("the same token twice: not masked")
		}
		p := a.post("/admin/login/", url.Values{"csrfmiddlewaretoken": {t1}, "email": creds["email"], "password": creds["password"]})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("an older token of the same cookie: %d", p.Status)
		}
	})
}

func TestActionsNeedSessionCSRFToken(t *testing.T) {
	t.Parallel()
	e, _, _, u := env(t)
	refresh, _ := e.Login(userEmail, password)
	a := newAgent(t, e)
	a.login(staffEmail, password)
	action := "/admin/users/" + u.ID + "/logout-all/"

	other := newAgent(t, e)
	other.login(superEmail, password)
	otherToken := csrfToken(t, other.get("/admin/").Body)
	loginToken := csrfToken(t, newAgent(t, e).get("/admin/login/").Body)

	for name, form := range map[string]url.Values{
		"no token":                       {},
		"empty token":                    {"csrfmiddlewaretoken": {""}},
		"garbage":                        {"csrfmiddlewaretoken": {"not-a-token"}},
		"another session's token":        {"csrfmiddlewaretoken": {otherToken}},
		"a login form's token":           {"csrfmiddlewaretoken": {loginToken}},
		"token in the query, not posted": {},
	} {
		path := action
		if name == "token in the query, not posted" {
			path += "?csrfmiddlewaretoken=" + url.QueryEscape(otherToken)
		}
		p := a.post(path, form)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "CSRF verification failed. Request aborted.") {
			t.Errorf("%s: %d", name, p.Status)
		}
	}
	if st, detail := refreshStatus(e, refresh); st != http.StatusOK {
		t.Fatalf("a refused POST logged the user out: %d %s", st, detail)
	}
	// The same action with the token goes through.
	if p := a.submit("/admin/users/"+u.ID+"/", action, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("with token: %d %s", p.Status, errorText(p.Body))
	}
}
