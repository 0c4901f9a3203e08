package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/authtest/idptest"
)

// exchange trades a one-time code at POST /api/oauth/token/.
func exchange(e *authtest.Env, code string) authtest.Response {
	return e.Post("/api/oauth/token/", map[string]string{"code": code})
}

// meEmail is the e-mail /api/me/ gives for an access token.
func meEmail(t *testing.T, e *authtest.Env, access string) string {
	t.Helper()
	r := e.Do(http.MethodGet, "/api/me/", nil, authtest.Bearer(access)...)
	if r.Status != 200 {
		t.Fatalf("/api/me/: %d %s", r.Status, r.Raw)
	}
	return r.Str("email")
}

func identitiesOf(t *testing.T, e *authtest.Env, email string) []auth.Identity {
	t.Helper()
	u, err := e.App.Service.UserByEmail(context.Background(), email)
	if err != nil {
		return nil
	}
	list, err := e.App.Service.Identities(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestOAuthSignIn: the OpenID Connect happy paths over real HTTP against mockoidc — a new user
// is made (active, verified, no usable password) and signs in again as the same user; a
// verified address links to the existing account; the pair works like a password login's.
func TestOAuthSignIn(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, map[string]string{"AUTHGATE_UPDATE_LAST_LOGIN": "true"})

		r := e.Do(http.MethodGet, "/api/oauth/providers/", nil)
		if r.Status != 200 || !strings.Contains(r.Raw, `"name":"mock","label":"Mock ID","start_url":"`+e.URL+`/api/oauth/mock/start"`) ||
			!strings.Contains(r.Raw, `"name":"github","label":"GitHub"`) {
			t.Fatalf("providers: %d %s", r.Status, r.Raw)
		}

		// A new user.
		p.User("sub-new", "New.Person@Example.com", true)
		br := newBrowser(t)
		l := br.signIn(e, "mock")
		start, _ := url.Parse(br.startLocation)
		if q := start.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" ||
			q.Get("state") == "" || q.Get("redirect_uri") != e.URL+"/api/oauth/mock/callback" {
			t.Fatalf("authorization request %s", br.startLocation)
		}
		code := l.wantCode(t)
		r = exchange(e, code)
		if r.Status != 200 || r.Str("refresh") == "" || r.Str("access") == "" {
			t.Fatalf("exchange: %d %s", r.Status, r.Raw)
		}
		if got := meEmail(t, e, r.Str("access")); got != "New.Person@example.com" {
			t.Errorf("signed in as %q", got)
		}
		u, err := e.App.Service.UserByEmail(context.Background(), "new.person@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !u.IsActive || u.VerifiedAt.IsZero() || auth.PasswordUsable(u) || u.LastLogin.IsZero() {
			t.Errorf("new user %+v", u)
		}
		ids := identitiesOf(t, e, u.Email)
		if len(ids) != 1 || ids[0].Provider != "mock" || ids[0].Subject != "sub-new" {
			t.Fatalf("identities %+v", ids)
		}
		wantEvent(t, e, u.ID, "user_signed_up", "oauth mock")
		wantEvent(t, e, u.ID, "identity_linked", "mock")
		wantEvent(t, e, u.ID, "login_ok", "oauth mock")
		// The refresh token rotates like any other.
		if rr := e.Post("/api/token/refresh/", map[string]string{"refresh": r.Str("refresh")}); rr.Status != 200 {
			t.Fatalf("refresh: %d %s", rr.Status, rr.Raw)
		}

		// The same subject again, under another address now: the same user, by subject.
		p.User("sub-new", "renamed@example.com", true)
		r = exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t))
		if r.Status != 200 || meEmail(t, e, r.Str("access")) != "New.Person@example.com" {
			t.Fatalf("second sign-in: %d %s", r.Status, r.Raw)
		}
		if ids := identitiesOf(t, e, u.Email); len(ids) != 1 || ids[0].Email != "renamed@example.com" || ids[0].LastUsedAt.IsZero() {
			t.Errorf("identity after the second sign-in %+v", ids)
		}

		// An existing account whose address is verified: linked.
		old := e.CreateUser("old@example.com", "correct horse battery")
		p.User("sub-old", "OLD@example.com", true)
		r = exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t))
		if r.Status != 200 || meEmail(t, e, r.Str("access")) != "old@example.com" {
			t.Fatalf("linking sign-in: %d %s", r.Status, r.Raw)
		}
		if ids := identitiesOf(t, e, old.Email); len(ids) != 1 || ids[0].UserID != old.ID {
			t.Errorf("identities of the existing user %+v", ids)
		}
		// Its password still works.
		e.Login("old@example.com", "correct horse battery")
	})
}

// TestOAuthRefusals: what must not sign anybody in.
func TestOAuthRefusals(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, nil)

		t.Run("redirect_to not listed", func(t *testing.T) {
			for _, to := range []string{"", "https://evil.example/", frontend + "/x", frontend + "?a=1", "http://app.example.test/login.evil.example",
				"//evil.example/login", "http://APP.example.test/login"} {
				l := newBrowser(t).open(e.URL + "/api/oauth/mock/start?" + url.Values{"redirect_to": {to}}.Encode())
				if l.status != http.StatusBadRequest || l.location != "" || !strings.Contains(l.body, `"redirect_to"`) {
					t.Errorf("redirect_to %q: %d %q %s", to, l.status, l.location, l.body)
				}
			}
			if l := newBrowser(t).open(e.URL + "/api/oauth/nosuch/start?" + url.Values{"redirect_to": {frontend}}.Encode()); l.status != 404 {
				t.Errorf("unknown provider: %d", l.status)
			}
		})

		t.Run("state mismatch", func(t *testing.T) {
			br := newBrowser(t)
			br.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			l := br.open(e.URL + "/api/oauth/mock/start?" + url.Values{"redirect_to": {frontend}}.Encode())
			if l.status != http.StatusFound {
				t.Fatalf("start: %d %s", l.status, l.body)
			}
			p.User("sub-state", "state@example.com", true)
			at := br.open(l.location) // the provider sends the browser to the callback
			cb, _ := url.Parse(at.location)
			q := cb.Query()
			state := q.Get("state")
			// A state that is not this sign-in's.
			q.Set("state", state+"x")
			cb.RawQuery = q.Encode()
			if got := br.open(cb.String()); got.status != http.StatusBadRequest || !strings.Contains(got.body, "oauth_state_invalid") {
				t.Fatalf("forged state: %d %s", got.status, got.body)
			}
			// Then in the right browser it works, once.
			q.Set("state", state)
			cb.RawQuery = q.Encode()
			br.open(cb.String()).wantCode(t)
			if again := br.open(cb.String()); again.status != http.StatusBadRequest {
				t.Fatalf("the callback replayed: %d %s", again.status, again.body)
			}
			// The right state from another browser (no binding cookie) is refused: a callback
			// URL leaked to an attacker is worth nothing, nor spoils the sign-in in progress.
			br2 := newBrowser(t)
			br2.client.CheckRedirect = br.client.CheckRedirect
			l = br2.open(e.URL + "/api/oauth/mock/start?" + url.Values{"redirect_to": {frontend}}.Encode())
			p.User("sub-state2", "state2@example.com", true)
			cb2 := br2.open(l.location).location
			if got := newBrowser(t).open(cb2); got.status != http.StatusBadRequest || !strings.Contains(got.body, "oauth_state_invalid") {
				t.Fatalf("another browser: %d %s", got.status, got.body)
			}
			br2.open(cb2).wantCode(t)
			if _, err := e.App.Service.UserByEmail(context.Background(), "state@example.com"); err != nil {
				t.Fatalf("the sign-in in the right browser: %v", err)
			}
		})

		t.Run("nonce replay", func(t *testing.T) {
			br := newBrowser(t)
			p.User("sub-nonce", "nonce@example.com", true)
			br.signIn(e, "mock").wantCode(t)
			var old string
			p.Set(func(p *idptest.IDP) { old = p.LastNonce })
			// The provider's ID token carries an earlier sign-in's nonce: a replayed token.
			p.Set(func(p *idptest.IDP) { p.Nonce = old })
			p.User("sub-nonce", "nonce@example.com", true)
			br.signIn(e, "mock").wantError(t, "provider_refused")
		})

		refused := func(name string, tamper func(p *idptest.IDP, c jwt.MapClaims) *mockoidc.Keypair) {
			t.Run(name, func(t *testing.T) {
				p.Set(func(q *idptest.IDP) { q.Tamper = func(c jwt.MapClaims) *mockoidc.Keypair { return tamper(p, c) } })
				defer p.Set(func(q *idptest.IDP) { q.Tamper = nil })
				sub := "sub-" + strings.ReplaceAll(name, " ", "-")
				p.User(sub, sub+"@example.com", true)
				newBrowser(t).signIn(e, "mock").wantError(t, "provider_refused")
				if _, err := e.App.Service.UserByEmail(context.Background(), sub+"@example.com"); err == nil {
					t.Fatal("a user was made")
				}
			})
		}
		refused("token signed by another key", func(p *idptest.IDP, c jwt.MapClaims) *mockoidc.Keypair {
			other, err := mockoidc.RandomKeypair(2048)
			if err != nil {
				panic(err)
			}
			other.Kid, _ = p.Keypair.KeyID() // the same key id, another key
			return other
		})
		refused("wrong audience", func(p *idptest.IDP, c jwt.MapClaims) *mockoidc.Keypair {
			c["aud"] = []string{"another-client"}
			return p.Keypair
		})
		refused("wrong issuer", func(p *idptest.IDP, c jwt.MapClaims) *mockoidc.Keypair {
			c["iss"] = "https://evil.example/oidc"
			return p.Keypair
		})
		refused("expired ID token", func(p *idptest.IDP, c jwt.MapClaims) *mockoidc.Keypair {
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-time.Minute).Unix()
			return p.Keypair
		})

		t.Run("unverified e-mail never links", func(t *testing.T) {
			owner := e.CreateUser("owner@example.com", "correct horse battery")
			p.User("sub-attacker", "owner@example.com", false)
			newBrowser(t).signIn(e, "mock").wantError(t, "email_unverified")
			if ids := identitiesOf(t, e, owner.Email); len(ids) != 0 {
				t.Fatalf("linked: %+v", ids)
			}
			wantEvent(t, e, "", "oauth_login_refused", "mock: email_unverified")
		})

		t.Run("e-mail collision with an unverified account", func(t *testing.T) {
			// Someone signed up with the address and never proved it: the provider's verified
			// sign-in must not take that account over, nor make a second one.
			if r := e.Post("/auth/users/", map[string]string{"email": "squat@example.com", "password": "correct horse battery 9", "re_password": "correct horse battery 9"}); r.Status != 201 {
				t.Fatalf("sign-up: %d %s", r.Status, r.Raw)
			}
			p.User("sub-real-owner", "squat@example.com", true)
			newBrowser(t).signIn(e, "mock").wantError(t, "email_in_use")
			if ids := identitiesOf(t, e, "squat@example.com"); len(ids) != 0 {
				t.Fatalf("linked: %+v", ids)
			}
		})

		t.Run("the one-time code works once", func(t *testing.T) {
			p.User("sub-twice", "twice@example.com", true)
			code := newBrowser(t).signIn(e, "mock").wantCode(t)
			if r := exchange(e, code); r.Status != 200 {
				t.Fatalf("first exchange: %d %s", r.Status, r.Raw)
			}
			r := exchange(e, code)
			if r.Status != 401 || r.Str("code") != "oauth_code_invalid" || r.Str("access") != "" {
				t.Fatalf("second exchange: %d %s", r.Status, r.Raw)
			}
			if r := exchange(e, "made-up"); r.Status != 401 {
				t.Fatalf("a made-up code: %d %s", r.Status, r.Raw)
			}
			if r := e.Post("/api/oauth/token/", map[string]string{}); r.Status != 400 || !strings.Contains(r.Raw, `"code"`) {
				t.Fatalf("no code: %d %s", r.Status, r.Raw)
			}
		})

		t.Run("the one-time code expires", func(t *testing.T) {
			p.User("sub-late", "late@example.com", true)
			code := newBrowser(t).signIn(e, "mock").wantCode(t)
			e.Clock.Advance(auth.LoginCodeTTL + time.Second)
			if r := exchange(e, code); r.Status != 401 {
				t.Fatalf("a late exchange: %d %s", r.Status, r.Raw)
			}
		})

		t.Run("the user says no at the provider", func(t *testing.T) {
			br := newBrowser(t)
			br.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			l := br.open(e.URL + "/api/oauth/mock/start?" + url.Values{"redirect_to": {frontend}}.Encode())
			authz, _ := url.Parse(l.location)
			// What a provider sends back when the user declines (RFC 6749 4.1.2.1).
			back := e.URL + "/api/oauth/mock/callback?" + url.Values{"state": {authz.Query().Get("state")}, "error": {"access_denied"}}.Encode()
			br.open(back).wantError(t, "access_denied")
		})
	})
}

// TestOAuthStartThrottled: every start stores a record, so starts are throttled per client
// address at the login rate.
func TestOAuthStartThrottled(t *testing.T) {
	p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
	e := socialEnv(t, authtest.SQLite, p, g, map[string]string{"AUTHGATE_THROTTLE_LOGIN": "2/min"})
	start := e.URL + "/api/oauth/mock/start?" + url.Values{"redirect_to": {frontend}}.Encode()
	br := newBrowser(t)
	br.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for i := range 3 {
		l := br.open(start)
		if want := []int{302, 302, 429}[i]; l.status != want {
			t.Fatalf("start %d: %d %s, want %d", i+1, l.status, l.body, want)
		}
	}
}

// TestOAuthSignupClosed: an unknown identity makes no account when sign-up is closed.
func TestOAuthSignupClosed(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, map[string]string{"AUTHGATE_SIGNUP": "closed"})
		p.User("sub-closed", "closed@example.com", true)
		newBrowser(t).signIn(e, "mock").wantError(t, "signup_closed")
		// An existing verified account still links and signs in.
		e.CreateUser("member@example.com", "correct horse battery")
		p.User("sub-member", "member@example.com", true)
		if r := exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t)); r.Status != 200 {
			t.Fatalf("exchange: %d %s", r.Status, r.Raw)
		}
	})
}

// TestOAuthTwoFactor: a user with a second factor gets the same challenge as /api/token/ gives,
// not tokens, and finishes it the same way.
func TestOAuthTwoFactor(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, nil)
		u := e.CreateUser("two@example.com", "correct horse battery")
		if err := e.App.Service.SetTwoFactor(context.Background(), u, true, "", auth.Client{IP: "admin"}); err != nil {
			t.Fatal(err)
		}
		nextMail(t, e, "two@example.com", subject2FAOn)
		p.User("sub-two", "two@example.com", true)
		r := exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t))
		if r.Status != 200 || r.JSON["two_factor_required"] != true || r.Str("challenge") == "" || r.Str("access") != "" {
			t.Fatalf("exchange: %d %s", r.Status, r.Raw)
		}
		code := mailedCode(t, e, "two@example.com")
		f := e.Post("/api/token/2fa/", map[string]string{"challenge": r.Str("challenge"), "code": code})
		if f.Status != 200 || f.Str("access") == "" {
			t.Fatalf("2fa: %d %s", f.Status, f.Raw)
		}
	})
}

// TestOAuthCookieMode: in cookie mode the exchange sets the refresh cookie as /api/token/ does.
func TestOAuthCookieMode(t *testing.T) {
	p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
	e := socialEnv(t, authtest.SQLite, p, g, map[string]string{"AUTHGATE_REFRESH_COOKIE": "true", "AUTHGATE_REFRESH_COOKIE_SECURE": "false"})
	p.User("sub-cookie", "cookie@example.com", true)
	r := exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t))
	if r.Status != 200 || r.Str("access") == "" || r.Str("refresh") != "" || !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), "authgate_refresh=") {
		t.Fatalf("exchange in cookie mode: %d %s %v", r.Status, r.Raw, r.Header.Values("Set-Cookie"))
	}
}

// TestOAuthGitHub: the GitHub preset against a GitHub-shaped server — the subject is the account
// id, the address the verified primary one; an account with no verified address is refused.
func TestOAuthGitHub(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, nil)
		g.Queue(idptest.GitHubUser{ID: 4242, Login: "octo", Name: "Octo Cat", Emails: []idptest.GitHubEmail{
			{Email: "octo@users.noreply.github.com", Primary: false, Verified: true}, {Email: "octo@example.com", Primary: true, Verified: true}}})
		br := newBrowser(t)
		r := exchange(e, br.signIn(e, "github").wantCode(t))
		if r.Status != 200 || meEmail(t, e, r.Str("access")) != "octo@example.com" {
			t.Fatalf("exchange: %d %s", r.Status, r.Raw)
		}
		if q, _ := url.Parse(br.startLocation); q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("nonce") != "" {
			t.Errorf("GitHub authorization request %s", br.startLocation)
		}
		ids := identitiesOf(t, e, "octo@example.com")
		if len(ids) != 1 || ids[0].Provider != "github" || ids[0].Subject != "4242" {
			t.Fatalf("identities %+v", ids)
		}
		u, _ := e.App.Service.UserByEmail(context.Background(), "octo@example.com")
		if u.FirstName != "Octo" || u.LastName != "Cat" {
			t.Errorf("names %q %q", u.FirstName, u.LastName)
		}
		// Renamed login, same id: the same user.
		g.Queue(idptest.GitHubUser{ID: 4242, Login: "octo2", Emails: []idptest.GitHubEmail{{Email: "octo@example.com", Primary: true, Verified: true}}})
		if r := exchange(e, newBrowser(t).signIn(e, "github").wantCode(t)); r.Status != 200 || meEmail(t, e, r.Str("access")) != "octo@example.com" {
			t.Fatalf("second sign-in: %d %s", r.Status, r.Raw)
		}
		// Only unverified addresses, one of them an existing account's.
		e.CreateUser("victim@example.com", "correct horse battery")
		g.Queue(idptest.GitHubUser{ID: 666, Login: "mallory", Emails: []idptest.GitHubEmail{{Email: "victim@example.com", Primary: true, Verified: false}}})
		newBrowser(t).signIn(e, "github").wantError(t, "email_unverified")
		if ids := identitiesOf(t, e, "victim@example.com"); len(ids) != 0 {
			t.Fatalf("linked: %+v", ids)
		}
	})
}

// TestIdentitiesLinkUnlink: a logged-in user links a provider through a link intent, lists and
// unlinks identities; the last way to log in is never removed; an identity linked to another
// account is not moved.
func TestIdentitiesLinkUnlink(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, nil)
		u := e.CreateUser("linker@example.com", "correct horse battery")
		_, access := e.Login("linker@example.com", "correct horse battery")
		bearer := authtest.Bearer(access)

		if r := e.Post("/api/identities/mock/link/", map[string]string{"redirect_to": "https://evil.example/"}, bearer...); r.Status != 400 {
			t.Fatalf("link to an unlisted page: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/identities/mock/link/", map[string]string{"redirect_to": frontend}); r.Status != 401 {
			t.Fatalf("link without a token: %d %s", r.Status, r.Raw)
		}
		r := e.Post("/api/identities/mock/link/", map[string]string{"redirect_to": "http://app.example.test/account"}, bearer...)
		if r.Status != 200 || !strings.HasPrefix(r.Str("location"), e.URL+"/api/oauth/mock/start?link=") {
			t.Fatalf("link: %d %s", r.Status, r.Raw)
		}
		// A different address at the provider, unverified even: the user proved both accounts.
		p.User("sub-linked", "elsewhere@example.org", false)
		l := newBrowser(t).open(r.Str("location"))
		if l.status != http.StatusFound || !strings.HasPrefix(l.location, "http://app.example.test/account#") || l.frag.Get("oauth_linked") != "mock" {
			t.Fatalf("link landed %d %q %s", l.status, l.location, l.body)
		}
		if again := newBrowser(t).open(r.Str("location")); again.status != http.StatusBadRequest || !strings.Contains(again.body, "link_invalid") {
			t.Fatalf("the link intent reused: %d %s", again.status, again.body)
		}
		wantEvent(t, e, u.ID, "identity_linked", "mock")
		list := e.Do(http.MethodGet, "/api/identities/", nil, bearer...)
		if list.Status != 200 || !strings.Contains(list.Raw, `"provider":"mock","email":"elsewhere@example.org"`) {
			t.Fatalf("identities: %d %s", list.Status, list.Raw)
		}
		// Signing in with the provider now is signing in as the user.
		p.User("sub-linked", "elsewhere@example.org", false)
		if x := exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t)); x.Status != 200 || meEmail(t, e, x.Str("access")) != "linker@example.com" {
			t.Fatalf("sign-in with the linked identity: %d %s", x.Status, x.Raw)
		}
		// The user has a password: the identity may go.
		ids := identitiesOf(t, e, u.Email)
		if d := e.Do(http.MethodDelete, "/api/identities/"+ids[0].ID+"/", nil, bearer...); d.Status != 204 {
			t.Fatalf("unlink: %d %s", d.Status, d.Raw)
		}
		if d := e.Do(http.MethodDelete, "/api/identities/"+ids[0].ID+"/", nil, bearer...); d.Status != 404 {
			t.Fatalf("unlink again: %d %s", d.Status, d.Raw)
		}
		wantEvent(t, e, u.ID, "identity_unlinked", "mock")

		// A user made by a sign-in has no password: its only identity stays.
		p.User("sub-only", "only@example.com", true)
		x := exchange(e, newBrowser(t).signIn(e, "mock").wantCode(t))
		ob := authtest.Bearer(x.Str("access"))
		only := identitiesOf(t, e, "only@example.com")
		d := e.Do(http.MethodDelete, "/api/identities/"+only[0].ID+"/", nil, ob...)
		if d.Status != 400 || d.Str("code") != "last_login_method" {
			t.Fatalf("unlink the last way to log in: %d %s", d.Status, d.Raw)
		}
		// Another user's identity is not found, not deleted.
		if d := e.Do(http.MethodDelete, "/api/identities/"+only[0].ID+"/", nil, bearer...); d.Status != 404 {
			t.Fatalf("unlink another's: %d %s", d.Status, d.Raw)
		}
		// Link GitHub too; then the first may go, and GitHub is the last.
		lr := e.Post("/api/identities/github/link/", map[string]string{"redirect_to": frontend}, ob...)
		g.Queue(idptest.GitHubUser{ID: 7, Login: "only", Emails: []idptest.GitHubEmail{{Email: "only@example.com", Primary: true, Verified: true}}})
		if l := newBrowser(t).open(lr.Str("location")); l.frag.Get("oauth_linked") != "github" {
			t.Fatalf("link github: %d %q %s", l.status, l.location, l.body)
		}
		if d := e.Do(http.MethodDelete, "/api/identities/"+only[0].ID+"/", nil, ob...); d.Status != 204 {
			t.Fatalf("unlink with another left: %d %s", d.Status, d.Raw)
		}
		rest := identitiesOf(t, e, "only@example.com")
		if len(rest) != 1 || rest[0].Provider != "github" {
			t.Fatalf("left %+v", rest)
		}
		if d := e.Do(http.MethodDelete, "/api/identities/"+rest[0].ID+"/", nil, ob...); d.Status != 400 {
			t.Fatalf("unlink the last: %d %s", d.Status, d.Raw)
		}

		// GitHub account 7 is only@'s: linking it to linker@ is refused.
		lr = e.Post("/api/identities/github/link/", map[string]string{"redirect_to": frontend}, bearer...)
		g.Queue(idptest.GitHubUser{ID: 7, Login: "only", Emails: []idptest.GitHubEmail{{Email: "only@example.com", Primary: true, Verified: true}}})
		newBrowser(t).open(lr.Str("location")).wantError(t, "identity_in_use")
	})
}

// TestOAuthMicrosoftPreset: Entra ID's email claim carries no email_verified, so the microsoft
// preset trusts an address only when the tenant verified its domain (xms_edov); mockoidc stands
// in for the tenant (its issuer given instead of a tenant id).
func TestOAuthMicrosoftPreset(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		p, g := idptest.StartIDP(t), idptest.StartGitHub(t)
		e := socialEnv(t, b, p, g, map[string]string{
			"AUTHGATE_OIDC_PROVIDERS":           "mock,github,entra",
			"AUTHGATE_OIDC_ENTRA_PRESET":        "microsoft",
			"AUTHGATE_OIDC_ENTRA_ISSUER":        p.Issuer(),
			"AUTHGATE_OIDC_ENTRA_CLIENT_ID":     p.ClientID,
			"AUTHGATE_OIDC_ENTRA_CLIENT_SECRET": p.ClientSecret,
		})
		if r := e.Do(http.MethodGet, "/api/oauth/providers/", nil); !strings.Contains(r.Raw, `"name":"entra","label":"Microsoft"`) {
			t.Fatalf("providers: %s", r.Raw)
		}
		entra := func(edov any) {
			p.Set(func(q *idptest.IDP) {
				q.Tamper = func(c jwt.MapClaims) *mockoidc.Keypair {
					delete(c, "email_verified")
					if edov != nil {
						c["xms_edov"] = edov
					}
					return p.Keypair
				}
			})
		}
		defer p.Set(func(q *idptest.IDP) { q.Tamper = nil })
		e.CreateUser("employee@contoso.example", "correct horse battery")
		entra(nil)
		p.User("entra-1", "employee@contoso.example", true)
		newBrowser(t).signIn(e, "entra").wantError(t, "email_unverified")
		entra(false)
		p.User("entra-1", "employee@contoso.example", true)
		newBrowser(t).signIn(e, "entra").wantError(t, "email_unverified")
		entra("true") // Entra sends some booleans as strings
		p.User("entra-1", "employee@contoso.example", true)
		r := exchange(e, newBrowser(t).signIn(e, "entra").wantCode(t))
		if r.Status != 200 || meEmail(t, e, r.Str("access")) != "employee@contoso.example" {
			t.Fatalf("exchange: %d %s", r.Status, r.Raw)
		}
	})
}
