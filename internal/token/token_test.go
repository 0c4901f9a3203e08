package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// okAccess is a valid access token payload at the test clock, as SimpleJWT writes it.
const okAccess = `{"token_type":"access","exp":1700001800,"iat":1700000000,"jti":"0123456789abcdef0123456789abcdef","user_id":"u1"}`

// access returns okAccess with the claim name set to value (raw JSON), or removed when value is
// "-"; new claims go last.
func access(edits ...string) string {
	p := okAccess
	for i := 0; i+1 < len(edits); i += 2 {
		name, value := edits[i], edits[i+1]
		key := `"` + name + `":`
		start := strings.Index(p, key)
		if start < 0 {
			if value != "-" {
				p = p[:len(p)-1] + `,` + key + value + `}`
			}
			continue
		}
		end := start + len(key)
		depth, inStr := 0, false
		for ; end < len(p); end++ {
			c := p[end]
			if inStr {
				if c == '\\' {
					end++
				} else if c == '"' {
					inStr = false
				}
				continue
			}
			if c == '"' {
				inStr = true
			} else if c == '{' || c == '[' {
				depth++
			} else if c == '}' || c == ']' {
				if depth == 0 {
					break
				}
				depth--
			} else if c == ',' && depth == 0 {
				break
			}
		}
		if value == "-" {
			if p[end] == ',' {
				end++
			} else if p[start-1] == ',' {
				start--
			}
			p = p[:start] + p[end:]
			continue
		}
		p = p[:start] + key + value + p[end:]
	}
	return p
}

func swapPayload(tok, payload string) string {
	parts := strings.Split(tok, ".")
	return parts[0] + "." + b64(payload) + "." + parts[2]
}

// tokenCase is one row of the table. By default the token is okAccess signed by golang-jwt with
// the test key of the manager's algorithm, parsed by the manager "HS256" wanting an access token.
type tokenCase struct {
	name    string
	mgr     string // which manager parses; "" is "HS256"
	alg     string // algorithm (and test key) that signs; "" is the manager's own
	key     *Key   // signs instead of the test key of alg
	header  string // JOSE header JSON; "" is {"alg":alg,"typ":"JWT"}
	payload string // payload JSON; "" is okAccess
	token   string // a literal token, bypassing all of the above
	literal bool   // use token even when empty
	edit    func(string) string
	untyped bool // parse with TypeUntyped instead of TypeAccess
	want    Type // parse wanting this type instead of TypeAccess
	err     error
	check   func(t *testing.T, c Claims)
}

// managers builds the managers the table refers to.
func managers(t *testing.T, k keys) map[string]*Manager {
	ms := map[string]*Manager{}
	for _, alg := range SupportedAlgorithms() {
		ms[alg] = newManager(t, Config{Signing: k.signingKey(alg)})
	}
	ms["leeway"] = newManager(t, Config{Signing: Key{Secret: testSecret}, Leeway: 10 * time.Second})
	ms["subsecond"] = newManager(t, Config{Signing: Key{Secret: testSecret}, Leeway: 500 * time.Millisecond,
		Now: func() time.Time { return time.Unix(testNow, 600e6) }})
	ms["aud"] = newManager(t, Config{Signing: Key{Secret: testSecret}, Audience: "api", Issuer: "https://auth.example"})
	ms["rotation"] = newManager(t, Config{
		Signing: Key{ID: "new", Algorithm: "RS256", Private: k.rsaB},
		Verifying: []Key{
			{ID: "old", Algorithm: "RS256", Public: k.rsa.Public()},
			{ID: "legacy", Algorithm: "HS256", Secret: testSecret},
		},
	})
	ms["names"] = newManager(t, Config{Signing: Key{Secret: testSecret},
		Claims: ClaimNames{TokenType: "kind", JTI: "id", UserID: "sub", SlidingRefreshExp: "slide"}})
	ms["small"] = newManager(t, Config{Signing: Key{Secret: testSecret}, MaxTokenSize: 200})
	return ms
}

func TestParse(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	ms := managers(t, k)
	rsaPub, err := x509.MarshalPKIXPublicKey(k.rsa.Public())
	if err != nil {
		t.Fatal(err)
	}
	rsaPubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaPub})
	hsSig := func(secret []byte, input string) string {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(input))
		return b64(string(h.Sum(nil)))
	}
	wantClaims := func(want Claims) func(t *testing.T, c Claims) {
		return func(t *testing.T, c Claims) {
			if !reflect.DeepEqual(c, want) {
				t.Errorf("claims\n got %#v\nwant %#v", c, want)
			}
		}
	}
	okClaims := Claims{Type: TypeAccess, JTI: "0123456789abcdef0123456789abcdef", UserID: "u1",
		IssuedAt: time.Unix(testNow, 0).UTC(), ExpiresAt: time.Unix(testNow+1800, 0).UTC()}
	attacker := Key{Secret: []byte("attacker-secret-0123456789abcdef")}

	tests := []tokenCase{
		// Accepted, with the claims read exactly.
		{name: "access token", check: wantClaims(okClaims)},
		{name: "untyped parse accepts any type", payload: access("token_type", `"refresh"`), untyped: true},
		{name: "untyped parse accepts no type", payload: access("token_type", "-"), untyped: true},
		{name: "refresh wanted", payload: access("token_type", `"refresh"`), want: TypeRefresh},
		{name: "sliding wanted, refresh_exp read", want: TypeSliding,
			payload: `{"token_type":"sliding","exp":1700000300,"iat":1700000000,"jti":"j","refresh_exp":1700086400,"user_id":"u1"}`,
			check: func(t *testing.T, c Claims) {
				if c.RefreshExp != time.Unix(testNow+86400, 0).UTC() {
					t.Errorf("RefreshExp = %v", c.RefreshExp)
				}
			}},
		{name: "numeric user_id kept as text", payload: access("user_id", "42"),
			check: func(t *testing.T, c Claims) {
				if c.UserID != "42" || !c.userIDNumber {
					t.Errorf("UserID = %q (number %v)", c.UserID, c.userIDNumber)
				}
			}},
		{name: "no user_id is not a parse error", payload: access("user_id", "-"),
			check: func(t *testing.T, c Claims) {
				if c.UserID != "" {
					t.Errorf("UserID = %q", c.UserID)
				}
			}},
		{name: "escaped strings decoded", payload: access("jti", `"a\u00e9\ud83d\ude00\n"`, "user_id", `"\/u"`),
			check: func(t *testing.T, c Claims) {
				if c.JTI != "aé😀\n" || c.UserID != "/u" {
					t.Errorf("JTI %q UserID %q", c.JTI, c.UserID)
				}
			}},
		{name: "extra claims kept in order, verbatim", payload: access("z", `[1, 2.50]`, "nbf", "1700000000", "a", `{"b":null}`),
			check: func(t *testing.T, c Claims) {
				want := []Claim{{"z", []byte(`[1, 2.50]`)}, {"nbf", []byte("1700000000")}, {"a", []byte(`{"b":null}`)}}
				if !reflect.DeepEqual(c.Extra, want) {
					t.Errorf("Extra = %q", c.Extra)
				}
			}},
		{name: "fractional exp kept", payload: access("exp", "1700001800.25"),
			check: func(t *testing.T, c Claims) {
				if c.ExpiresAt != time.Unix(testNow+1800, 250e6).UTC() {
					t.Errorf("ExpiresAt = %v", c.ExpiresAt)
				}
			}},
		{name: "escaped claim names are the claims", payload: `{"token_\u0074ype":"access","\u0065xp":1700001800,"j\u0074i":"j","u\u0073er_id":"\u0075"}`,
			check: func(t *testing.T, c Claims) {
				if c.Type != TypeAccess || c.JTI != "j" || c.UserID != "u" || c.ExpiresAt.Unix() != testNow+1800 || c.Extra != nil {
					t.Errorf("claims %#v", c)
				}
			}},
		{name: "negative fractional iat", payload: access("iat", "-1.5"),
			check: func(t *testing.T, c Claims) {
				if c.IssuedAt != time.Unix(-2, 5e8).UTC() {
					t.Errorf("IssuedAt = %v", c.IssuedAt)
				}
			}},
		{name: "whitespace between JSON tokens", payload: " {\n\"token_type\" : \"access\",\t\"exp\":1700001800, \"jti\":\"j\"} \r\n"},
		{name: "typ header in other spellings", header: `{"alg":"HS256","typ":"application/jwt"}`},
		{name: "no typ header", header: `{"alg":"HS256"}`},
		{name: "header members in any order", header: `{"typ":"JWT","alg":"HS256"}`},
		{name: "escaped alg in header", header: `{"alg":"HS\u0032\u0035\u0036"}`},
		{name: "jku and x5u never fetched, token still checked by the configured key",
			header: `{"alg":"HS256","jku":"https://evil.example/jwks","x5u":"https://evil.example/c","typ":"JWT"}`},
		{name: "b64 true is the default", header: `{"alg":"HS256","b64":true}`},

		// Framing (RFC 7515 §7.1) and strict base64url.
		{name: "empty", literal: true, err: ErrInvalid},
		{name: "one segment", token: "eyJhbGciOiJIUzI1NiJ9", err: ErrInvalid},
		{name: "two segments", edit: func(s string) string { return s[:strings.LastIndexByte(s, '.')] }, err: ErrInvalid},
		{name: "four segments", edit: func(s string) string { return s + ".e30" }, err: ErrInvalid},
		{name: "empty signature", edit: func(s string) string { return s[:strings.LastIndexByte(s, '.')+1] }, err: ErrInvalid},
		{name: "truncated signature", edit: func(s string) string { return s[:len(s)-4] }, err: ErrInvalid},
		{name: "padding", edit: func(s string) string { return s + "=" }, err: ErrInvalid},
		{name: "leading space", edit: func(s string) string { return " " + s }, err: ErrInvalid},
		{name: "newline inside", edit: func(s string) string { return s[:10] + "\n" + s[10:] }, err: ErrInvalid},
		{name: "standard base64 alphabet", edit: func(s string) string {
			return strings.NewReplacer("-", "+", "_", "/").Replace(s)
		}, header: `{"alg":"HS256","x":"~~~>>>???"}`, err: ErrInvalid},
		{name: "non-canonical trailing bits in signature", edit: func(s string) string {
			// 32 bytes encode to 43 characters whose last carries 2 unused bits.
			last := s[len(s)-1]
			return s[:len(s)-1] + string(b64alphabet[strings.IndexByte(b64alphabet, last)|1])
		}, err: ErrInvalid},
		{name: "segment of impossible length", edit: func(s string) string {
			i := strings.IndexByte(s, '.')
			return s[:i] + "A" + s[i:]
		}, err: ErrInvalid},
		{name: "over MaxTokenSize, before decoding", mgr: "small", token: strings.Repeat("A", 201), err: ErrInvalid},
		{name: "at MaxTokenSize a token still parses", mgr: "small", payload: `{"exp":1700001800,"jti":"j","token_type":"access"}`},

		// Header (RFC 8725 §3.1, §2.8): the algorithm is the configured one.
		{name: "alg none, unsigned", token: b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(okAccess) + ".", err: ErrInvalid},
		{name: "alg none with a valid HMAC signature", token: func() string {
			in := b64(`{"alg":"none"}`) + "." + b64(okAccess)
			return in + "." + hsSig(testSecret, in)
		}(), err: ErrInvalid},
		{name: "alg HS512 on an HS256 manager, same secret", alg: "HS512", err: ErrInvalid},
		{name: "alg RS256 on an HS256 manager", alg: "RS256", err: ErrInvalid},
		{name: "HS256 signed with the RSA public key as secret", mgr: "RS256", token: func() string {
			in := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(okAccess)
			return in + "." + hsSig(rsaPubPEM, in)
		}(), err: ErrInvalid},
		{name: "RS256 header, HMAC signature with the RSA public key", mgr: "RS256", token: func() string {
			in := b64(`{"alg":"RS256","typ":"JWT"}`) + "." + b64(okAccess)
			return in + "." + hsSig(rsaPubPEM, in)
		}(), err: ErrInvalid},
		{name: "no alg", header: `{"typ":"JWT"}`, err: ErrInvalid},
		{name: "alg not a string", header: `{"alg":["HS256"]}`, err: ErrInvalid},
		{name: "alg in another case", header: `{"alg":"hs256"}`, err: ErrInvalid},
		{name: "duplicate alg", header: `{"alg":"HS256","alg":"none"}`, err: ErrInvalid},
		{name: "duplicate alg, one escaped", header: `{"alg":"HS256","\u0061lg":"HS256"}`, err: ErrInvalid},
		{name: "crit", header: `{"alg":"HS256","crit":["exp"],"exp":1}`, err: ErrInvalid},
		{name: "crit empty", header: `{"alg":"HS256","crit":[]}`, err: ErrInvalid},
		{name: "b64 false", header: `{"alg":"HS256","b64":false}`, err: ErrInvalid},
		{name: "typ of another kind of token", header: `{"alg":"HS256","typ":"at+jwt"}`, err: ErrInvalid},
		{name: "typ not a string", header: `{"alg":"HS256","typ":1}`, err: ErrInvalid},
		{name: "header is an array", header: `["alg","HS256"]`, err: ErrInvalid},
		{name: "header is a string", header: `"HS256"`, err: ErrInvalid},
		{name: "header not JSON", header: `{alg:HS256}`, err: ErrInvalid},
		{name: "header with trailing data", header: `{"alg":"HS256"}{}`, err: ErrInvalid},
		{name: "embedded jwk is never trusted", key: &attacker,
			header: `{"alg":"HS256","jwk":{"kty":"oct","k":"YXR0YWNrZXItc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY"}}`, err: ErrInvalid},
		{name: "wrong secret", key: &attacker, err: ErrInvalid},
		{name: "tampered payload", edit: func(s string) string { return swapPayload(s, access("user_id", `"admin"`)) }, err: ErrInvalid},

		// Rotation: kid selects among configured keys only.
		{name: "rotation: new key by kid", mgr: "rotation", alg: "RS256", key: &Key{Private: k.rsaB}, header: `{"alg":"RS256","kid":"new","typ":"JWT"}`},
		{name: "rotation: old key by kid", mgr: "rotation", alg: "RS256", key: &Key{Private: k.rsa}, header: `{"alg":"RS256","kid":"old","typ":"JWT"}`},
		{name: "rotation: old key, no kid (SimpleJWT)", mgr: "rotation", alg: "RS256", key: &Key{Private: k.rsa}},
		{name: "rotation: legacy HMAC secret, no kid", mgr: "rotation", alg: "HS256"},
		{name: "rotation: legacy HMAC secret by kid", mgr: "rotation", alg: "HS256", header: `{"alg":"HS256","kid":"legacy"}`},
		{name: "rotation: unknown kid", mgr: "rotation", alg: "RS256", key: &Key{Private: k.rsa}, header: `{"alg":"RS256","kid":"older"}`, err: ErrInvalid},
		{name: "rotation: kid of another key", mgr: "rotation", alg: "RS256", key: &Key{Private: k.rsa}, header: `{"alg":"RS256","kid":"new"}`, err: ErrInvalid},
		{name: "rotation: kid whose alg differs", mgr: "rotation", alg: "HS256", header: `{"alg":"HS256","kid":"old"}`, err: ErrInvalid},
		{name: "rotation: kid not a string", mgr: "rotation", alg: "RS256", key: &Key{Private: k.rsa}, header: `{"alg":"RS256","kid":1}`, err: ErrInvalid},
		{name: "rotation: RS256 key never verifies other algorithms", mgr: "rotation", alg: "PS256", key: &Key{Private: k.rsa}, err: ErrInvalid},
		{name: "rotation: unconfigured key, no kid", mgr: "rotation", alg: "ES256", err: ErrInvalid},

		// Payload: strict JSON, typed claims.
		{name: "payload not JSON", payload: `{"exp":1700001800,`, err: ErrInvalid},
		{name: "payload an array", payload: `[` + okAccess + `]`, err: ErrInvalid},
		{name: "payload null", payload: `null`, err: ErrInvalid},
		{name: "payload with trailing data", payload: okAccess + `x`, err: ErrInvalid},
		{name: "duplicate claim", payload: access("exp", `1700001800,"exp":1`), err: ErrInvalid},
		{name: "duplicate claim, one escaped", payload: access("x", `1,"\u0074oken_type":"refresh"`), err: ErrInvalid},
		{name: "duplicate in a nested object", payload: access("x", `{"a":1,"a":2}`), err: ErrInvalid},
		{name: "invalid UTF-8", payload: access("x", "\"\xff\""), err: ErrInvalid},
		{name: "UTF-8 encoded surrogate", payload: access("x", "\"\xed\xa0\x80\""), err: ErrInvalid},
		{name: "lone surrogate escape", payload: access("x", `"\ud800"`), err: ErrInvalid},
		{name: "lone low surrogate escape", payload: access("x", `"\udc00\ud800"`), err: ErrInvalid},
		{name: "surrogates in the wrong order", payload: access("x", `"\ud800\u0041"`), err: ErrInvalid},
		{name: "raw control character", payload: access("x", "\"a\tb\""), err: ErrInvalid},
		{name: "NaN", payload: access("x", `NaN`), err: ErrInvalid},
		{name: "Infinity exp", payload: access("exp", `Infinity`), err: ErrInvalid},
		{name: "float overflowing a double", payload: access("x", `1e400`), err: ErrInvalid},
		{name: "huge integer is fine (Python ints are unbounded)", payload: access("x", `-123456789012345678901234567890`)},
		{name: "leading zero", payload: access("x", `01`), err: ErrInvalid},
		{name: "too deep", payload: access("x", strings.Repeat("[", 40)+strings.Repeat("]", 40)), err: ErrInvalid},
		{name: "exp a string", payload: access("exp", `"1700001800"`), err: ErrInvalid},
		{name: "exp a boolean", payload: access("exp", `true`), err: ErrInvalid},
		{name: "exp null", payload: access("exp", `null`), err: ErrInvalid},
		{name: "exp past year 9999", payload: access("exp", `1e12`), err: ErrInvalid},
		{name: "iat a string", payload: access("iat", `"x"`), err: ErrInvalid},
		{name: "nbf a string", payload: access("nbf", `"x"`), err: ErrInvalid},
		{name: "jti a number", payload: access("jti", `1`), err: ErrInvalid},
		{name: "jti null", payload: access("jti", `null`), err: ErrInvalid},
		{name: "user_id a boolean", payload: access("user_id", `true`), err: ErrInvalid},
		{name: "user_id an object", payload: access("user_id", `{"id":1}`), err: ErrInvalid},
		{name: "token_type a number", payload: access("token_type", `1`), err: ErrInvalid},

		// Time (PyJWT: integer comparisons with the current second, leeway in seconds).
		{name: "exp now is expired", payload: access("exp", "1700000000"), err: ErrInvalid},
		{name: "exp in a second", payload: access("exp", "1700000001")},
		{name: "exp within the current second is expired", payload: access("exp", "1700000000.5"), err: ErrInvalid},
		{name: "exp long past", payload: access("exp", "-1"), err: ErrInvalid},
		{name: "leeway: exp 9s ago", mgr: "leeway", payload: access("exp", "1699999991")},
		{name: "leeway: exp 10s ago", mgr: "leeway", payload: access("exp", "1699999990"), err: ErrInvalid},
		{name: "sub-second leeway: PyJWT passes, SimpleJWT's check_exp refuses", mgr: "subsecond", payload: access("exp", "1700000000"), err: ErrInvalid},
		{name: "sub-second leeway: exp next second", mgr: "subsecond", payload: access("exp", "1700000001")},
		{name: "nbf now", payload: access("nbf", "1700000000")},
		{name: "nbf in a second", payload: access("nbf", "1700000001"), err: ErrInvalid},
		{name: "leeway: nbf in 10s", mgr: "leeway", payload: access("nbf", "1700000010")},
		{name: "leeway: nbf in 11s", mgr: "leeway", payload: access("nbf", "1700000011"), err: ErrInvalid},
		{name: "iat in a second", payload: access("iat", "1700000001"), err: ErrInvalid},
		{name: "iat later this second", payload: access("iat", "1700000000.9")},
		{name: "leeway: iat in 10s", mgr: "leeway", payload: access("iat", "1700000010")},
		{name: "leeway: iat in 11s", mgr: "leeway", payload: access("iat", "1700000011"), err: ErrInvalid},

		// Audience and issuer (PyJWT's rules).
		{name: "aud with no audience configured", payload: access("aud", `"api"`), err: ErrInvalid},
		{name: "empty aud with no audience configured", payload: access("aud", `""`)},
		{name: "aud [] with no audience configured", payload: access("aud", `[]`)},
		{name: "aud null with no audience configured", payload: access("aud", `null`)},
		{name: "aud 0.0 with no audience configured", payload: access("aud", `0.0e5`)},
		{name: "aud 1 with no audience configured", payload: access("aud", `1`), err: ErrInvalid},
		{name: "aud {} with no audience configured", payload: access("aud", `{ }`)},
		{name: "aud and iss", mgr: "aud", payload: access("aud", `"api"`, "iss", `"https://auth.example"`)},
		{name: "aud list holding it", mgr: "aud", payload: access("aud", `["web", "api"]`, "iss", `"https:\/\/auth.example"`)},
		{name: "aud list with a non-string", mgr: "aud", payload: access("aud", `["api",1]`, "iss", `"https://auth.example"`), err: ErrInvalid},
		{name: "aud missing", mgr: "aud", payload: access("iss", `"https://auth.example"`), err: ErrInvalid},
		{name: "aud empty list", mgr: "aud", payload: access("aud", `[]`, "iss", `"https://auth.example"`), err: ErrInvalid},
		{name: "aud other", mgr: "aud", payload: access("aud", `"apix"`, "iss", `"https://auth.example"`), err: ErrInvalid},
		{name: "aud as object", mgr: "aud", payload: access("aud", `{"api":1}`, "iss", `"https://auth.example"`), err: ErrInvalid},
		{name: "iss missing", mgr: "aud", payload: access("aud", `"api"`), err: ErrInvalid},
		{name: "iss other", mgr: "aud", payload: access("aud", `"api"`, "iss", `"https://auth.example/"`), err: ErrInvalid},
		{name: "iss a list", mgr: "aud", payload: access("aud", `"api"`, "iss", `["https://auth.example"]`), err: ErrInvalid},

		// SimpleJWT's Token.verify, in its order.
		{name: "no exp", payload: access("exp", "-"), err: ErrNoExp},
		{name: "no exp beats no jti", payload: access("exp", "-", "jti", "-"), err: ErrNoExp},
		{name: "bad aud beats no exp", payload: access("exp", "-", "aud", `"x"`), err: ErrInvalid},
		{name: "expired beats no jti", payload: access("exp", "1", "jti", "-"), err: ErrInvalid},
		{name: "no jti", payload: access("jti", "-"), err: ErrNoID},
		{name: "empty jti", payload: access("jti", `""`), err: ErrNoID},
		{name: "no jti beats no type", payload: access("jti", "-", "token_type", "-"), err: ErrNoID},
		{name: "no type", payload: access("token_type", "-"), err: ErrNoType},
		{name: "refresh where access wanted", payload: access("token_type", `"refresh"`), err: ErrWrongType},
		{name: "access where refresh wanted", want: TypeRefresh, err: ErrWrongType},
		{name: "unknown type", payload: access("token_type", `"Access"`), err: ErrWrongType},

		// Configured claim names.
		{name: "renamed claims", mgr: "names", payload: `{"kind":"access","exp":1700001800,"id":"j","sub":"u1","jti":"other"}`,
			check: func(t *testing.T, c Claims) {
				if c.Type != TypeAccess || c.JTI != "j" || c.UserID != "u1" || len(c.Extra) != 1 || c.Extra[0].Name != "jti" {
					t.Errorf("claims %#v", c)
				}
			}},
		{name: "renamed: default jti is no id", mgr: "names", payload: `{"kind":"access","exp":1700001800,"jti":"j"}`, err: ErrNoID},
		{name: "renamed: default type is no type", mgr: "names", payload: `{"token_type":"access","exp":1700001800,"id":"j"}`, err: ErrNoType},
	}
	for _, alg := range SupportedAlgorithms() {
		tests = append(tests,
			tokenCase{name: alg + " round trip", mgr: alg, check: wantClaims(okClaims)},
			tokenCase{name: alg + " tampered", mgr: alg, err: ErrInvalid,
				edit: func(s string) string { return swapPayload(s, access("user_id", `"u2"`)) }},
		)
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := ms[tc.mgr]
			if tc.mgr == "" {
				m = ms["HS256"]
			}
			want := TypeAccess
			switch {
			case tc.untyped:
				want = TypeUntyped
			case tc.want != "":
				want = tc.want
			}
			tok := tc.token
			if tok == "" && !tc.literal {
				tok = buildToken(t, k, m, tc)
			}
			if tc.edit != nil {
				// The edit must be what the row tests: the token parses before it.
				if _, err := m.Parse(tok, want); err != nil {
					t.Fatalf("unedited token refused: %v", err)
				}
				before := tok
				if tok = tc.edit(tok); tok == before {
					t.Fatal("edit changed nothing")
				}
			}
			c, err := m.Parse(tok, want)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || err != tc.err {
					t.Fatalf("Parse error = %v, want %v", err, tc.err)
				}
				if !reflect.DeepEqual(c, Claims{}) {
					t.Errorf("claims returned with an error: %#v", c)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v (token %s)", err, tok)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

const b64alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// buildToken signs the row's header and payload with golang-jwt.
func buildToken(t *testing.T, k keys, m *Manager, tc tokenCase) string {
	alg := tc.alg
	if alg == "" {
		alg = m.signer.alg.name
	}
	key := k.signingKey(alg)
	if tc.key != nil {
		key = *tc.key
	}
	header := tc.header
	if header == "" {
		header = `{"alg":"` + alg + `","typ":"JWT"}`
	}
	payload := tc.payload
	if payload == "" {
		payload = okAccess
	}
	return jwtSign(t, alg, key, header, payload)
}
