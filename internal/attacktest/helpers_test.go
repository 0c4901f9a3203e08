// Package attacktest is authgate's attack suite: one test per entry of the catalogue of attacks on
// JWT servers (RFC 8725, JWT library CVEs, OWASP ASVS 4.0.3 V2/V3/V13, NIST SP 800-63B), each
// run against a real server on a real database through internal/authtest. SECURITY.md cites the
// tests by name.
package attacktest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/mail/mailtest"
	"github.com/golang-jwt/jwt/v5"
)

// pw is the password of every test user.
const pw = "correct horse battery staple"

// b64 is the JWS segment encoding (RFC 7515 §2: base64url without padding).
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// unb64 decodes a JWS segment.
func unb64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode segment %q: %v", s, err)
	}
	return string(b)
}

// forge builds a compact JWS from the exact header and payload text given, signed with alg and
// signingKey (alg "none" leaves the signature empty). The bytes are the attacker's: nothing is
// re-encoded.
func forge(t testing.TB, alg string, signingKey any, header, payload string) string {
	t.Helper()
	input := b64(header) + "." + b64(payload)
	if alg == "none" {
		return input + "."
	}
	if k, ok := signingKey.([]byte); ok && strings.HasPrefix(alg, "HS") {
		// By hand: libraries refuse the empty and short keys attackers try.
		hf := map[string]func() hash.Hash{"HS256": sha256.New, "HS384": sha512.New384, "HS512": sha512.New}[alg]
		mac := hmac.New(hf, k)
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	m := jwt.GetSigningMethod(alg)
	if m == nil {
		t.Fatalf("no signing method %q", alg)
	}
	sig, err := m.Sign(input, signingKey)
	if err != nil {
		t.Fatalf("sign %s: %v", alg, err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// newJTI is a SimpleJWT-shaped jti: 32 lowercase hex characters.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// claims is a valid payload of type typ for the user, as SimpleJWT writes it, at the harness's
// clock; edit the map to make it hostile.
func claims(e *authtest.Env, userID, typ string) map[string]any {
	now := e.Clock.Now()
	return map[string]any{"token_type": typ, "exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(),
		"jti": newJTI(), "user_id": userID}
}

// js is compact JSON of v.
func js(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hs256Header is the header authgate and SimpleJWT write.
const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// me calls GET /api/me/ with the access token.
func me(e *authtest.Env, access string) authtest.Response {
	e.T.Helper()
	return e.Do("GET", "/api/me/", nil, authtest.Bearer(access)...)
}

// segments splits a compact JWS.
func segments(t *testing.T, raw string) (header, payload, sig string) {
	t.Helper()
	p := strings.Split(raw, ".")
	if len(p) != 3 {
		t.Fatalf("not a compact JWS: %q", raw)
	}
	return p[0], p[1], p[2]
}

// payloadOf decodes a token's claims without checking anything.
func payloadOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	_, p, _ := segments(t, raw)
	var m map[string]any
	if err := json.Unmarshal([]byte(unb64(t, p)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// startDefaultHashing is authtest.Start with the production argon2id parameters instead of the
// harness's cheap ones, for the timing test of logins (an unknown e-mail must cost what a real
// hash costs).
func startDefaultHashing(t *testing.T, vars map[string]string) *authtest.Env {
	t.Helper()
	smtp := mailtest.NewServer(t)
	env := map[string]string{
		"AUTHGATE_DATABASE_URL":           authtest.DatabaseURL(t, authtest.SQLite),
		"AUTHGATE_SIGNING_KEY":            authtest.Key,
		"AUTHGATE_EMAIL_URL":              smtp.URL(),
		"AUTHGATE_THROTTLE_LOGIN":         "0/min",
		"AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "0/min",
		"AUTHGATE_THROTTLE_RESET":         "0/min",
	}
	for k, v := range vars {
		env[k] = v
	}
	cfg, _, err := config.Load("test", nil, func(k string) string { return env[k] }, io.Discard, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &authtest.LockedBuffer{}
	clock := &authtest.Clock{}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)),
		app.Options{Now: clock.Now, MailTLS: smtp.TLSConfig()})
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &authtest.Env{T: t, URL: srv.URL, App: a, Clock: clock, Mail: smtp, Backend: authtest.SQLite,
		Server: srv, Logs: logs, Client: &http.Client{Timeout: 30 * time.Second}}
}

// uniqueEmail gives each run its own account, so shared throttling state (Redis) from earlier
// runs cannot leak into this one.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%s@example.com", prefix, newJTI()[:12])
}

// uniqueIP is an address in a random /64 of the IPv6 documentation prefix (RFC 3849), so that no
// two runs or calls share a per-address bucket (throttling counts IPv6 clients by /64).
func uniqueIP() string { return uniqueNet64() + ":1" }

// uniqueNet64 is a random /64 of the documentation prefix: its four groups and a colon, to which
// an interface id of four groups (or ":1") is appended.
func uniqueNet64() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("2001:db8:%x:%x:", b[0:2], b[2:4])
}
