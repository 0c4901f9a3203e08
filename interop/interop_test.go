// Package interop_test runs authgate beside a real Django + SimpleJWT project (interop/django,
// the tutorial's settings) and proves that each accepts the other's tokens, that PyJWT verifies
// authgate's tokens with its published keys, and that a Django deployment's users and refresh
// tokens move into authgate with `importusers`.
package interop_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/token"
)

// keyFiles writes a key pair for alg, as `authgate keys generate` does.
func keyFiles(t *testing.T, alg string) (priv, pub string) {
	t.Helper()
	privPEM, pubPEM, err := token.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.pub.pem")
	if err := os.WriteFile(priv, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// sides configures authgate and Django with the same algorithm and key.
type sides struct {
	authgate authtest.Option
	django   map[string]string
}

func sameKey(t *testing.T, alg string) sides {
	t.Helper()
	if alg == "HS256" {
		// The tutorial: SIGNING_KEY = env("SIMPLE_JWT_SIGNING_KEY") or SECRET_KEY.
		return sides{authtest.With(map[string]string{"SIMPLE_JWT_SIGNING_KEY": authtest.Key}),
			map[string]string{"SIMPLE_JWT_SIGNING_KEY": authtest.Key}}
	}
	priv, pub := keyFiles(t, alg)
	return sides{
		authtest.With(map[string]string{"AUTHGATE_ALGORITHM": alg, "AUTHGATE_SIGNING_KEY": "",
			"AUTHGATE_SIGNING_KEY_FILE": priv, "AUTHGATE_VERIFYING_KEY_FILE": pub}),
		map[string]string{"SIMPLE_JWT_ALGORITHM": alg, "SIMPLE_JWT_SIGNING_KEY_FILE": priv, "SIMPLE_JWT_VERIFYING_KEY_FILE": pub},
	}
}

// TestTokensCrossBothWays runs authgate and the Django project side by side with one key and one
// user (same UUID) and passes tokens across: Django's JWTAuthentication and TokenRefreshView
// accept authgate's tokens, and authgate accepts those Django's TokenObtainPairView mints.
// SimpleJWT 5.2 offers HS256/384/512, RS256/384/512 and ES256/384/512 (not PS256 or EdDSA):
// HS256 is the tutorial's, RS256 and ES256 the asymmetric choices both sides share.
func TestTokensCrossBothWays(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"HS256", "RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			s := sameKey(t, alg)
			e := authtest.Start(t, authtest.SQLite, s.authgate)
			const email, password = "ada@example.com", "correct horse battery staple"
			u := e.CreateUser(email, password)
			dj := startDjango(t, s.django, []seedUser{{ID: u.ID, Email: email, Password: password, IsActive: true}})
			ag := func(method, path string, body any, authorization string) reply {
				return call(t, method, e.URL+path, body, authorization)
			}

			// authgate's tokens at Django.
			refreshA, accessA := e.Login(email, password)
			me := mustStatus(t, "Django /api/me/ with authgate's access token", dj.get("/api/me/", bearer(accessA)), 200)
			if me.str("id") != u.ID || me.str("email") != email {
				t.Errorf("Django saw %s, want user %s", me.Raw, u.ID)
			}
			mustStatus(t, "Django's TokenVerifyView with authgate's access token",
				dj.post("/api/token/verify/", map[string]string{"token": accessA}, ""), 200)
			rot := mustStatus(t, "Django's TokenRefreshView with authgate's refresh token",
				dj.post("/api/token/refresh/", map[string]string{"refresh": refreshA}, ""), 200)
			mustStatus(t, "Django /api/me/ with the access token Django made from authgate's refresh token",
				dj.get("/api/me/", bearer(rot.str("access"))), 200)
			again := dj.post("/api/token/refresh/", map[string]string{"refresh": refreshA}, "")
			if again.Status != 401 || again.str("detail") != "Token is blacklisted" {
				t.Errorf("Django reusing the rotated token: %d %s, want 401 blacklisted", again.Status, again.Raw)
			}

			// Django's tokens at authgate.
			refreshD, accessD := dj.login(email, password)
			if r := ag("GET", "/api/me/", nil, bearer(accessD)); r.Status != 200 || r.str("id") != u.ID {
				t.Errorf("authgate /api/me/ with Django's access token: %d %s", r.Status, r.Raw)
			}
			mustStatus(t, "authgate verify with Django's access token", ag("POST", "/api/token/verify/", map[string]string{"token": accessD}, ""), 200)
			r := mustStatus(t, "authgate refresh with Django's refresh token",
				ag("POST", "/api/token/refresh/", map[string]string{"refresh": refreshD}, ""), 200)
			mustStatus(t, "Django /api/me/ with the access token authgate made from Django's refresh token",
				dj.get("/api/me/", bearer(r.str("access"))), 200)
			mustStatus(t, "authgate refresh with the refresh token Django rotated to",
				ag("POST", "/api/token/refresh/", map[string]string{"refresh": rot.str("refresh")}, ""), 200)

			// Refusals read the same on both sides (CONTRACT "Protected endpoints").
			for name, authorization := range map[string]string{
				"no header":     "",
				"scheme alone":  "Bearer",
				"three parts":   "Bearer a b",
				"refresh token": bearer(refreshD),
				"garbage":       "Bearer not.a.token",
				"other scheme":  "Token " + accessA,
			} {
				want, got := dj.get("/api/me/", authorization), ag("GET", "/api/me/", nil, authorization)
				if got.Status != want.Status || !reflect.DeepEqual(got.Body, want.Body) {
					t.Errorf("%s: authgate %d %s, Django %d %s", name, got.Status, got.Raw, want.Status, want.Raw)
				}
			}
		})
	}
}

// pyJWKS verifies tokens with PyJWT's PyJWKClient against a key set URL.
func pyJWKS(t *testing.T, url, alg string, tokens ...string) []map[string]any {
	t.Helper()
	cmd := exec.Command(debianPython, "verify_jwks.py", url, alg)
	cmd.Dir = djangoDir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdin = strings.NewReader(strings.Join(tokens, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("verify_jwks.py: %v\n%s", err, stderr.String())
	}
	var results []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("verify_jwks.py said %q", sc.Text())
		}
		results = append(results, m)
	}
	if len(results) != len(tokens) {
		t.Fatalf("verify_jwks.py answered %d of %d tokens: %s", len(results), len(tokens), out)
	}
	return results
}

// TestPyJWTVerifiesWithJWKS: PyJWT fetches authgate's /.well-known/jwks.json over HTTP, picks
// the key by the token's kid and verifies authgate's tokens, for each asymmetric family; a
// token of another key is refused.
func TestPyJWTVerifiesWithJWKS(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			e := authtest.Start(t, authtest.SQLite, sameKey(t, alg).authgate)
			u := e.CreateUser("py@example.com", "correct horse battery staple")
			refresh, access := e.Login("py@example.com", "correct horse battery staple")
			other := authtest.Start(t, authtest.SQLite, sameKey(t, alg).authgate)
			other.CreateUser("py@example.com", "correct horse battery staple")
			_, foreign := other.Login("py@example.com", "correct horse battery staple")

			res := pyJWKS(t, e.URL+"/.well-known/jwks.json", alg, access, refresh, foreign)
			for i, want := range []string{"access", "refresh"} {
				claims, _ := res[i]["claims"].(map[string]any)
				if res[i]["kid"] != e.App.Tokens.KeyID() || claims["user_id"] != u.ID || claims["token_type"] != want {
					t.Errorf("PyJWT on authgate's %s token: %v", want, res[i])
				}
			}
			if msg, _ := res[2]["error"].(string); !strings.Contains(msg, "PyJWKClientError") {
				t.Errorf("PyJWT on a token of another key: %v, want a PyJWKClientError (no such kid)", res[2])
			}
		})
	}
}
