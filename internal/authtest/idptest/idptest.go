// Package idptest runs identity providers for tests of sign-in with external providers
// (issue #19): a real OpenID Connect provider (mockoidc) in-process, with hooks that make it
// misbehave as an attacker or a broken provider would, and a small OAuth 2.0 server shaped like
// GitHub's (authorize, access_token with PKCE, /user, /user/emails).
package idptest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// idp is a real OpenID Connect provider (mockoidc) started in-process, with hooks that make it
// misbehave the way an attacker or a broken provider would.
type IDP struct {
	*mockoidc.MockOIDC
	mu sync.Mutex
	// Nonce, when set, replaces the nonce of the next authorization request.
	Nonce string
	// Tamper, when set, rewrites the next ID token's claims and says which key signs it.
	Tamper func(claims jwt.MapClaims) *mockoidc.Keypair
	// LastNonce is the nonce of the last authorization request as it arrived.
	LastNonce string
}

func StartIDP(t testing.TB) *IDP {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &IDP{MockOIDC: m}
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

func (p *IDP) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		nonce, tamper := p.Nonce, p.Tamper
		p.mu.Unlock()
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			q := r.URL.Query()
			p.mu.Lock()
			p.LastNonce = q.Get("nonce")
			if nonce != "" {
				q.Set("nonce", nonce)
				r.URL.RawQuery = q.Encode()
				p.Nonce = ""
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

func (p *IDP) Set(f func(p *IDP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// User queues who signs in at the provider next.
func (p *IDP) User(sub, email string, verified bool) {
	p.QueueUser(&mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: verified, PreferredUsername: sub})
}

// GitHubUser is an account of the GitHub-shaped server.
type GitHubUser struct {
	ID     int64
	Login  string
	Name   string
	Emails []GitHubEmail
}

type GitHubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// GitHub is a small OAuth 2.0 server shaped like GitHub's: /login/oauth/authorize and
// /login/oauth/access_token (with PKCE), and the REST API's /user and /user/emails.
type GitHub struct {
	*httptest.Server
	ClientID, Secret string
	mu               sync.Mutex
	next             GitHubUser
	codes            map[string]ghGrant
	tokens           map[string]GitHubUser
	n                int
}

type ghGrant struct {
	user      GitHubUser
	challenge string
	redirect  string
}

func StartGitHub(t testing.TB) *GitHub {
	g := &GitHub{ClientID: "gh-client", Secret: "gh-secret-0123456789", codes: map[string]ghGrant{}, tokens: map[string]GitHubUser{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", g.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", g.token)
	mux.HandleFunc("GET /api/user", g.api(func(u GitHubUser) any {
		return map[string]any{"id": u.ID, "login": u.Login, "name": u.Name, "email": nil}
	}))
	mux.HandleFunc("GET /api/user/emails", g.api(func(u GitHubUser) any { return u.Emails }))
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func (g *GitHub) Queue(u GitHubUser) {
	g.mu.Lock()
	g.next = u
	g.mu.Unlock()
}

func (g *GitHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != g.ClientID || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
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

func (g *GitHub) token(w http.ResponseWriter, r *http.Request) {
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
	if id != g.ClientID || secret != g.Secret || !found || grant.redirect != r.PostForm.Get("redirect_uri") ||
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

func (g *GitHub) api(body func(GitHubUser) any) http.HandlerFunc {
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

// Vars are the settings of authgate for two providers: "mock" (p, OpenID Connect) and
// "github" (g, the GitHub preset with its endpoints moved to g), returning to the pages redirects.
func Vars(p *IDP, g *GitHub, redirects string) map[string]string {
	return map[string]string{
		"AUTHGATE_OIDC_PROVIDERS":            "mock,github",
		"AUTHGATE_OIDC_REDIRECT_URLS":        redirects,
		"AUTHGATE_OIDC_MOCK_ISSUER":          p.Issuer(),
		"AUTHGATE_OIDC_MOCK_CLIENT_ID":       p.ClientID,
		"AUTHGATE_OIDC_MOCK_CLIENT_SECRET":   p.ClientSecret,
		"AUTHGATE_OIDC_MOCK_LABEL":           "Mock ID",
		"AUTHGATE_OIDC_GITHUB_CLIENT_ID":     g.ClientID,
		"AUTHGATE_OIDC_GITHUB_CLIENT_SECRET": g.Secret,
		"AUTHGATE_OIDC_GITHUB_AUTH_URL":      g.URL + "/login/oauth/authorize",
		"AUTHGATE_OIDC_GITHUB_TOKEN_URL":     g.URL + "/login/oauth/access_token",
		"AUTHGATE_OIDC_GITHUB_API_URL":       g.URL + "/api",
	}
}
