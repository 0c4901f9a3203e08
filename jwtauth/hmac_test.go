package jwtauth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/jwtauth"
)

// service is another Go service protected by the middleware: it answers with what the context
// says about the caller.
func service(t *testing.T, v *jwtauth.Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := jwtauth.UserID(r.Context())
		c, ok2 := jwtauth.ClaimsFrom(r.Context())
		if !ok || !ok2 {
			http.Error(w, "no claims in context", 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "jti": c.JTI, "token_type": c.TokenType,
			"exp": c.ExpiresAt.Unix(), "iat": c.IssuedAt.Unix(), "custom": c.Raw["custom"]})
	})))
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status int
	body   string
	wwwAuth,
	retryAfter string
}

func get(t *testing.T, url string, authorization ...string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range authorization {
		req.Header.Add("Authorization", a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, strings.TrimSpace(string(b)), resp.Header.Get("WWW-Authenticate"), resp.Header.Get("Retry-After")}
}

// mint signs claims as a SimpleJWT deployment configured differently might.
func mint(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHMACMatchesAuthgate sends the same Authorization headers to authgate's own /api/me/ and to
// a service behind the middleware (sharing authgate's HMAC key): every refusal must be the very
// answer authgate gives, and every valid access token must reach the handler with its claims.
func TestHMACMatchesAuthgate(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("ada@example.com", "correct horse battery")
	refresh, access := e.Login("ada@example.com", "correct horse battery")
	v, err := jwtauth.New(jwtauth.Config{Secret: []byte(authtest.Key), Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc := service(t, v)

	key := []byte(authtest.Key)
	now := e.Clock.Now()
	claims := func(drop string, set ...any) jwt.MapClaims {
		c := jwt.MapClaims{"token_type": "access", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
			"jti": "0123456789abcdef0123456789abcdef", "user_id": u.ID}
		delete(c, drop)
		for i := 0; i+1 < len(set); i += 2 {
			c[set[i].(string)] = set[i+1]
		}
		return c
	}
	parts := strings.Split(access, ".")
	refusals := []struct {
		name          string
		authorization []string
	}{
		{"no header", nil},
		{"empty header", []string{""}},
		{"another scheme", []string{"Basic " + access}},
		{"scheme alone", []string{"Bearer"}},
		{"three parts", []string{"Bearer " + access + " extra"}},
		{"refresh token", []string{"Bearer " + refresh}},
		{"garbage", []string{"Bearer not-a-token"}},
		{"bad signature", []string{"Bearer " + parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))}},
		{"payload swapped", []string{"Bearer " + parts[0] + "." + strings.Split(refresh, ".")[1] + "." + parts[2]}},
		{"other key", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, []byte("another-key-of-thirty-two-bytes-or-more!"), claims(""), nil)}},
		{"HS512 with the key", []string{"Bearer " + mint(t, jwt.SigningMethodHS512, key, claims(""), nil)}},
		{"alg none", []string{"Bearer " + mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(""), nil)}},
		{"expired", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("", "exp", now.Add(-time.Minute).Unix()), nil)}},
		{"issued in the future", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("", "iat", now.Add(time.Hour).Unix()), nil)}},
		{"not yet valid", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("", "nbf", now.Add(time.Hour).Unix()), nil)}},
		{"exp is a string", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("", "exp", "tomorrow"), nil)}},
		{"no exp", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("exp"), nil)}},
		{"no jti", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("jti"), nil)}},
		{"no type", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("token_type"), nil)}},
		{"sliding type", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("", "token_type", "sliding"), nil)}},
		{"no user", []string{"Bearer " + mint(t, jwt.SigningMethodHS256, key, claims("user_id"), nil)}},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			want := get(t, e.URL+"/api/me/", c.authorization...)
			got := get(t, svc.URL, c.authorization...)
			if want.status != 401 {
				t.Fatalf("authgate answered %d %s; the case is not a refusal", want.status, want.body)
			}
			if got != want {
				t.Errorf("middleware: %d %s (WWW-Authenticate %q)\nauthgate:   %d %s (WWW-Authenticate %q)",
					got.status, got.body, got.wwwAuth, want.status, want.body, want.wwwAuth)
			}
		})
	}

	t.Run("valid access token", func(t *testing.T) {
		got := get(t, svc.URL, "Bearer "+access)
		if got.status != 200 {
			t.Fatalf("%d %s", got.status, got.body)
		}
		var b map[string]any
		if err := json.Unmarshal([]byte(got.body), &b); err != nil {
			t.Fatal(err)
		}
		c, err := e.App.Tokens.Parse(access, "access")
		if err != nil {
			t.Fatal(err)
		}
		if b["id"] != u.ID || b["jti"] != c.JTI || b["token_type"] != "access" ||
			b["exp"] != float64(c.ExpiresAt.Unix()) || b["iat"] != float64(c.IssuedAt.Unix()) {
			t.Errorf("handler saw %v, want the claims of %v", b, c)
		}
	})
	t.Run("custom claims and numeric ids", func(t *testing.T) {
		tok := mint(t, jwt.SigningMethodHS256, key, claims("", "user_id", json.Number("12345678901234567890"), "custom", "x"), nil)
		got := get(t, svc.URL, "Bearer "+tok)
		if got.status != 200 || !strings.Contains(got.body, `"id":"12345678901234567890"`) || !strings.Contains(got.body, `"custom":"x"`) {
			t.Errorf("%d %s", got.status, got.body)
		}
	})
	t.Run("expiry follows the clock", func(t *testing.T) {
		e.Clock.Advance(31 * time.Minute)
		want := get(t, e.URL+"/api/me/", "Bearer "+access)
		got := get(t, svc.URL, "Bearer "+access)
		if want.status != 401 || got != want {
			t.Errorf("after 31 minutes: middleware %v, authgate %v", got, want)
		}
	})
}

// TestVerifyErrors checks the sentinel each refusal wraps.
func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	key := []byte(authtest.Key)
	v, err := jwtauth.New(jwtauth.Config{Secret: key, Algorithm: "HS256", UserIDClaim: "uid", Leeway: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	base := jwt.MapClaims{"token_type": "access", "exp": now.Add(time.Hour).Unix(), "jti": "j", "uid": "u"}
	with := func(k string, val any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k2, v2 := range base {
			c[k2] = v2
		}
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	cases := []struct {
		name   string
		claims jwt.MapClaims
		want   error
	}{
		{"valid", base, nil},
		{"within leeway", with("exp", now.Add(-30*time.Second).Unix()), nil},
		{"past leeway", with("exp", now.Add(-2*time.Minute).Unix()), jwtauth.ErrInvalid},
		{"no exp", with("exp", nil), jwtauth.ErrNoExp},
		{"empty jti", with("jti", ""), jwtauth.ErrNoID},
		{"no type", with("token_type", nil), jwtauth.ErrNoType},
		{"type not a string", with("token_type", 1), jwtauth.ErrWrongType},
		{"refresh", with("token_type", "refresh"), jwtauth.ErrWrongType},
		{"renamed user claim missing", with("uid", nil), jwtauth.ErrNoUser},
		{"user id an object", with("uid", map[string]any{}), jwtauth.ErrNoUser},
	}
	for _, c := range cases {
		tok := mint(t, jwt.SigningMethodHS256, key, c.claims, nil)
		got, err := v.Verify(t.Context(), tok)
		if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if err == nil && got.UserID != "u" {
			t.Errorf("%s: user %q", c.name, got.UserID)
		}
	}
	if _, err := v.Verify(t.Context(), strings.Repeat("a", jwtauth.DefaultMaxTokenSize+1)); !errors.Is(err, jwtauth.ErrInvalid) {
		t.Errorf("oversized token: %v", err)
	}
}

// TestConfigErrors: every bad configuration is refused with ErrConfig and a reason.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	key := []byte(authtest.Key)
	cases := []struct {
		cfg  jwtauth.Config
		want string
	}{
		{jwtauth.Config{}, "set Secret (HMAC) or JWKSURL"},
		{jwtauth.Config{Secret: key, JWKSURL: "https://a/jwks.json"}, "not both"},
		{jwtauth.Config{Secret: []byte("short")}, "Secret is 5 bytes"},
		{jwtauth.Config{Secret: key, Algorithm: "RS256"}, "Secret is for HS256"},
		{jwtauth.Config{Secret: key, Algorithm: "HS1"}, "unsupported algorithm"},
		{jwtauth.Config{JWKSURL: "https://a/jwks.json"}, "Algorithm is required"},
		{jwtauth.Config{JWKSURL: "https://a/jwks.json", Algorithm: "HS256"}, "never a published key"},
		{jwtauth.Config{JWKSURL: "https://a/jwks.json", Algorithm: "none"}, "unsupported algorithm"},
		{jwtauth.Config{JWKSURL: "file:///etc/jwks.json", Algorithm: "EdDSA"}, "not an http(s) URL"},
		{jwtauth.Config{Secret: key, Leeway: -time.Second}, "Leeway is negative"},
		{jwtauth.Config{JWKSURL: "https://a/jwks.json", Algorithm: "EdDSA", KeysMaxAge: -1}, "KeysMaxAge is negative"},
	}
	for _, c := range cases {
		_, err := jwtauth.New(c.cfg)
		if !errors.Is(err, jwtauth.ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want ErrConfig with %q", c.cfg, err, c.want)
		}
	}
}

// TestContextHelpers: a context that did not pass the middleware has no user.
func TestContextHelpers(t *testing.T) {
	t.Parallel()
	if id, ok := jwtauth.UserID(t.Context()); ok || id != "" {
		t.Errorf("UserID of a bare context = %q, %v", id, ok)
	}
	if _, ok := jwtauth.ClaimsFrom(jwtauth.NewContext(t.Context(), nil)); ok {
		t.Error("ClaimsFrom of a nil claims context is ok")
	}
	ctx := jwtauth.NewContext(t.Context(), &jwtauth.Claims{UserID: "u1"})
	if id, ok := jwtauth.UserID(ctx); !ok || id != "u1" {
		t.Errorf("UserID = %q, %v", id, ok)
	}
}

// FuzzVerify: no input makes Verify panic or accept a token it did not sign.
func FuzzVerify(f *testing.F) {
	key := []byte(authtest.Key)
	v, err := jwtauth.New(jwtauth.Config{Secret: key})
	if err != nil {
		f.Fatal(err)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"token_type": "access",
		"exp": time.Now().Add(time.Hour).Unix(), "jti": "j", "user_id": "u"}).SignedString(key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c.d")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(t.Context(), raw)
		if err == nil && raw != tok {
			// Only re-encodings of the one signed token may pass.
			if c.UserID != "u" {
				t.Fatalf("accepted %q as %+v", raw, c)
			}
		}
		if err != nil && c != nil {
			t.Fatal(fmt.Sprint("claims with an error: ", err))
		}
	})
}
