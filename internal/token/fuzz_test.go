package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzParse feeds arbitrary tokens to Parse. With sign set, the fuzzer's header and payload get a
// valid HS256 signature, so it explores everything past the signature check. Parse must never
// panic, and whatever it accepts must be sound: the signature verifies independently, the
// payload is JSON to encoding/json too, parsing is repeatable, and the claims survive a
// Rotate and Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add(jwtSign(f, "HS256", Key{Secret: testSecret}, `{"alg":"HS256","typ":"JWT"}`, okAccess), false)
	f.Add(b64(`{"alg":"HS256"}`)+"."+b64(access("aud", `""`, "x", `[{"a":1.5e3}]`))+".", true)
	f.Add(b64(`{"alg":"none"}`)+"."+b64(okAccess)+".", false)
	m := newManager(f, Config{Signing: Key{Secret: testSecret}})
	named := newManager(f, Config{Signing: Key{Secret: testSecret}, Audience: "api", Issuer: "iss",
		Leeway: 30e9, Claims: ClaimNames{TokenType: "t", JTI: "id", UserID: "sub", SlidingRefreshExp: "r"}})

	f.Fuzz(func(t *testing.T, tok string, sign bool) {
		if sign {
			if i := strings.LastIndexByte(tok, '.'); i >= 0 {
				h := hmac.New(sha256.New, testSecret)
				h.Write([]byte(tok[:i]))
				tok = tok[:i+1] + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
			}
		}
		for _, mgr := range []*Manager{m, named} {
			c, err := mgr.Parse(tok, TypeUntyped)
			if _, typedErr := mgr.Parse(tok, TypeAccess); err != nil && typedErr == nil {
				t.Fatalf("typed parse accepts what untyped refuses (%v)", err)
			}
			if err != nil {
				if _, ok := err.(Error); !ok {
					t.Fatalf("error %v (%T) is not one of the Error constants", err, err)
				}
				continue
			}
			soundAccepted(t, mgr, tok, c)
		}
	})
}

func soundAccepted(t *testing.T, m *Manager, tok string, c Claims) {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.Strict().DecodeString(tok[i+1:])
	if err != nil {
		t.Fatalf("accepted a signature encoding/base64 refuses: %v", err)
	}
	if err := jwt.SigningMethodHS256.Verify(tok[:i], sig, testSecret); err != nil {
		t.Fatalf("accepted a token golang-jwt does not verify: %v", err)
	}
	parts := strings.Split(tok, ".")
	for _, seg := range parts[:2] {
		raw, err := base64.RawURLEncoding.Strict().DecodeString(seg)
		if err != nil || !json.Valid(raw) {
			t.Fatalf("accepted a segment that is not base64url JSON: %q (%v)", seg, err)
		}
	}
	again, err := m.Parse(tok, TypeUntyped)
	if err != nil || !reflect.DeepEqual(again, c) {
		t.Fatalf("second parse differs: %#v, %v", again, err)
	}
	c.Type = TypeRefresh
	rotated, rc, err := m.Rotate(c)
	if err != nil {
		t.Fatalf("Rotate of accepted claims: %v", err)
	}
	if len(rotated) > m.cfg.MaxTokenSize {
		return // escaping non-ASCII text, as Python does, can outgrow the limit
	}
	back, err := m.Parse(rotated, TypeRefresh)
	if err != nil {
		t.Fatalf("rotated token refused: %v\n%s", err, rotated)
	}
	if !reflect.DeepEqual(back, rc) {
		t.Fatalf("rotated claims changed:\n got %#v\nwant %#v", back, rc)
	}
	if back.UserID != c.UserID || len(back.Extra) != len(c.Extra) {
		t.Fatalf("rotation lost claims: %#v from %#v", back, c)
	}
	for j, e := range back.Extra {
		var x, y any
		if e.Name != c.Extra[j].Name || json.Unmarshal(e.Value, &x) != nil || json.Unmarshal(c.Extra[j].Value, &y) != nil {
			t.Fatalf("extra claim %d: %s=%s from %s=%s", j, e.Name, e.Value, c.Extra[j].Name, c.Extra[j].Value)
		}
		if (e.Name == "aud" && m.cfg.Audience != "") || (e.Name == "iss" && m.cfg.Issuer != "") {
			continue // replaced by the configured value
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("extra claim %s: %s, was %s", e.Name, e.Value, c.Extra[j].Value)
		}
	}
}
