package jwtauth_test

import (
	"crypto"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/token"
	"github.com/authgate/authgate/jwtauth"
)

// clock is the verifier's clock, moved by the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// front stands between the verifier and authgate: it forwards to the authgate handler of the
// moment (or fails while down) and counts key set requests and their answers.
type front struct {
	*httptest.Server
	target  atomic.Pointer[http.Handler]
	down    atomic.Bool
	mu      sync.Mutex
	answers []int // status of each key set request
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func newFront(t *testing.T, e *authtest.Env) *front {
	f := &front{}
	f.point(e)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: 200}
		if f.down.Load() {
			http.Error(sw, "authgate is down", http.StatusBadGateway)
		} else {
			(*f.target.Load()).ServeHTTP(sw, r)
		}
		if r.URL.Path == "/.well-known/jwks.json" {
			f.mu.Lock()
			f.answers = append(f.answers, sw.status)
			f.mu.Unlock()
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *front) point(e *authtest.Env) { h := e.App.Handler; f.target.Store(&h) }

func (f *front) fetches() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.answers...)
}

func (f *front) wantFetches(t *testing.T, when string, want ...int) {
	t.Helper()
	got := f.fetches()
	if len(got) != len(want) {
		t.Fatalf("%s: key set requests answered %v, want %v", when, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: key set requests answered %v, want %v", when, got, want)
		}
	}
}

type pair struct {
	alg        string
	priv, pub  string
	signer     crypto.Signer
	publicPEM  []byte
	privatePEM []byte
}

func keyPair(t *testing.T, alg string) pair {
	t.Helper()
	priv, pub, err := token.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := pair{alg: alg, priv: filepath.Join(dir, "k.pem"), pub: filepath.Join(dir, "k.pub.pem"), publicPEM: pub, privatePEM: priv}
	if err := os.WriteFile(p.priv, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.pub, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if p.signer, err = token.ParsePrivateKeyPEM(priv); err != nil {
		t.Fatal(err)
	}
	return p
}

func startWith(t *testing.T, p pair, vars map[string]string) *authtest.Env {
	t.Helper()
	all := map[string]string{"AUTHGATE_ALGORITHM": p.alg, "AUTHGATE_SIGNING_KEY": "", "AUTHGATE_SIGNING_KEY_FILE": p.priv}
	for k, v := range vars {
		all[k] = v
	}
	return authtest.Start(t, authtest.SQLite, authtest.With(all))
}

// TestJWKSAgainstAuthgate verifies tokens of a real authgate signing with each asymmetric
// family, with keys fetched from its /.well-known/jwks.json: fetched once, refetched for an
// unknown kid at a limited rate, never confused with an HMAC secret.
func TestJWKSAgainstAuthgate(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			kp := keyPair(t, alg)
			e := startWith(t, kp, nil)
			u := e.CreateUser("jwks@example.com", "correct horse battery")
			refresh, access := e.Login("jwks@example.com", "correct horse battery")
			f := newFront(t, e)
			clk := &clock{now: time.Now()}
			v, err := jwtauth.New(jwtauth.Config{Algorithm: alg, JWKSURL: f.URL + "/.well-known/jwks.json", Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			svc := service(t, v)

			if a := get(t, svc.URL, "Bearer "+access); a.status != 200 || !strings.Contains(a.body, u.ID) {
				t.Fatalf("authgate's access token: %d %s", a.status, a.body)
			}
			if a := get(t, svc.URL, "Bearer "+access); a.status != 200 {
				t.Fatalf("again: %d %s", a.status, a.body)
			}
			f.wantFetches(t, "two requests", 200)

			for name, auth := range map[string]string{"refresh token": "Bearer " + refresh, "three parts": "Bearer a b", "garbage": "Bearer x.y.z"} {
				want, got := get(t, e.URL+"/api/me/", auth), get(t, svc.URL, auth)
				if want.status != 401 || got != want {
					t.Errorf("%s: middleware %v, authgate %v", name, got, want)
				}
			}

			// A token signed by a key authgate does not have, under a kid it does not publish.
			other := keyPair(t, alg)
			claims := jwt.MapClaims{"token_type": "access", "exp": clk.Now().Add(time.Hour).Unix(), "jti": "j", "user_id": u.ID}
			method := jwt.GetSigningMethod(alg)
			forged := mint(t, method, other.signer, claims, map[string]any{"kid": "unknown-1"})
			if a := get(t, svc.URL, "Bearer "+forged); a.status != 401 || !strings.Contains(a.body, "Token is invalid or expired") {
				t.Errorf("unknown kid: %d %s", a.status, a.body)
			}
			f.wantFetches(t, "an unknown kid (revalidated: the set is unchanged)", 200, 304)
			forged2 := mint(t, method, other.signer, claims, map[string]any{"kid": "unknown-2"})
			if a := get(t, svc.URL, "Bearer "+forged2); a.status != 401 {
				t.Errorf("second unknown kid: %d %s", a.status, a.body)
			}
			f.wantFetches(t, "a second unknown kid at once (rate limited)", 200, 304)
			clk.Advance(jwtauth.DefaultMinRefetchInterval)
			if a := get(t, svc.URL, "Bearer "+forged2); a.status != 401 {
				t.Errorf("unknown kid later: %d %s", a.status, a.body)
			}
			f.wantFetches(t, "an unknown kid after the interval", 200, 304, 304)

			// The same claims signed by the real key but with the published kid dropped still
			// verify (SimpleJWT writes no kid), while a kid-less token of another key does not.
			noKID := mint(t, method, kp.signer, claims, nil)
			if a := get(t, svc.URL, "Bearer "+noKID); a.status != 200 {
				t.Errorf("token without kid: %d %s", a.status, a.body)
			}
			if a := get(t, svc.URL, "Bearer "+mint(t, method, other.signer, claims, nil)); a.status != 401 {
				t.Errorf("kid-less token of another key: %d %s", a.status, a.body)
			}

			// Algorithm confusion: HS256 keyed with the published public key.
			confused := mint(t, jwt.SigningMethodHS256, kp.publicPEM, claims, nil)
			if a := get(t, svc.URL, "Bearer "+confused); a.status != 401 {
				t.Errorf("HS256 token keyed with the public key: %d %s", a.status, a.body)
			}
		})
	}
}

// TestJWKSRotation follows authgate through a key rotation: the new kid is fetched as soon as a
// token names it, the old key verifies while authgate still publishes it, and stops once a
// refetch shows it gone.
func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	a, b := keyPair(t, "EdDSA"), keyPair(t, "EdDSA")
	before := startWith(t, a, nil)
	before.CreateUser("rot@example.com", "correct horse battery")
	_, access1 := before.Login("rot@example.com", "correct horse battery")
	db := before.App.Config.DatabaseURL
	f := newFront(t, before)
	clk := &clock{now: time.Now()}
	v, err := jwtauth.New(jwtauth.Config{Algorithm: "EdDSA", JWKSURL: f.URL + "/.well-known/jwks.json", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc := service(t, v)
	if r := get(t, svc.URL, "Bearer "+access1); r.status != 200 {
		t.Fatalf("before rotation: %d %s", r.status, r.body)
	}

	during := startWith(t, b, map[string]string{"AUTHGATE_DATABASE_URL": db, "AUTHGATE_OLD_VERIFYING_KEY_FILES": a.pub})
	f.point(during)
	_, access2 := during.Login("rot@example.com", "correct horse battery")
	// access2's iat is the real time of this login, which can be a second past the verifier's
	// clock under load; a token issued in the future is refused (as PyJWT does), so catch up.
	clk.Advance(time.Since(clk.Now()))
	if r := get(t, svc.URL, "Bearer "+access2); r.status != 200 {
		t.Fatalf("token of the new key: %d %s", r.status, r.body)
	}
	if r := get(t, svc.URL, "Bearer "+access1); r.status != 200 {
		t.Fatalf("token of the retired key during rotation: %d %s", r.status, r.body)
	}
	f.wantFetches(t, "the new kid", 200, 200)
	clk.Advance(jwtauth.DefaultKeysMaxAge)
	if r := get(t, svc.URL, "Bearer "+access2); r.status != 200 {
		t.Fatalf("after the keys aged: %d %s", r.status, r.body)
	}
	f.wantFetches(t, "revalidation of an unchanged set", 200, 200, 304)

	after := startWith(t, b, map[string]string{"AUTHGATE_DATABASE_URL": db})
	f.point(after)
	clk.Advance(jwtauth.DefaultKeysMaxAge)
	if r := get(t, svc.URL, "Bearer "+access1); r.status != 401 {
		t.Errorf("token of the removed key: %d %s", r.status, r.body)
	}
	if r := get(t, svc.URL, "Bearer "+access2); r.status != 200 {
		t.Errorf("token of the signing key: %d %s", r.status, r.body)
	}
	f.wantFetches(t, "the retired key removed", 200, 200, 304, 200)
}

// TestJWKSUnavailable: without a key set the answer is 503, not a 401 that would log the user
// out; a known set keeps serving while authgate is unreachable.
func TestJWKSUnavailable(t *testing.T) {
	t.Parallel()
	kp := keyPair(t, "ES256")
	e := startWith(t, kp, nil)
	e.CreateUser("down@example.com", "correct horse battery")
	_, access := e.Login("down@example.com", "correct horse battery")
	f := newFront(t, e)
	f.down.Store(true)
	clk := &clock{now: time.Now()}
	v, err := jwtauth.New(jwtauth.Config{Algorithm: "ES256", JWKSURL: f.URL + "/.well-known/jwks.json", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(t.Context()); !errors.Is(err, jwtauth.ErrKeysUnavailable) || !strings.Contains(err.Error(), "502") {
		t.Errorf("Refresh while down: %v", err)
	}
	svc := service(t, v)
	r := get(t, svc.URL, "Bearer "+access)
	if r.status != 503 || r.retryAfter == "" || r.wwwAuth != "" ||
		r.body != `{"detail":"Authentication keys are unavailable; try again later."}` {
		t.Errorf("while down: %+v", r)
	}
	f.wantFetches(t, "down, retried within 5 s", 502)

	f.down.Store(false)
	if r := get(t, svc.URL, "Bearer "+access); r.status != 503 {
		t.Errorf("up again but within the retry wait: %+v", r)
	}
	clk.Advance(5 * time.Second)
	if r := get(t, svc.URL, "Bearer "+access); r.status != 200 {
		t.Errorf("up again: %+v", r)
	}
	f.wantFetches(t, "up again", 502, 200)

	f.down.Store(true)
	clk.Advance(jwtauth.DefaultKeysMaxAge)
	if r := get(t, svc.URL, "Bearer "+access); r.status != 200 {
		t.Errorf("known keys while down: %+v", r)
	}
	f.wantFetches(t, "stale keys kept", 502, 200, 502)
	other := keyPair(t, "ES256")
	forged := mint(t, jwt.SigningMethodES256, other.signer, jwt.MapClaims{"token_type": "access",
		"exp": clk.Now().Add(time.Hour).Unix(), "jti": "j", "user_id": "u"}, map[string]any{"kid": "new"})
	clk.Advance(5 * time.Second)
	if r := get(t, svc.URL, "Bearer "+forged); r.status != 503 {
		t.Errorf("unknown kid while down: %+v", r)
	}
}

// TestJWKSConcurrentFetches: many requests meeting a new kid at once cause one fetch, and all
// of them are answered with it.
func TestJWKSConcurrentFetches(t *testing.T) {
	t.Parallel()
	kp := keyPair(t, "EdDSA")
	e := startWith(t, kp, nil)
	e.CreateUser("many@example.com", "correct horse battery")
	_, access := e.Login("many@example.com", "correct horse battery")
	f := newFront(t, e)
	v, err := jwtauth.New(jwtauth.Config{Algorithm: "EdDSA", JWKSURL: f.URL + "/.well-known/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 32
	errs := make(chan error, n)
	var start sync.WaitGroup
	start.Add(1)
	for range n {
		go func() {
			start.Wait()
			_, err := v.Verify(t.Context(), access)
			errs <- err
		}()
	}
	start.Done()
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	f.wantFetches(t, "32 concurrent first requests", 200)
}
