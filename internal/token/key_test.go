package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	weak, err := ParsePrivateKeyPEM(readTestdata(t, "rsa1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pemSecret := append([]byte("-----BEGIN PUBLIC KEY-----\n"), testSecret...)
	tests := []struct {
		name string
		cfg  Config
		err  error
		msg  string
	}{
		{"no secret", Config{}, ErrKey, "HS256 secret is 0 bytes, need at least 32"},
		{"short secret", Config{Signing: Key{Secret: testSecret[:31]}}, ErrKey, "secret is 31 bytes"},
		{"PEM as HMAC secret", Config{Signing: Key{Secret: pemSecret}}, ErrKey, "looks like a PEM or SSH key"},
		{"SSH key as HMAC secret", Config{Signing: Key{Secret: append([]byte("ssh-rsa "), testSecret...)}}, ErrKey, "looks like a PEM or SSH key"},
		{"HMAC with a key pair", Config{Signing: Key{Secret: testSecret, Private: k.rsa}}, ErrKey, "takes a secret"},
		{"unknown algorithm", Config{Signing: Key{Algorithm: "none", Secret: testSecret}}, ErrAlgorithm, `"none"`},
		{"lower-case algorithm", Config{Signing: Key{Algorithm: "hs256", Secret: testSecret}}, ErrAlgorithm, `"hs256"`},
		{"RSA with a secret", Config{Signing: Key{Algorithm: "RS256", Secret: testSecret}}, ErrKey, "not a secret"},
		{"RSA signing without private key", Config{Signing: Key{Algorithm: "RS256", Public: k.rsa.Public()}}, ErrKey, "needs a private key"},
		{"RSA 1024", Config{Signing: Key{Algorithm: "RS256", Private: weak}}, ErrKey, "1024 bits, need at least 2048"},
		{"RSA key for ES256", Config{Signing: Key{Algorithm: "ES256", Private: k.rsa}}, ErrKey, "needs an ECDSA key"},
		{"P-384 key for ES256", Config{Signing: Key{Algorithm: "ES256", Private: k.ec384}}, ErrKey, "needs curve P-256, got P-384"},
		{"EC key for EdDSA", Config{Signing: Key{Algorithm: "EdDSA", Private: k.ec256}}, ErrKey, "needs an Ed25519 key"},
		{"Ed25519 key for PS256", Config{Signing: Key{Algorithm: "PS256", Private: k.ed}}, ErrKey, "needs an RSA key"},
		{"mismatched pair", Config{Signing: Key{Algorithm: "RS256", Private: k.rsa, Public: k.rsaB.Public()}}, ErrKey, "does not match"},
		{"verifying key without key", Config{Signing: Key{Secret: testSecret}, Verifying: []Key{{Algorithm: "RS256"}}}, ErrKey, "verifying key 0"},
		{"duplicate kid", Config{Signing: Key{ID: "a", Secret: testSecret},
			Verifying: []Key{{ID: "a", Secret: []byte(strings.Repeat("x", 32))}}}, ErrKey, `two keys have kid "a"`},
		{"same key twice", Config{Signing: Key{Algorithm: "EdDSA", Private: k.ed},
			Verifying: []Key{{Algorithm: "EdDSA", Public: k.ed.Public()}}}, ErrKey, "two keys have kid"},
		{"negative lifetime", Config{Signing: Key{Secret: testSecret}, AccessLifetime: -time.Minute}, ErrConfig, "AccessLifetime is negative"},
		{"sub-second lifetime", Config{Signing: Key{Secret: testSecret}, RefreshLifetime: time.Millisecond}, ErrConfig, "RefreshLifetime is under a second"},
		{"negative leeway", Config{Signing: Key{Secret: testSecret}, Leeway: -1}, ErrConfig, "Leeway is negative"},
		{"tiny MaxTokenSize", Config{Signing: Key{Secret: testSecret}, MaxTokenSize: 10}, ErrConfig, "MaxTokenSize 10"},
		{"claim name clash", Config{Signing: Key{Secret: testSecret}, Claims: ClaimNames{JTI: "user_id"}}, ErrConfig, `Claims.UserID "user_id" is already used by Claims.JTI`},
		{"claim name is a registered claim", Config{Signing: Key{Secret: testSecret}, Claims: ClaimNames{TokenType: "exp"}}, ErrConfig, `"exp" is already used`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := New(tc.cfg)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("New error = %v, want %v containing %q", err, tc.err, tc.msg)
			}
			if m != nil {
				t.Error("a Manager was returned with the error")
			}
		})
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Issuer: "iss", AccessLifetime: time.Minute})
	if m.AccessLifetime() != time.Minute || m.RefreshLifetime() != DefaultRefreshLifetime || m.Issuer() != "iss" {
		t.Errorf("settings %v %v %q", m.AccessLifetime(), m.RefreshLifetime(), m.Issuer())
	}
}

func TestNewCopiesSecret(t *testing.T) {
	t.Parallel()
	secret := append([]byte(nil), testSecret...)
	m := newManager(t, Config{Signing: Key{Secret: secret}})
	tok, _, err := m.Issue(TypeAccess, "u1")
	if err != nil {
		t.Fatal(err)
	}
	secret[0] ^= 1
	if _, err := m.Parse(tok, TypeAccess); err != nil {
		t.Errorf("changing the caller's slice changed the key: %v", err)
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS512", "ES256", "ES384", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			privPEM, pubPEM, err := GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(privPEM), "-----BEGIN PRIVATE KEY-----") || !strings.HasPrefix(string(pubPEM), "-----BEGIN PUBLIC KEY-----") {
				t.Fatalf("PEM types:\n%s\n%s", privPEM, pubPEM)
			}
			priv, err := ParsePrivateKeyPEM(privPEM)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := ParsePublicKeyPEM(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			signer := newManager(t, Config{Signing: Key{Algorithm: alg, Private: priv}})
			verifier := newManager(t, Config{Signing: Key{Algorithm: alg, Private: priv, Public: pub}})
			tok, _, err := signer.Issue(TypeAccess, "u1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := verifier.Parse(tok, TypeAccess); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, _, err := GenerateKey("HS256"); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("HS256: %v", err)
	}
	if _, _, err := GenerateKey("RSA"); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("RSA: %v", err)
	}
	a, _, _ := GenerateKey("ES256")
	b, _, _ := GenerateKey("ES256")
	if string(a) == string(b) {
		t.Error("two generated keys are equal")
	}
}

func TestParsePEM(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, typ string }{
		{"rsa2048.pem", "*rsa.PrivateKey"},    // PKCS #1
		{"rsa2048b.pem", "*rsa.PrivateKey"},   // PKCS #8
		{"ec256.pem", "*ecdsa.PrivateKey"},    // SEC 1 after EC PARAMETERS
		{"ec384.pem", "*ecdsa.PrivateKey"},    // SEC 1
		{"ec521.pem", "*ecdsa.PrivateKey"},    // PKCS #8
		{"ed25519.pem", "ed25519.PrivateKey"}, // PKCS #8
	} {
		k, err := ParsePrivateKeyPEM(readTestdata(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if got := reflect.TypeOf(k).String(); got != tc.typ {
			t.Errorf("%s: %s, want %s", tc.file, got, tc.typ)
		}
	}
	rsaKey, _ := ParsePrivateKeyPEM(readTestdata(t, "rsa2048.pem"))
	for _, file := range []string{"rsa2048.pub.pem", "rsa2048.pkcs1.pub.pem"} {
		pub, err := ParsePublicKeyPEM(readTestdata(t, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !pub.(*rsa.PublicKey).Equal(rsaKey.Public()) {
			t.Errorf("%s: not the public half of rsa2048.pem", file)
		}
	}
	_, edPub, _ := GenerateKey("EdDSA")
	if pub, err := ParsePublicKeyPEM(edPub); err != nil || reflect.TypeOf(pub) != reflect.TypeOf(ed25519.PublicKey(nil)) {
		t.Errorf("Ed25519 public: %T %v", pub, err)
	}
	_, ecPub, _ := GenerateKey("ES384")
	if pub, err := ParsePublicKeyPEM(ecPub); err != nil || pub.(*ecdsa.PublicKey).Curve.Params().Name != "P-384" {
		t.Errorf("EC public: %v", err)
	}

	priv := readTestdata(t, "rsa2048b.pem")
	pub := readTestdata(t, "rsa2048.pub.pem")
	encrypted := strings.Replace(string(priv), "-----BEGIN PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n", 1)
	for _, tc := range []struct {
		name string
		data []byte
		pub  bool
		msg  string
	}{
		{"empty", nil, false, "no PEM"},
		{"garbage", []byte("not a key"), false, "no PEM"},
		{"public key as private", pub, false, `PEM block "PUBLIC KEY"`},
		{"private key as public", priv, true, `PEM block "PRIVATE KEY"`},
		{"two keys", append(append([]byte{}, priv...), priv...), false, "more than one key"},
		{"trailing text", append(append([]byte{}, priv...), "junk"...), false, "unexpected text"},
		{"encrypted", []byte(encrypted), false, "encrypted"},
		{"corrupt body", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), false, "PRIVATE KEY:"},
		{"corrupt public body", []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), true, "PUBLIC KEY:"},
	} {
		var err error
		if tc.pub {
			_, err = ParsePublicKeyPEM(tc.data)
		} else {
			_, err = ParsePrivateKeyPEM(tc.data)
		}
		if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want ErrKey containing %q", tc.name, err, tc.msg)
		}
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	if doc, ok := newManager(t, Config{Signing: Key{Secret: testSecret}}).JWKS(); ok || doc != nil {
		t.Errorf("HMAC manager published %s", doc)
	}
	m := newManager(t, Config{
		Signing: Key{Algorithm: "ES256", Private: k.ec256},
		Verifying: []Key{
			{ID: "old-rsa", Algorithm: "RS256", Public: k.rsa.Public()},
			{Algorithm: "EdDSA", Public: k.ed.Public()},
			{Algorithm: "ES512", Public: k.ec521.Public()},
			{Algorithm: "HS256", Secret: testSecret},
		},
	})
	doc, ok := m.JWKS()
	if !ok {
		t.Fatal("no JWKS")
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 4 {
		t.Fatalf("%d keys published, want 4 (no HMAC): %s", len(set.Keys), doc)
	}
	if strings.Contains(string(doc), `"oct"`) || strings.Contains(string(doc), `"k"`) || strings.Contains(string(doc), `"d"`) {
		t.Fatalf("secret material published: %s", doc)
	}
	wantShape := []map[string]int{ // member -> decoded length (0: not base64)
		{"kty": 0, "use": 0, "alg": 0, "kid": 0, "crv": 0, "x": 32, "y": 32},
		{"kty": 0, "use": 0, "alg": 0, "kid": 0, "n": 256, "e": 3},
		{"kty": 0, "use": 0, "alg": 0, "kid": 0, "crv": 0, "x": 32},
		{"kty": 0, "use": 0, "alg": 0, "kid": 0, "crv": 0, "x": 66, "y": 66},
	}
	wantKTY := []string{"EC", "RSA", "OKP", "EC"}
	wantAlg := []string{"ES256", "RS256", "EdDSA", "ES512"}
	for i, jk := range set.Keys {
		if jk["kty"] != wantKTY[i] || jk["alg"] != wantAlg[i] || jk["use"] != "sig" {
			t.Errorf("key %d: %v", i, jk)
		}
		if len(jk) != len(wantShape[i]) {
			t.Errorf("key %d members %v", i, jk)
		}
		for name, n := range wantShape[i] {
			if n == 0 {
				continue
			}
			if got := decodedLen(len(jk[name])); got != n {
				t.Errorf("key %d %s decodes to %d bytes, want %d", i, name, got, n)
			}
		}
	}
	if set.Keys[0]["kid"] != m.KeyID() || set.Keys[1]["kid"] != "old-rsa" {
		t.Errorf("kids %q %q, signing key %q", set.Keys[0]["kid"], set.Keys[1]["kid"], m.KeyID())
	}
	if got := m.Algorithms(); !reflect.DeepEqual(got, []string{"ES256", "RS256", "EdDSA", "ES512", "HS256"}) {
		t.Errorf("Algorithms() = %v", got)
	}
	doc[0] = 'x'
	if again, _ := m.JWKS(); again[0] != '{' {
		t.Error("JWKS returns shared memory")
	}
}
