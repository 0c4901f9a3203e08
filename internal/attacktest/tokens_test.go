package attacktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/token"
)

// key is the HS256 secret the harness signs with.
func key() []byte { return []byte(authtest.Key) }

// wantAccepted is the control of every forging test: the honest token built the same way works,
// so a refusal below is the server's doing and not a broken forgery.
func wantAccepted(t *testing.T, e *authtest.Env, access string) {
	t.Helper()
	if r := me(e, access); r.Status != 200 {
		t.Fatalf("control token refused: %d %s", r.Status, r.Raw)
	}
}

// wantRefused checks that a token is refused as an access token (GET /api/me/) and, given as a
// refresh token, by POST /api/token/refresh/, both with SimpleJWT's token_not_valid.
func wantRefused(t *testing.T, e *authtest.Env, name, tok string) {
	t.Helper()
	if r := me(e, tok); r.Status != 401 || r.Str("code") != "token_not_valid" {
		t.Errorf("%s as access token: %d %s", name, r.Status, r.Raw)
	}
	if r := e.Post("/api/token/refresh/", map[string]string{"refresh": tok}); r.Status != 401 || r.Str("code") != "token_not_valid" {
		t.Errorf("%s as refresh token: %d %s", name, r.Status, r.Raw)
	}
}

// asymmetric starts a server signing with a fresh key of alg and returns it with the key pair.
func asymmetric(t *testing.T, alg string) (*authtest.Env, any, []byte) {
	t.Helper()
	privPEM, pubPEM, err := token.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := token.ParsePrivateKeyPEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_ALGORITHM": alg, "AUTHGATE_SIGNING_KEY": string(privPEM), "AUTHGATE_SIGNING_KEY_ID": "k1"}))
	return e, priv, pubPEM
}

// TestTokenAlgNone (RFC 8725 §3.1, CVE-2015-9235 and kin): "none" in any spelling, with or
// without a signature, is refused.
func TestTokenAlgNone(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("a@example.com", pw)
	payload := js(t, claims(e, u.ID, "access"))
	wantAccepted(t, e, forge(t, "HS256", key(), hs256Header, payload))
	real := forge(t, "HS256", key(), hs256Header, payload)
	_, _, sig := segments(t, real)
	for _, alg := range []string{"none", "None", "NONE", "nOnE", ""} {
		h := `{"alg":"` + alg + `","typ":"JWT"}`
		wantRefused(t, e, "alg "+alg+" unsigned", b64(h)+"."+b64(payload)+".")
		wantRefused(t, e, "alg "+alg+" with the real signature", b64(h)+"."+b64(payload)+"."+sig)
	}
	wantRefused(t, e, "no alg", forge(t, "HS256", key(), `{"typ":"JWT"}`, payload))
	wantRefused(t, e, "alg null", forge(t, "HS256", key(), `{"alg":null,"typ":"JWT"}`, payload))
	wantRefused(t, e, "alg array", forge(t, "HS256", key(), `{"alg":["HS256"],"typ":"JWT"}`, payload))
}

// TestTokenAlgConfusion (CVE-2016-10555, CVE-2022-29217): with RS256 configured, a token
// HMAC-signed with the public key (as PEM, DER or JWK modulus) is refused, with or without the
// real kid.
func TestTokenAlgConfusion(t *testing.T) {
	t.Parallel()
	e, priv, pubPEM := asymmetric(t, "RS256")
	u := e.CreateUser("a@example.com", pw)
	payload := js(t, claims(e, u.ID, "access"))
	wantAccepted(t, e, forge(t, "RS256", priv, `{"alg":"RS256","kid":"k1","typ":"JWT"}`, payload))
	der, err := x509.MarshalPKIXPublicKey(priv.(*rsa.PrivateKey).Public())
	if err != nil {
		t.Fatal(err)
	}
	jwks := e.Do("GET", "/.well-known/jwks.json", nil)
	if jwks.Status != 200 || !strings.Contains(jwks.Raw, `"kid":"k1"`) {
		t.Fatalf("jwks: %d %s", jwks.Status, jwks.Raw)
	}
	secrets := map[string][]byte{"PEM": pubPEM, "PEM without newline": []byte(strings.TrimSpace(string(pubPEM))),
		"DER": der, "JWKS document": []byte(jwks.Raw)}
	for name, secret := range secrets {
		for _, alg := range []string{"HS256", "HS384", "HS512"} {
			for _, kid := range []string{"", `"kid":"k1",`} {
				h := `{"alg":"` + alg + `",` + kid + `"typ":"JWT"}`
				wantRefused(t, e, alg+" keyed with the public "+name+" "+kid, forge(t, alg, secret, h, payload))
			}
		}
	}
}

// TestTokenAlgPinned (RFC 8725 §2.1, §3.1): a token is verified only with the configured
// algorithm, even when it is signed with the right key under another one.
func TestTokenAlgPinned(t *testing.T) {
	t.Parallel()
	t.Run("HS256", func(t *testing.T) {
		t.Parallel()
		e := authtest.Start(t, authtest.SQLite)
		u := e.CreateUser("a@example.com", pw)
		payload := js(t, claims(e, u.ID, "access"))
		for _, alg := range []string{"HS384", "HS512"} {
			wantRefused(t, e, alg+" with the right secret", forge(t, alg, key(), `{"alg":"`+alg+`","typ":"JWT"}`, payload))
		}
		ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		wantRefused(t, e, "ES256", forge(t, "ES256", ec, `{"alg":"ES256","typ":"JWT"}`, payload))
		wantRefused(t, e, "HS256 with another secret", forge(t, "HS256", []byte(strings.Repeat("x", 40)), hs256Header, payload))
		wantRefused(t, e, "HS256 with an empty secret", forge(t, "HS256", []byte{}, hs256Header, payload))
	})
	t.Run("RS256", func(t *testing.T) {
		t.Parallel()
		e, priv, _ := asymmetric(t, "RS256")
		u := e.CreateUser("a@example.com", pw)
		payload := js(t, claims(e, u.ID, "access"))
		for _, alg := range []string{"RS384", "RS512", "PS256", "PS384"} {
			for _, kid := range []string{"", `"kid":"k1",`} {
				wantRefused(t, e, alg+" with the right key "+kid, forge(t, alg, priv, `{"alg":"`+alg+`",`+kid+`"typ":"JWT"}`, payload))
			}
		}
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		wantRefused(t, e, "RS256 with another key", forge(t, "RS256", other, `{"alg":"RS256","kid":"k1","typ":"JWT"}`, payload))
	})
}

// TestTokenExpRequired (RFC 8725 §3.10, SimpleJWT): a token without a numeric, future exp is
// refused, with SimpleJWT's message when it is missing.
func TestTokenExpRequired(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("a@example.com", pw)
	c := claims(e, u.ID, "access")
	wantAccepted(t, e, forge(t, "HS256", key(), hs256Header, js(t, c)))
	delete(c, "exp")
	r := me(e, forge(t, "HS256", key(), hs256Header, js(t, c)))
	if r.Status != 401 || !strings.Contains(r.Raw, `"message":"Token has no 'exp' claim"`) {
		t.Fatalf("no exp: %d %s", r.Status, r.Raw)
	}
	for name, exp := range map[string]any{"string": "99999999999", "null": nil, "past": e.Clock.Now().Add(-time.Second).Unix(),
		"bool": true, "object": map[string]int{"a": 1}, "array": []int64{e.Clock.Now().Add(time.Hour).Unix()}} {
		c["exp"] = exp
		wantRefused(t, e, "exp "+name, forge(t, "HS256", key(), hs256Header, js(t, c)))
	}
	valid := js(t, claims(e, u.ID, "access"))
	huge := strings.Replace(valid, `"exp":`, `"exp":1e999,"x":`, 1)
	wantRefused(t, e, "exp out of float range", forge(t, "HS256", key(), hs256Header, huge))
	nan := strings.Replace(valid, `"exp":`, `"exp":NaN,"x":`, 1)
	wantRefused(t, e, "exp NaN", forge(t, "HS256", key(), hs256Header, nan))
}

// TestTokenCritRejected (RFC 7515 §4.1.11): authgate understands no header extension, so a
// correctly signed token that lists any as critical, or uses RFC 7797's unencoded payload, is
// refused.
func TestTokenCritRejected(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("a@example.com", pw)
	payload := js(t, claims(e, u.ID, "access"))
	wantAccepted(t, e, forge(t, "HS256", key(), hs256Header, payload))
	for _, h := range []string{
		`{"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1}`,
		`{"alg":"HS256","typ":"JWT","crit":[]}`,
		`{"alg":"HS256","typ":"JWT","crit":["b64"],"b64":false}`,
		`{"alg":"HS256","typ":"JWT","b64":false}`,
		`{"alg":"HS256","typ":"JWS+JSON"}`,
	} {
		wantRefused(t, e, h, forge(t, "HS256", key(), h, payload))
	}
}

// TestTokenKeyHeadersNeverFollowed (RFC 8725 §3.10, CVE-2018-0114): jku, x5u, jwk and x5c never
// supply a key: tokens signed by the attacker's key they name are refused, and the URLs are
// never fetched.
func TestTokenKeyHeadersNeverFollowed(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer evil.Close()
	e, _, _ := asymmetric(t, "RS256")
	u := e.CreateUser("a@example.com", pw)
	payload := js(t, claims(e, u.ID, "access"))
	wantAccepted(t, e, e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}).Str("access"))
	attacker, _ := rsa.GenerateKey(rand.Reader, 2048)
	n := base64.RawURLEncoding.EncodeToString(attacker.N.Bytes())
	jwk := `{"kty":"RSA","e":"AQAB","n":"` + n + `"}`
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "authgate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &attacker.PublicKey, attacker)
	if err != nil {
		t.Fatal(err)
	}
	x5c := `["` + base64.StdEncoding.EncodeToString(cert) + `"]`
	for _, extra := range []string{
		`"jku":"` + evil.URL + `/jwks.json"`, `"x5u":"` + evil.URL + `/cert.pem"`, `"jwk":` + jwk, `"x5c":` + x5c,
		`"kid":"k1","jku":"` + evil.URL + `/jwks.json"`, `"kid":"k1","jwk":` + jwk,
	} {
		h := `{"alg":"RS256",` + extra + `,"typ":"JWT"}`
		wantRefused(t, e, extra, forge(t, "RS256", attacker, h, payload))
	}
	// An HMAC key embedded as a JWK, on an HS256 server.
	hs := authtest.Start(t, authtest.SQLite)
	hu := hs.CreateUser("a@example.com", pw)
	mine := []byte("attacker-chosen-secret-0123456789abcdef")
	h := `{"alg":"HS256","jwk":{"kty":"oct","k":"` + base64.RawURLEncoding.EncodeToString(mine) + `"},"typ":"JWT"}`
	wantRefused(t, hs, "embedded oct JWK", forge(t, "HS256", mine, h, js(t, claims(hs, hu.ID, "access"))))
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server fetched attacker URLs %d times", n)
	}
}

// TestTokenKIDLookupOnly (RFC 8725 §3.10, CVE-2017-11424-style kid injection): kid only selects
// among configured keys: traversal paths, SQL, shell and oversize kids, signed with the keys
// they would conjure up (an empty file, a guessed row), are refused, as is the real key under an
// unknown kid.
func TestTokenKIDLookupOnly(t *testing.T) {
	t.Parallel()
	e, priv, _ := asymmetric(t, "RS256")
	u := e.CreateUser("a@example.com", pw)
	payload := js(t, claims(e, u.ID, "access"))
	wantAccepted(t, e, forge(t, "RS256", priv, `{"alg":"RS256","kid":"k1","typ":"JWT"}`, payload))
	kids := []string{"../../../../../../dev/null", "/dev/null", "..\\..\\windows\\win.ini", "' OR '1'='1",
		"x' UNION SELECT 'secret' --", "k1' --", "|cat /etc/passwd", "$(id)", "k1\\u0000", "K1", " k1", "k1 ",
		strings.Repeat("k", 4096)}
	for _, kid := range kids {
		q, _ := json.Marshal(kid)
		for _, secret := range [][]byte{{}, []byte("secret"), []byte("k1"), []byte("\n")} {
			h := `{"alg":"HS256","kid":` + string(q) + `,"typ":"JWT"}`
			wantRefused(t, e, "kid "+kid[:min(len(kid), 40)], forge(t, "HS256", secret, h, payload))
		}
		h := `{"alg":"RS256","kid":` + string(q) + `,"typ":"JWT"}`
		wantRefused(t, e, "real key under kid "+kid[:min(len(kid), 40)], forge(t, "RS256", priv, h, payload))
	}
	for _, kid := range []string{`0`, `null`, `["k1"]`, `{"k":"k1"}`, `true`} {
		h := `{"alg":"RS256","kid":` + kid + `,"typ":"JWT"}`
		wantRefused(t, e, "kid of JSON type "+kid, forge(t, "RS256", priv, h, payload))
	}
}

// nonCanonical re-spells a base64url segment whose last character carries unused low bits, so
// that a lenient decoder reads the same bytes; ok is false when the segment has no such bits.
func nonCanonical(seg string) (string, bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	unused := map[int]int{2: 0x0F, 3: 0x03}[len(seg)%4]
	if unused == 0 {
		return seg, false
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[last|1]), last&1 == 0
}

// TestTokenStrictBase64 (RFC 7515 §2, RFC 8725 §3.2 parser differentials): only the canonical
// unpadded base64url spelling of a token verifies: no padding, no standard alphabet, no white
// space, no set unused bits, no extra segments.
func TestTokenStrictBase64(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("a@example.com", pw)
	var real, h, p, s string
	spelled := map[string]string{}
	for range 200 { // until the signature holds a '-' or '_' and has unused bits to set
		real = forge(t, "HS256", key(), hs256Header, js(t, claims(e, u.ID, "access")))
		h, p, s = segments(t, real)
		if strings.ContainsAny(s, "-_") {
			if nc, ok := nonCanonical(s); ok {
				spelled["unused bits set in the signature"] = h + "." + p + "." + nc
				break
			}
		}
	}
	if len(spelled) == 0 {
		t.Fatal("no token with a '-' or '_' and clear unused bits in 200 tries")
	}
	wantAccepted(t, e, real)
	lenient, err := base64.RawURLEncoding.DecodeString(strings.Split(spelled["unused bits set in the signature"], ".")[2])
	if want, _ := base64.RawURLEncoding.DecodeString(s); err != nil || string(lenient) != string(want) {
		t.Fatalf("the re-spelt signature does not decode to the same bytes leniently: %v", err)
	}
	std := strings.NewReplacer("-", "+", "_", "/").Replace(s)
	for name, tok := range map[string]string{
		"padded signature":  h + "." + p + "." + s + "=",
		"padded payload":    h + "." + p + "==." + s,
		"standard alphabet": h + "." + p + "." + std,
		"fourth segment":    real + ".e30",
		"empty signature":   h + "." + p + ".",
		"percent-encoded":   h + "." + p + "." + strings.ReplaceAll(strings.ReplaceAll(s, "-", "%2D"), "_", "%5F"),
		"leading dot":       "." + real,
	} {
		spelled[name] = tok
	}
	if nc, ok := nonCanonical(h); ok {
		spelled["unused bits set in the header"] = nc + "." + p + "." + s
	}
	for name, tok := range spelled {
		wantRefused(t, e, name, tok)
	}
	// White space cannot travel in the Authorization header; it can in a body.
	for name, tok := range map[string]string{
		"space in the payload":     h + "." + p[:10] + " " + p[10:] + "." + s,
		"newline in the signature": h + "." + p + "." + s[:20] + "\n" + s[20:],
		"trailing CRLF":            real + "\r\n",
	} {
		if r := e.Post("/api/token/verify/", map[string]string{"token": tok}); r.Status != 401 || r.Str("code") != "token_not_valid" {
			t.Errorf("%s: verify answers %d %s", name, r.Status, r.Raw)
		}
	}
}

// TestTokenDuplicateJSONKeys (RFC 8725 §3.2, RFC 7515 §5.2): a correctly signed token whose
// header or claims name a member twice — even spelt with escapes — is refused rather than read
// one way here and another way by a peer.
func TestTokenDuplicateJSONKeys(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite)
	victim := e.CreateUser("victim@example.com", pw)
	attacker := e.CreateUser("attacker@example.com", pw)
	c := claims(e, attacker.ID, "access")
	valid := js(t, c)
	wantAccepted(t, e, forge(t, "HS256", key(), hs256Header, valid))
	body := strings.TrimSuffix(valid, "}")
	for name, payload := range map[string]string{
		"user_id twice":            body + `,"user_id":"` + victim.ID + `"}`,
		"escaped user_id twice":    body + `,"user\u005fid":"` + victim.ID + `"}`,
		"token_type twice":         body + `,"token_type":"refresh"}`,
		"exp twice":                body + `,"exp":99999999999}`,
		"jti twice":                body + `,"jti":"` + newJTI() + `"}`,
		"unknown claim twice":      body + `,"x":1,"x":2}`,
		"nested object duplicates": body + `,"x":{"a":1,"a":2}}`,
	} {
		wantRefused(t, e, name, forge(t, "HS256", key(), hs256Header, payload))
	}
	for _, h := range []string{`{"alg":"HS256","alg":"none","typ":"JWT"}`, `{"alg":"none","alg":"HS256","typ":"JWT"}`,
		`{"alg":"HS256","typ":"JWT","typ":"JWT"}`} {
		wantRefused(t, e, h, forge(t, "HS256", key(), h, valid))
	}
}

// TestTokenOversizeRejectedFast (RFC 8725 §3.2, CVE-2022-21681-style resource exhaustion): a
// token beyond the size limit is refused before any decoding — Parse allocates nothing for it —
// and over HTTP in the header and in the body alike.
func TestTokenOversizeRejectedFast(t *testing.T) { // not parallel: AllocsPerRun
	e := authtest.Start(t, authtest.SQLite)
	u := e.CreateUser("a@example.com", pw)
	c := claims(e, u.ID, "access")
	c["pad"] = strings.Repeat("A", 16<<10)
	big := forge(t, "HS256", key(), hs256Header, js(t, c))
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := e.App.Tokens.Parse(big, token.TypeAccess); err == nil {
			t.Fatal("oversize token parsed")
		}
	})
	if allocs != 0 {
		t.Errorf("refusing an oversize token allocated %v times: it was decoded", allocs)
	}
	wantRefused(t, e, "16 KiB token", big)
	junk := strings.Repeat("a.", 30<<10) + "a"
	wantRefused(t, e, "60 KiB of segments", junk)
}

// BenchmarkOversizeToken measures how cheaply an oversize token is refused, next to a valid one.
func BenchmarkOversizeToken(b *testing.B) {
	e := authtest.Start(b, authtest.SQLite)
	valid := forge(b, "HS256", key(), hs256Header, js(b, claims(e, auth.NewUUID(), "access")))
	big := strings.Repeat("A", 1<<20)
	for name, tok := range map[string]string{"valid": valid, "oversize": big} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, _ = e.App.Tokens.Parse(tok, token.TypeAccess)
			}
		})
	}
}
