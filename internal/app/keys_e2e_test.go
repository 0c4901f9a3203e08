package app_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/token"
)

// keyPair is a generated key pair written to PEM files, as `authgate keys generate` writes them.
type keyPair struct {
	alg       string
	priv, pub string // file paths
	public    crypto.PublicKey
}

func newKeyPair(t *testing.T, alg string) keyPair {
	t.Helper()
	privPEM, pubPEM, err := token.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kp := keyPair{alg: alg, priv: filepath.Join(dir, "key.pem"), pub: filepath.Join(dir, "key.pub.pem")}
	if err := os.WriteFile(kp.priv, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp.pub, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if kp.public, err = token.ParsePublicKeyPEM(pubPEM); err != nil {
		t.Fatal(err)
	}
	return kp
}

// withKey configures authgate to sign with kp; authtest's default HMAC key is cleared, as an
// operator switching to a key file would.
func withKey(kp keyPair, extra map[string]string) authtest.Option {
	vars := map[string]string{
		"AUTHGATE_ALGORITHM":          kp.alg,
		"AUTHGATE_SIGNING_KEY":        "",
		"AUTHGATE_SIGNING_KEY_FILE":   kp.priv,
		"AUTHGATE_VERIFYING_KEY_FILE": kp.pub,
	}
	for k, v := range extra {
		vars[k] = v
	}
	return authtest.With(vars)
}

// header decodes a JWT's JOSE header.
func header(t *testing.T, tok string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("header of %q: %v", tok, err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// jwkSet is a fetched /.well-known/jwks.json, members kept as the server wrote them.
type jwkSet struct {
	Keys []map[string]string `json:"keys"`
}

func fetchJWKS(t *testing.T, e *authtest.Env) (jwkSet, authtest.Response) {
	t.Helper()
	r := e.Do("GET", "/.well-known/jwks.json", nil)
	var set jwkSet
	if r.Status == 200 {
		if err := json.Unmarshal([]byte(r.Raw), &set); err != nil {
			t.Fatalf("jwks %q: %v", r.Raw, err)
		}
	}
	return set, r
}

func b64int(t *testing.T, s string) *big.Int {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("JWK member %q: %v", s, err)
	}
	return new(big.Int).SetBytes(b)
}

// jwkPublic rebuilds the public key a JWK describes (RFC 7518 §6, RFC 8037 §2), independently
// of authgate's encoder.
func jwkPublic(t *testing.T, k map[string]string) crypto.PublicKey {
	t.Helper()
	switch k["kty"] {
	case "RSA":
		return &rsa.PublicKey{N: b64int(t, k["n"]), E: int(b64int(t, k["e"]).Int64())}
	case "EC":
		curves := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
		c := curves[k["crv"]]
		if c == nil {
			t.Fatalf("JWK curve %q", k["crv"])
		}
		size := (c.Params().BitSize + 7) / 8
		raw := append([]byte{4}, b64int(t, k["x"]).FillBytes(make([]byte, size))...)
		raw = append(raw, b64int(t, k["y"]).FillBytes(make([]byte, size))...)
		pub, err := ecdsa.ParseUncompressedPublicKey(c, raw)
		if err != nil {
			t.Fatal(err)
		}
		return pub
	case "OKP":
		x, err := base64.RawURLEncoding.DecodeString(k["x"])
		if err != nil || k["crv"] != "Ed25519" {
			t.Fatalf("OKP JWK %v: %v", k, err)
		}
		return ed25519.PublicKey(x)
	}
	t.Fatalf("JWK kty %q", k["kty"])
	return nil
}

// thumbprint is the RFC 7638 thumbprint of a JWK: its required members, sorted, no whitespace
// (json.Marshal sorts map keys).
func thumbprint(t *testing.T, k map[string]string) string {
	t.Helper()
	required := map[string][]string{"RSA": {"e", "kty", "n"}, "EC": {"crv", "kty", "x", "y"}, "OKP": {"crv", "kty", "x"}}
	m := map[string]string{}
	for _, name := range required[k["kty"]] {
		m[name] = k[name]
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// verifies reports whether golang-jwt accepts tok under pub with the algorithm pinned.
func verifies(tok, alg string, pub crypto.PublicKey) error {
	_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{alg}), jwt.WithExpirationRequired())
	return err
}

func kty(alg string) string {
	switch {
	case strings.HasPrefix(alg, "ES"):
		return "EC"
	case alg == "EdDSA":
		return "OKP"
	}
	return "RSA"
}

// TestAsymmetricKeysEndToEnd logs in on a server signing with each asymmetric family and checks
// the tokens, the JWK Set and discovery as a verifier elsewhere would see them.
func TestAsymmetricKeysEndToEnd(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			kp := newKeyPair(t, alg)
			e := authtest.Start(t, authtest.SQLite, withKey(kp, nil))
			u := e.CreateUser("ada@example.com", "correct horse battery")
			refresh, access := e.Login("ada@example.com", "correct horse battery")

			set, r := fetchJWKS(t, e)
			if r.Status != 200 || len(set.Keys) != 1 {
				t.Fatalf("jwks: %d %s", r.Status, r.Raw)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("jwks Content-Type %q", ct)
			}
			if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age=") {
				t.Errorf("jwks Cache-Control %q, want public with a max-age", cc)
			}
			jk := set.Keys[0]
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
				if _, ok := jk[private]; ok {
					t.Errorf("jwks publishes private member %q: %s", private, r.Raw)
				}
			}
			if jk["kty"] != kty(alg) || jk["alg"] != alg || jk["use"] != "sig" {
				t.Errorf("jwk = %v, want kty %s alg %s use sig", jk, kty(alg), alg)
			}
			if want := thumbprint(t, jk); jk["kid"] != want {
				t.Errorf("kid %q, want the RFC 7638 thumbprint %q", jk["kid"], want)
			}
			pub := jwkPublic(t, jk)
			if !kp.public.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Errorf("the JWK is not the configured public key")
			}

			for name, tok := range map[string]string{"access": access, "refresh": refresh} {
				h := header(t, tok)
				if h["alg"] != alg || h["kid"] != jk["kid"] || h["typ"] != "JWT" {
					t.Errorf("%s header %v, want alg %s kid %s", name, h, alg, jk["kid"])
				}
				if err := verifies(tok, alg, pub); err != nil {
					t.Errorf("%s token does not verify with the published key: %v", name, err)
				}
			}
			if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 200 || r.Str("id") != u.ID {
				t.Errorf("me: %d %s", r.Status, r.Raw)
			}
			r2 := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
			if r2.Status != 200 || header(t, r2.Str("access"))["kid"] != jk["kid"] {
				t.Errorf("refresh: %d %s", r2.Status, r2.Raw)
			}

			// Revalidation: the ETag answers 304 with no body.
			etag := r.Header.Get("ETag")
			if etag == "" {
				t.Fatal("jwks has no ETag")
			}
			nm := e.Do("GET", "/.well-known/jwks.json", nil, "If-None-Match", `"other", `+etag)
			if nm.Status != 304 || nm.Raw != "" {
				t.Errorf("If-None-Match %s: %d %q, want 304 and no body", etag, nm.Status, nm.Raw)
			}
			if nm := e.Do("GET", "/.well-known/jwks.json", nil, "If-None-Match", `"stale"`); nm.Status != 200 {
				t.Errorf("stale If-None-Match: %d", nm.Status)
			}

			d := e.Do("GET", "/.well-known/openid-configuration", nil)
			if d.Status != 200 {
				t.Fatalf("discovery: %d %s", d.Status, d.Raw)
			}
			for field, want := range map[string]string{
				"issuer":                 e.URL,
				"jwks_uri":               e.URL + "/.well-known/jwks.json",
				"token_endpoint":         e.URL + "/api/token/",
				"revocation_endpoint":    e.URL + "/api/token/blacklist/",
				"introspection_endpoint": e.URL + "/api/token/verify/",
			} {
				if got := d.Str(field); got != want {
					t.Errorf("discovery %s = %q, want %q", field, got, want)
				}
			}
			if algs, _ := d.JSON["id_token_signing_alg_values_supported"].([]any); len(algs) != 1 || algs[0] != alg {
				t.Errorf("discovery algorithms %v, want [%s]", d.JSON["id_token_signing_alg_values_supported"], alg)
			}
		})
	}
}

// TestHMACKeysAreNeverPublished: with a shared secret there is no key set to serve, and
// discovery points to none.
func TestHMACKeysAreNeverPublished(t *testing.T) {
	t.Parallel()
	old := filepath.Join(t.TempDir(), "old.key")
	if err := os.WriteFile(old, []byte("an-older-shared-secret-of-32-bytes-or-more\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_OLD_VERIFYING_KEY_FILES": old}))
	_, r := fetchJWKS(t, e)
	if r.Status != 404 || r.Str("detail") != "Not found." {
		t.Errorf("jwks with HMAC keys: %d %s, want 404", r.Status, r.Raw)
	}
	if strings.Contains(r.Raw, authtest.Key) || strings.Contains(r.Raw, "older-shared") {
		t.Errorf("jwks leaks a secret: %s", r.Raw)
	}
	d := e.Do("GET", "/.well-known/openid-configuration", nil)
	if _, ok := d.JSON["jwks_uri"]; ok || d.Status != 200 {
		t.Errorf("discovery with HMAC keys: %d %s, want no jwks_uri", d.Status, d.Raw)
	}
	if algs, _ := d.JSON["id_token_signing_alg_values_supported"].([]any); len(algs) != 1 || algs[0] != "HS256" {
		t.Errorf("discovery algorithms %v", d.JSON["id_token_signing_alg_values_supported"])
	}
	if strings.Contains(d.Raw, authtest.Key) {
		t.Errorf("discovery leaks the secret: %s", d.Raw)
	}
}

// TestDiscoveryUnderIssuerURL: a configured issuer URL is where the endpoints are, whatever
// Host the request carried.
func TestDiscoveryUnderIssuerURL(t *testing.T) {
	t.Parallel()
	kp := newKeyPair(t, "EdDSA")
	e := authtest.Start(t, authtest.SQLite, withKey(kp, map[string]string{"AUTHGATE_ISSUER": "https://auth.example.com/"}))
	req, err := http.NewRequest("GET", e.URL+"/.well-known/openid-configuration", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example.net"
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d authtest.Response
	if err := json.NewDecoder(resp.Body).Decode(&d.JSON); err != nil {
		t.Fatal(err)
	}
	d.Raw = fmt.Sprint(d.JSON)
	if d.Str("issuer") != "https://auth.example.com/" || d.Str("jwks_uri") != "https://auth.example.com/.well-known/jwks.json" ||
		d.Str("token_endpoint") != "https://auth.example.com/api/token/" {
		t.Errorf("discovery under an issuer URL: %s", d.Raw)
	}
	e.CreateUser("iss@example.com", "correct horse battery")
	_, access := e.Login("iss@example.com", "correct horse battery")
	c, err := e.App.Tokens.Parse(access, token.TypeAccess)
	if err != nil {
		t.Fatal(err)
	}
	if iss, _ := c.Get("iss"); string(iss) != `"https://auth.example.com/"` {
		t.Errorf("iss claim %s", iss)
	}
}

// TestKeyRotation runs the key rotation story: tokens signed by the old key keep working while it is
// listed in AUTHGATE_OLD_VERIFYING_KEY_FILES and new tokens carry the new key's kid; once it is
// removed, its tokens are refused.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			oldKey, newKey := newKeyPair(t, alg), newKeyPair(t, alg)
			before := authtest.Start(t, authtest.SQLite, withKey(oldKey, nil))
			db := map[string]string{"AUTHGATE_DATABASE_URL": before.App.Config.DatabaseURL}
			before.CreateUser("rot@example.com", "correct horse battery")
			refresh1, access1 := before.Login("rot@example.com", "correct horse battery")
			refresh2, _ := before.Login("rot@example.com", "correct horse battery")
			oldKID := header(t, access1)["kid"]

			during := authtest.Start(t, authtest.SQLite, withKey(newKey, db),
				authtest.With(map[string]string{"AUTHGATE_OLD_VERIFYING_KEY_FILES": oldKey.pub}))
			if r := during.Do("GET", "/api/me/", nil, authtest.Bearer(access1)...); r.Status != 200 {
				t.Errorf("old access token during rotation: %d %s", r.Status, r.Raw)
			}
			r := during.Post("/api/token/refresh/", map[string]string{"refresh": refresh1})
			if r.Status != 200 {
				t.Fatalf("old refresh token during rotation: %d %s", r.Status, r.Raw)
			}
			newKID := header(t, r.Str("access"))["kid"]
			if newKID == oldKID || header(t, r.Str("refresh"))["kid"] != newKID {
				t.Errorf("after rotation new tokens have kid %v (old %v)", newKID, oldKID)
			}
			if err := verifies(r.Str("access"), alg, newKey.public); err != nil {
				t.Errorf("new access token is not signed by the new key: %v", err)
			}
			set, _ := fetchJWKS(t, during)
			var kids []string
			for _, k := range set.Keys {
				kids = append(kids, k["kid"])
			}
			if len(kids) != 2 || kids[0] != newKID || kids[1] != oldKID {
				t.Errorf("jwks during rotation lists %v, want [%v %v] (signing key first)", kids, newKID, oldKID)
			}
			newAccess := r.Str("access")

			after := authtest.Start(t, authtest.SQLite, withKey(newKey, db))
			if r := after.Do("GET", "/api/me/", nil, authtest.Bearer(access1)...); r.Status != 401 || r.Str("code") != "token_not_valid" {
				t.Errorf("old access token after removal: %d %s, want 401 token_not_valid", r.Status, r.Raw)
			}
			if r := after.Post("/api/token/refresh/", map[string]string{"refresh": refresh2}); r.Status != 401 ||
				r.Str("detail") != "Token is invalid or expired" {
				t.Errorf("old refresh token after removal: %d %s", r.Status, r.Raw)
			}
			if r := after.Do("GET", "/api/me/", nil, authtest.Bearer(newAccess)...); r.Status != 200 {
				t.Errorf("new access token after removal: %d %s", r.Status, r.Raw)
			}
			if set, _ := fetchJWKS(t, after); len(set.Keys) != 1 || set.Keys[0]["kid"] != newKID {
				t.Errorf("jwks after removal: %v", set.Keys)
			}
		})
	}
}

// TestKeyRotationExplicitKIDs: keys named with AUTHGATE_SIGNING_KEY_ID keep their names when
// retired as "kid=path".
func TestKeyRotationExplicitKIDs(t *testing.T) {
	t.Parallel()
	oldKey, newKey := newKeyPair(t, "ES256"), newKeyPair(t, "ES256")
	before := authtest.Start(t, authtest.SQLite, withKey(oldKey, map[string]string{"AUTHGATE_SIGNING_KEY_ID": "2025-01"}))
	before.CreateUser("kid@example.com", "correct horse battery")
	_, access := before.Login("kid@example.com", "correct horse battery")
	if kid := header(t, access)["kid"]; kid != "2025-01" {
		t.Fatalf("kid %v, want 2025-01", kid)
	}
	during := authtest.Start(t, authtest.SQLite, withKey(newKey, map[string]string{
		"AUTHGATE_DATABASE_URL":            before.App.Config.DatabaseURL,
		"AUTHGATE_SIGNING_KEY_ID":          "2025-06",
		"AUTHGATE_OLD_VERIFYING_KEY_FILES": "2025-01=" + oldKey.pub,
	}))
	if r := during.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 200 {
		t.Errorf("token of the retired kid 2025-01: %d %s", r.Status, r.Raw)
	}
	set, _ := fetchJWKS(t, during)
	if len(set.Keys) != 2 || set.Keys[0]["kid"] != "2025-06" || set.Keys[1]["kid"] != "2025-01" {
		t.Errorf("jwks: %v", set.Keys)
	}
	// The same key under another name is not the key the token names.
	renamed := authtest.Start(t, authtest.SQLite, withKey(newKey, map[string]string{
		"AUTHGATE_DATABASE_URL":            before.App.Config.DatabaseURL,
		"AUTHGATE_OLD_VERIFYING_KEY_FILES": "other=" + oldKey.pub,
	}))
	if r := renamed.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 401 {
		t.Errorf("token whose kid names no configured key: %d %s, want 401", r.Status, r.Raw)
	}
}

// TestRotationFromSharedSecret moves a deployment from SimpleJWT's HS256 to EdDSA: the tokens
// already out under the shared secret keep working, and the secret is still never published.
func TestRotationFromSharedSecret(t *testing.T) {
	t.Parallel()
	before := authtest.Start(t, authtest.SQLite)
	before.CreateUser("hs@example.com", "correct horse battery")
	refresh, access := before.Login("hs@example.com", "correct horse battery")
	secret := filepath.Join(t.TempDir(), "django-secret")
	if err := os.WriteFile(secret, []byte(authtest.Key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kp := newKeyPair(t, "EdDSA")
	after := authtest.Start(t, authtest.SQLite, withKey(kp, map[string]string{
		"AUTHGATE_DATABASE_URL":            before.App.Config.DatabaseURL,
		"AUTHGATE_OLD_VERIFYING_KEY_FILES": secret,
	}))
	if r := after.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 200 {
		t.Errorf("HS256 access token after moving to EdDSA: %d %s", r.Status, r.Raw)
	}
	r := after.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
	if r.Status != 200 || header(t, r.Str("access"))["alg"] != "EdDSA" {
		t.Errorf("HS256 refresh token after moving to EdDSA: %d %s", r.Status, r.Raw)
	}
	set, raw := fetchJWKS(t, after)
	if len(set.Keys) != 1 || set.Keys[0]["kty"] != "OKP" || strings.Contains(raw.Raw, `"oct"`) {
		t.Errorf("jwks after moving from HS256: %s", raw.Raw)
	}
	d := after.Do("GET", "/.well-known/openid-configuration", nil)
	if algs, _ := d.JSON["id_token_signing_alg_values_supported"].([]any); !slices.Equal(algs, []any{"EdDSA", "HS256"}) {
		t.Errorf("discovery algorithms %v, want [EdDSA HS256]", algs)
	}
}
