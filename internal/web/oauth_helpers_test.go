package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/authgate/authgate/internal/authtest"
)

// frontend is the page sign-ins return to (AUTHGATE_OIDC_REDIRECT_URLS); nothing listens there:
// the test's browser stops at it and reads the fragment.
const frontend = "http://app.example.test/login"

// idp is a real OpenID Connect provider (mockoidc) started in-process, with hooks that make it
// misbehave the way an attacker or a broken provider would.
type idp struct {
	*mockoidc.MockOIDC
	mu sync.Mutex
	// nonce, when set, replaces the nonce of the next authorization request.
	nonce string
	// tamper, when set, rewrites the next ID token's claims and says which key signs it.
	tamper func(claims jwt.MapClaims) *mockoidc.Keypair
	// lastNonce is the nonce of the last authorization request as it arrived.
	lastNonce string
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{MockOIDC: m}
	if err := m.AddMiddleware(p.middleware); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

func (p *idp) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		nonce, tamper := p.nonce, p.tamper
		p.mu.Unlock()
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			q := r.URL.Query()
			p.mu.Lock()
			p.lastNonce = q.Get("nonce")
			if nonce != "" {
				q.Set("nonce", nonce)
				r.URL.RawQuery = q.Encode()
				p.nonce = ""
			}
			p.mu.Unlock()
		case mockoidc.TokenEndpoint:
			if tamper == nil {
				break
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["id_token"] == nil {
				break
			}
			claims := jwt.MapClaims{}
			if _, _, err := jwt.NewParser().ParseUnverified(body["id_token"].(string), claims); err != nil {
				panic(err)
			}
			key := tamper(claims)
			signed, err := key.SignJWT(claims)
			if err != nil {
				panic(err)
			}
			body["id_token"] = signed
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p *idp) set(f func(p *idp)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// user queues who signs in at the provider next.
func (p *idp) user(sub, email string, verified bool) {
	p.QueueUser(&mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: verified, PreferredUsername: sub})
}

// ghUser is an account of the GitHub-shaped server.
type ghUser struct {
	ID     int64
	Login  string
	Name   string
	Emails []ghEmail
}

type ghEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// github is a small OAuth 2.0 server shaped like GitHub's: /login/oauth/authorize and
// /login/oauth/access_token (with PKCE), and the REST API's /user and /user/emails.
type github struct {
	*httptest.Server
	clientID, secret string
	mu               sync.Mutex
	next             ghUser
	codes            map[string]ghGrant
	tokens           map[string]ghUser
	n                int
}

type ghGrant struct {
	user      ghUser
	challenge string
	redirect  string
}

func startGitHub(t *testing.T) *github {
	g := &github{clientID: "gh-client", secret: "gh-secret-0123456789", codes: map[string]ghGrant{}, tokens: map[string]ghUser{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", g.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", g.token)
	mux.HandleFunc("GET /api/user", g.api(func(u ghUser) any {
		return map[string]any{"id": u.ID, "login": u.Login, "name": u.Name, "email": nil}
	}))
	mux.HandleFunc("GET /api/user/emails", g.api(func(u ghUser) any { return u.Emails }))
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func (g *github) queue(u ghUser) {
	g.mu.Lock()
	g.next = u
	g.mu.Unlock()
}

func (g *github) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != g.clientID || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.n++
	code := "ghcode" + strconv.Itoa(g.n)
	g.codes[code] = ghGrant{user: g.next, challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	g.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	to.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (g *github) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	g.mu.Lock()
	grant, found := g.codes[r.PostForm.Get("code")]
	delete(g.codes, r.PostForm.Get("code"))
	g.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	w.Header().Set("Content-Type", "application/json")
	if id != g.clientID || secret != g.secret || !found || grant.redirect != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != grant.challenge {
		// GitHub answers a bad code with 200 and an error body; oauth2 reads it as an error.
		_, _ = w.Write([]byte(`{"error":"bad_verification_code"}`))
		return
	}
	g.mu.Lock()
	g.n++
	tok := "gho_" + strconv.Itoa(g.n)
	g.tokens[tok] = grant.user
	g.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "bearer", "scope": "read:user,user:email"})
}

func (g *github) api(body func(ghUser) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		g.mu.Lock()
		u, ok := g.tokens[tok]
		g.mu.Unlock()
		if !ok {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body(u))
	}
}

// socialEnv starts authgate with the mock provider "mock" and the GitHub preset "github".
func socialEnv(t *testing.T, b authtest.Backend, p *idp, g *github, vars map[string]string) *authtest.Env {
	t.Helper()
	base := map[string]string{
		"AUTHGATE_OIDC_PROVIDERS":            "mock,github",
		"AUTHGATE_OIDC_REDIRECT_URLS":        frontend + ",http://app.example.test/account",
		"AUTHGATE_OIDC_MOCK_ISSUER":          p.Issuer(),
		"AUTHGATE_OIDC_MOCK_CLIENT_ID":       p.ClientID,
		"AUTHGATE_OIDC_MOCK_CLIENT_SECRET":   p.ClientSecret,
		"AUTHGATE_OIDC_MOCK_LABEL":           "Mock ID",
		"AUTHGATE_OIDC_GITHUB_CLIENT_ID":     g.clientID,
		"AUTHGATE_OIDC_GITHUB_CLIENT_SECRET": g.secret,
		"AUTHGATE_OIDC_GITHUB_AUTH_URL":      g.URL + "/login/oauth/authorize",
		"AUTHGATE_OIDC_GITHUB_TOKEN_URL":     g.URL + "/login/oauth/access_token",
		"AUTHGATE_OIDC_GITHUB_API_URL":       g.URL + "/api",
		"AUTHGATE_SIGNUP":                    "open",
	}
	for k, v := range vars {
		base[k] = v
	}
	return authtest.Start(t, b, authtest.With(base))
}

// browser is a cookie-keeping HTTP client that follows redirects until the frontend.
type browser struct {
	t      *testing.T
	client *http.Client
	// startLocation is where the last start sent the browser (the provider's authorization request).
	startLocation string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.client = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) == 1 && strings.Contains(via[0].URL.Path, "/start") {
			b.startLocation = req.URL.String()
		}
		if req.URL.Host == "app.example.test" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// landing is where a sign-in ended: the status of the last answer, and the frontend's fragment
// when it got there.
type landing struct {
	status   int
	location string
	frag     url.Values
	body     string
}

// open navigates to rawURL and follows redirects to the frontend.
func (b *browser) open(rawURL string) landing {
	b.t.Helper()
	resp, err := b.client.Get(rawURL)
	if err != nil {
		b.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	l := landing{status: resp.StatusCode, location: resp.Header.Get("Location"), body: buf.String()}
	if u, err := url.Parse(l.location); err == nil && l.location != "" {
		l.frag, _ = url.ParseQuery(u.Fragment)
	}
	return l
}

// signIn runs a whole sign-in from the start URL.
func (b *browser) signIn(env *authtest.Env, provider string) landing {
	b.t.Helper()
	return b.open(env.URL + "/api/oauth/" + provider + "/start?" + url.Values{"redirect_to": {frontend}}.Encode())
}

// wantCode checks that the sign-in landed on the frontend with a one-time code and returns it.
func (l landing) wantCode(t *testing.T) string {
	t.Helper()
	if l.status != http.StatusFound || !strings.HasPrefix(l.location, frontend+"#") || l.frag.Get("oauth_code") == "" {
		t.Fatalf("sign-in ended with %d Location %q body %s; want the frontend with a code", l.status, l.location, l.body)
	}
	return l.frag.Get("oauth_code")
}

func (l landing) wantError(t *testing.T, reason string) {
	t.Helper()
	if l.status != http.StatusFound || l.frag.Get("oauth_error") != reason || l.frag.Get("oauth_code") != "" {
		t.Fatalf("sign-in ended with %d Location %q body %s; want oauth_error=%s", l.status, l.location, l.body, reason)
	}
}
