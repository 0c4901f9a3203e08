package token

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The test clock: 2023-11-14T22:13:20Z. Payloads in the tables spell times relative to it.
const testNow = 1700000000

// testSecret is the HS* secret of the tests (32 bytes, the minimum).
var testSecret = []byte("authgate-test-secret-0123456789!")

func fixedClock(unix int64) func() time.Time {
	return func() time.Time { return time.Unix(unix, 0) }
}

// counterRand is a deterministic stand-in for crypto/rand, so tokens in tests are reproducible.
type counterRand struct {
	mu sync.Mutex
	n  byte
}

func (r *counterRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

// keys are the PEM test keys under testdata/ (made with openssl, in the forms it writes).
type keys struct {
	rsa, rsaB, ec256, ec384, ec521, ed crypto.Signer
}

func loadKeys(t testing.TB) keys {
	t.Helper()
	load := func(name string) crypto.Signer {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		k, err := ParsePrivateKeyPEM(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return k
	}
	return keys{
		rsa:   load("rsa2048.pem"),
		rsaB:  load("rsa2048b.pem"),
		ec256: load("ec256.pem"),
		ec384: load("ec384.pem"),
		ec521: load("ec521.pem"),
		ed:    load("ed25519.pem"),
	}
}

// signingKey returns the test key for alg: the secret for HS*, else a private key.
func (k keys) signingKey(alg string) Key {
	switch alg[:2] {
	case "HS":
		return Key{Algorithm: alg, Secret: testSecret}
	case "RS", "PS":
		return Key{Algorithm: alg, Private: k.rsa}
	case "ES":
		return Key{Algorithm: alg, Private: map[string]crypto.Signer{"ES256": k.ec256, "ES384": k.ec384, "ES512": k.ec521}[alg]}
	}
	return Key{Algorithm: alg, Private: k.ed}
}

func newManager(t testing.TB, cfg Config) *Manager {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedClock(testNow)
	}
	if cfg.Rand == nil {
		cfg.Rand = &counterRand{}
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// jwtSign builds a token from raw header and payload JSON, signed by golang-jwt (an
// implementation independent of the one under test) as alg with k.
func jwtSign(t testing.TB, alg string, k Key, header, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	var signKey any = k.Secret
	if k.Private != nil {
		signKey = k.Private
	}
	sig, err := jwt.GetSigningMethod(alg).Sign(input, signKey)
	if err != nil {
		t.Fatalf("golang-jwt sign %s: %v", alg, err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// b64 is base64url without padding.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// randReader is crypto/rand, for tests about real randomness.
func randReader() io.Reader { return rand.Reader }
