package token

import (
	"encoding/base64"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// firstJTI is the jti counterRand yields first: bytes 1..16 with the version and variant set.
const firstJTI = "0102030405064708890a0b0c0d0e0f10"

// decodeSegments returns a token's header and payload JSON.
func decodeSegments(t *testing.T, tok string) (header, payload string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments", tok, len(parts))
	}
	h, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(h), string(p)
}

// TestIssueWire pins the exact header and payload bytes SimpleJWT writes.
func TestIssueWire(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	ecKID := newManager(t, Config{Signing: Key{Algorithm: "ES256", Private: k.ec256}}).KeyID()
	hsKID := newManager(t, Config{Signing: Key{Secret: testSecret}}).KeyID()
	tests := []struct {
		name            string
		cfg             Config
		typ             Type
		header, payload string
	}{
		{name: "access, default HS256", cfg: Config{Signing: Key{Secret: testSecret}}, typ: TypeAccess,
			header:  `{"alg":"HS256","typ":"JWT"}`,
			payload: `{"token_type":"access","exp":1700001800,"iat":1700000000,"jti":"` + firstJTI + `","user_id":"u1"}`},
		{name: "refresh", cfg: Config{Signing: Key{Secret: testSecret}}, typ: TypeRefresh,
			header:  `{"alg":"HS256","typ":"JWT"}`,
			payload: `{"token_type":"refresh","exp":1700259200,"iat":1700000000,"jti":"` + firstJTI + `","user_id":"u1"}`},
		{name: "sliding: refresh_exp before user_id", cfg: Config{Signing: Key{Secret: testSecret}}, typ: TypeSliding,
			header:  `{"alg":"HS256","typ":"JWT"}`,
			payload: `{"token_type":"sliding","exp":1700000300,"iat":1700000000,"jti":"` + firstJTI + `","refresh_exp":1700086400,"user_id":"u1"}`},
		{name: "custom lifetimes and names", typ: TypeSliding, cfg: Config{Signing: Key{Secret: testSecret},
			SlidingLifetime: time.Minute, SlidingRefreshLifetime: time.Hour,
			Claims: ClaimNames{TokenType: "kind", JTI: "id", UserID: "sub", SlidingRefreshExp: "slide"}},
			header:  `{"alg":"HS256","typ":"JWT"}`,
			payload: `{"kind":"sliding","exp":1700000060,"iat":1700000000,"id":"` + firstJTI + `","slide":1700003600,"sub":"u1"}`},
		{name: "aud and iss last", cfg: Config{Signing: Key{Secret: testSecret}, Audience: "api", Issuer: "https://auth.example/é"}, typ: TypeAccess,
			header:  `{"alg":"HS256","typ":"JWT"}`,
			payload: `{"token_type":"access","exp":1700001800,"iat":1700000000,"jti":"` + firstJTI + `","user_id":"u1","aud":"api","iss":"https://auth.example/\u00e9"}`},
		{name: "HMAC key with an ID", cfg: Config{Signing: Key{ID: "k\"1", Secret: testSecret}}, typ: TypeAccess,
			header:  `{"alg":"HS256","kid":"k\"1","typ":"JWT"}`,
			payload: `{"token_type":"access","exp":1700001800,"iat":1700000000,"jti":"` + firstJTI + `","user_id":"u1"}`},
		{name: "HMAC key in rotation: thumbprint kid", typ: TypeAccess,
			cfg:     Config{Signing: Key{Secret: testSecret}, Verifying: []Key{{Secret: []byte(strings.Repeat("o", 32))}}},
			header:  `{"alg":"HS256","kid":"` + hsKID + `","typ":"JWT"}`,
			payload: `{"token_type":"access","exp":1700001800,"iat":1700000000,"jti":"` + firstJTI + `","user_id":"u1"}`},
		{name: "asymmetric key: thumbprint kid", cfg: Config{Signing: Key{Algorithm: "ES256", Private: k.ec256}}, typ: TypeAccess,
			header:  `{"alg":"ES256","kid":"` + ecKID + `","typ":"JWT"}`,
			payload: `{"token_type":"access","exp":1700001800,"iat":1700000000,"jti":"` + firstJTI + `","user_id":"u1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newManager(t, tc.cfg)
			tok, c, err := m.Issue(tc.typ, "u1")
			if err != nil {
				t.Fatal(err)
			}
			header, payload := decodeSegments(t, tok)
			if header != tc.header {
				t.Errorf("header\n got %s\nwant %s", header, tc.header)
			}
			if payload != tc.payload {
				t.Errorf("payload\n got %s\nwant %s", payload, tc.payload)
			}
			parsed, err := m.Parse(tok, tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(parsed, c) {
				t.Errorf("Parse of the token\n got %#v\nwant %#v", parsed, c)
			}
		})
	}
}

// TestIssueVerifiesWithGolangJWT checks every algorithm's tokens against an independent verifier.
func TestIssueVerifiesWithGolangJWT(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	for _, alg := range SupportedAlgorithms() {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			key := k.signingKey(alg)
			m := newManager(t, Config{Signing: key, Now: time.Now})
			tok, c, err := m.Issue(TypeRefresh, "u1")
			if err != nil {
				t.Fatal(err)
			}
			var verifyKey any = key.Secret
			if key.Private != nil {
				verifyKey = key.Private.Public()
			}
			got, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return verifyKey, nil },
				jwt.WithValidMethods([]string{alg}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
			if err != nil {
				t.Fatalf("golang-jwt refuses %s token: %v", alg, err)
			}
			claims := got.Claims.(jwt.MapClaims)
			if claims["jti"] != c.JTI || claims["user_id"] != "u1" || claims["token_type"] != "refresh" {
				t.Errorf("claims %v", claims)
			}
			if _, err := m.Parse(tok, TypeRefresh); err != nil {
				t.Errorf("own Parse: %v", err)
			}
		})
	}
}

func TestJTI(t *testing.T) {
	t.Parallel()
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Rand: randReader()})
	uuid4 := regexp.MustCompile(`^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$`)
	seen := map[string]bool{}
	for range 2000 {
		_, c, err := m.Issue(TypeAccess, "u1")
		if err != nil {
			t.Fatal(err)
		}
		if !uuid4.MatchString(c.JTI) {
			t.Fatalf("jti %q is not a dashless uuid4", c.JTI)
		}
		if seen[c.JTI] {
			t.Fatalf("jti %q repeated", c.JTI)
		}
		seen[c.JTI] = true
	}
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(unix int64) { c.mu.Lock(); defer c.mu.Unlock(); c.now = time.Unix(unix, 0) }

// TestCopyRules pins what AccessFrom, Rotate and RefreshSliding copy, byte for byte.
func TestCopyRules(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	clk.Set(testNow)
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Issuer: "https://auth.example", Now: clk.Now})
	refreshTok := jwtSign(t, "HS256", Key{Secret: testSecret}, `{"alg":"HS256","typ":"JWT"}`,
		`{"token_type":"refresh","exp":1700100000,"iat":1699990000,"jti":"r1","user_id":42,"iss":"https://auth.example","name":"Zo\u00eb","scope":[1, 2.50,{"a":1e2, "b":"\/"}]}`)
	refresh, err := m.Parse(refreshTok, TypeRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := refresh.Get("name"); !ok || string(v) != `"Zo\u00eb"` {
		t.Errorf(`Get("name") = %s, %v`, v, ok)
	}
	if _, ok := refresh.Get("missing"); ok {
		t.Error(`Get("missing") found a claim`)
	}
	const rest = `"user_id":42,"iss":"https://auth.example","name":"Zo\u00eb","scope":[1,2.5,{"a":100.0,"b":"/"}]}`

	t.Run("AccessFrom copies all but type, exp and jti", func(t *testing.T) {
		tok, c, err := m.AccessFrom(refresh)
		if err != nil {
			t.Fatal(err)
		}
		_, payload := decodeSegments(t, tok)
		want := `{"token_type":"access","exp":1700001800,"iat":1699990000,"jti":"` + c.JTI + `",` + rest
		if payload != want {
			t.Errorf("payload\n got %s\nwant %s", payload, want)
		}
		if c.JTI == refresh.JTI {
			t.Error("jti copied")
		}
		if parsed, err := m.Parse(tok, TypeAccess); err != nil || !reflect.DeepEqual(parsed, c) {
			t.Errorf("Parse = %#v, %v; want %#v", parsed, err, c)
		}
	})
	t.Run("Rotate keeps every claim, new jti, exp and iat", func(t *testing.T) {
		tok, c, err := m.Rotate(refresh)
		if err != nil {
			t.Fatal(err)
		}
		_, payload := decodeSegments(t, tok)
		want := `{"token_type":"refresh","exp":1700259200,"iat":1700000000,"jti":"` + c.JTI + `",` + rest
		if payload != want {
			t.Errorf("payload\n got %s\nwant %s", payload, want)
		}
		if c.JTI == refresh.JTI {
			t.Error("jti kept")
		}
		if parsed, err := m.Parse(tok, TypeRefresh); err != nil || !reflect.DeepEqual(parsed, c) {
			t.Errorf("Parse = %#v, %v; want %#v", parsed, err, c)
		}
	})
	t.Run("types are checked", func(t *testing.T) {
		access := refresh
		access.Type = TypeAccess
		if _, _, err := m.AccessFrom(access); err != ErrWrongType {
			t.Errorf("AccessFrom(access) = %v", err)
		}
		if _, _, err := m.Rotate(access); err != ErrWrongType {
			t.Errorf("Rotate(access) = %v", err)
		}
		if _, _, err := m.RefreshSliding(refresh); err != ErrWrongType {
			t.Errorf("RefreshSliding(refresh) = %v", err)
		}
	})
}

func TestCopyRulesRenamedJTIAndRegisteredClaims(t *testing.T) {
	t.Parallel()
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Audience: "api", Issuer: "new",
		Claims: ClaimNames{JTI: "id"}})
	refresh := Claims{Type: TypeRefresh, JTI: "r1", UserID: "u1", IssuedAt: time.Unix(testNow-60, 0).UTC(),
		ExpiresAt: time.Unix(testNow+60, 0).UTC(),
		Extra:     []Claim{{"iss", []byte(`"old"`)}, {"jti", []byte(`"x"`)}, {"n", []byte(`1`)}}}

	// SimpleJWT's no_copy_claims hold both the configured JTI claim and "jti".
	tok, _, err := m.AccessFrom(refresh)
	if err != nil {
		t.Fatal(err)
	}
	_, payload := decodeSegments(t, tok)
	want := `{"token_type":"access","exp":1700001800,"iat":1699999940,"id":"` + firstJTI + `","user_id":"u1","iss":"new","n":1,"aud":"api"}`
	if payload != want {
		t.Errorf("AccessFrom payload\n got %s\nwant %s", payload, want)
	}
	tok, _, err = m.Rotate(refresh)
	if err != nil {
		t.Fatal(err)
	}
	_, payload = decodeSegments(t, tok)
	want = `{"token_type":"refresh","exp":1700259200,"iat":1700000000,"id":"1112131415164718991a1b1c1d1e1f20","user_id":"u1","iss":"new","jti":"x","n":1,"aud":"api"}`
	if payload != want {
		t.Errorf("Rotate payload\n got %s\nwant %s", payload, want)
	}
	if len(refresh.Extra) != 3 || string(refresh.Extra[0].Value) != `"old"` {
		t.Errorf("caller's claims changed: %q", refresh.Extra)
	}

	// A refresh token without iat gives an access token issued now, as SimpleJWT's does.
	refresh.IssuedAt = time.Time{}
	_, c, err := m.AccessFrom(refresh)
	if err != nil || c.IssuedAt != time.Unix(testNow, 0).UTC() {
		t.Errorf("AccessFrom without iat: iat %v, %v", c.IssuedAt, err)
	}
}

func TestRefreshSliding(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	clk.Set(testNow)
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Now: clk.Now, Leeway: 5 * time.Second})
	_, issued, err := m.Issue(TypeSliding, "u1")
	if err != nil {
		t.Fatal(err)
	}

	clk.Set(testNow + 200)
	tok, c, err := m.RefreshSliding(issued)
	if err != nil {
		t.Fatal(err)
	}
	want := issued
	want.IssuedAt = time.Unix(testNow+200, 0).UTC()
	want.ExpiresAt = time.Unix(testNow+200+300, 0).UTC()
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claims\n got %#v\nwant %#v", c, want)
	}
	if parsed, err := m.Parse(tok, TypeSliding); err != nil || !reflect.DeepEqual(parsed, c) {
		t.Errorf("Parse = %#v, %v", parsed, err)
	}

	clk.Set(testNow + 86400 + 4) // within the leeway
	if _, _, err := m.RefreshSliding(issued); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	clk.Set(testNow + 86400 + 5)
	if _, _, err := m.RefreshSliding(issued); err != ErrRefreshExpired {
		t.Errorf("past refresh_exp: %v", err)
	}
	noExp := issued
	noExp.RefreshExp = time.Time{}
	if _, _, err := m.RefreshSliding(noExp); err != ErrNoRefreshExp {
		t.Errorf("no refresh_exp: %v", err)
	}
	if msg := ErrRefreshExpired.Error(); msg != "Token 'refresh_exp' claim has expired" {
		t.Errorf("message %q", msg)
	}

	renamed := newManager(t, Config{Signing: Key{Secret: testSecret}, Claims: ClaimNames{SlidingRefreshExp: "slide"}})
	_, err = func() (string, error) { tok, _, err := renamed.RefreshSliding(noExp); return tok, err }()
	if !errors.Is(err, ErrNoRefreshExp) || err.Error() != "Token has no 'slide' claim" {
		t.Errorf("renamed claim error = %v", err)
	}
}

func TestIssueErrors(t *testing.T) {
	t.Parallel()
	m := newManager(t, Config{Signing: Key{Secret: testSecret}})
	if _, _, err := m.Issue("bogus", "u1"); err == nil || !strings.Contains(err.Error(), "unknown token type") {
		t.Errorf("unknown type: %v", err)
	}
	if _, _, err := m.Issue(TypeAccess, ""); err == nil || !strings.Contains(err.Error(), "empty user id") {
		t.Errorf("empty user: %v", err)
	}
	boom := errors.New("entropy exhausted")
	broken := newManager(t, Config{Signing: Key{Secret: testSecret}, Rand: iotest.ErrReader(boom)})
	if _, _, err := broken.Issue(TypeAccess, "u1"); !errors.Is(err, boom) {
		t.Errorf("rand failure: %v", err)
	}

	base := Claims{Type: TypeRefresh, JTI: "j", UserID: "u", ExpiresAt: time.Unix(testNow+9, 0)}
	for _, tc := range []struct {
		name  string
		extra []Claim
		want  string
	}{
		{"reserved name", []Claim{{"exp", []byte("1")}}, `extra claim "exp" has a field of its own`},
		{"renamed reserved name", []Claim{{"user_id", []byte("1")}}, `extra claim "user_id" has a field of its own`},
		{"duplicate", []Claim{{"a", []byte("1")}, {"a", []byte("2")}}, `extra claim "a" given twice`},
		{"not JSON", []Claim{{"a", []byte("{")}}, `extra claim "a": not a single JSON value`},
		{"two values", []Claim{{"a", []byte("1 2")}}, `extra claim "a": not a single JSON value`},
		{"empty", []Claim{{"a", nil}}, `extra claim "a": not a single JSON value`},
	} {
		c := base
		c.Extra = tc.extra
		if _, _, err := m.Rotate(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSessionClaim pins the sid claim: written after user_id, parsed into Claims.SessionID, copied
// by AccessFrom and Rotate as SimpleJWT copies every claim, and left alone when it is not a
// string (another system's claim of that name).
func TestSessionClaim(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	clk.Set(testNow)
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Now: clk.Now})
	tok, c, err := m.Issue(TypeRefresh, "u1", WithSession("5f0c6a1e9b2d4c7e8f10a2b3c4d5e6f7"))
	if err != nil {
		t.Fatal(err)
	}
	_, payload := decodeSegments(t, tok)
	want := `{"token_type":"refresh","exp":1700259200,"iat":1700000000,"jti":"` + c.JTI +
		`","user_id":"u1","sid":"5f0c6a1e9b2d4c7e8f10a2b3c4d5e6f7"}`
	if payload != want {
		t.Errorf("payload\n got %s\nwant %s", payload, want)
	}
	parsed, err := m.Parse(tok, TypeRefresh)
	if err != nil || parsed.SessionID != "5f0c6a1e9b2d4c7e8f10a2b3c4d5e6f7" || len(parsed.Extra) != 0 {
		t.Fatalf("Parse = %#v, %v", parsed, err)
	}
	access, ac, err := m.AccessFrom(parsed)
	if err != nil || ac.SessionID != parsed.SessionID {
		t.Fatalf("AccessFrom: %#v, %v", ac, err)
	}
	if back, err := m.Parse(access, TypeAccess); err != nil || back.SessionID != parsed.SessionID {
		t.Errorf("access token: %#v, %v", back, err)
	}
	if _, rc, err := m.Rotate(parsed); err != nil || rc.SessionID != parsed.SessionID {
		t.Errorf("Rotate: %#v, %v", rc, err)
	}

	// A numeric sid is not authgate's: it stays an extra claim, copied verbatim.
	other := jwtSign(t, "HS256", Key{Secret: testSecret}, `{"alg":"HS256","typ":"JWT"}`,
		`{"token_type":"access","exp":1700100000,"iat":1699990000,"jti":"a1","user_id":"u1","sid":7}`)
	oc, err := m.Parse(other, TypeAccess)
	if err != nil || oc.SessionID != "" {
		t.Fatalf("Parse(numeric sid) = %#v, %v", oc, err)
	}
	if v, ok := oc.Get("sid"); !ok || string(v) != "7" {
		t.Errorf(`Get("sid") = %s, %v`, v, ok)
	}
	if _, err := New(Config{Signing: Key{Secret: testSecret}, Claims: ClaimNames{UserID: "sid"}}); err == nil {
		t.Error("a user id claim named sid was accepted")
	}
}

// TestSessionLimitsInTokens pins auth_time (written after sid, parsed into Claims.AuthTime,
// copied), ExpiresBy (a session's cap on exp, for new refresh and access tokens) and Expired,
// which tells a token refused only for its expiry, with its claims, from any other refusal.
func TestSessionLimitsInTokens(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	clk.Set(testNow)
	m := newManager(t, Config{Signing: Key{Secret: testSecret}, Now: clk.Now})
	began := time.Unix(testNow-100, 0)
	tok, c, err := m.Issue(TypeRefresh, "u1", WithSession("s1"), WithAuthTime(began), ExpiresBy(time.Unix(testNow+3600, 0)))
	if err != nil {
		t.Fatal(err)
	}
	_, payload := decodeSegments(t, tok)
	want := `{"token_type":"refresh","exp":1700003600,"iat":1700000000,"jti":"` + c.JTI +
		`","user_id":"u1","sid":"s1","auth_time":1699999900}`
	if payload != want {
		t.Errorf("payload\n got %s\nwant %s", payload, want)
	}
	parsed, err := m.Parse(tok, TypeRefresh)
	if err != nil || !parsed.AuthTime.Equal(began) || len(parsed.Extra) != 0 {
		t.Fatalf("Parse = %#v, %v", parsed, err)
	}
	if _, ac, err := m.AccessFrom(parsed, ExpiresBy(time.Unix(testNow+60, 0))); err != nil ||
		!ac.AuthTime.Equal(began) || ac.ExpiresAt.Unix() != testNow+60 {
		t.Errorf("AccessFrom with a cap: %#v, %v", ac, err)
	}
	if _, rc, err := m.Rotate(parsed, ExpiresBy(time.Time{})); err != nil || rc.ExpiresAt.Unix() != testNow+3*24*3600 {
		t.Errorf("Rotate without a cap: %#v, %v", rc, err)
	}

	clk.Set(testNow + 3600)
	if _, err := m.Parse(tok, TypeRefresh); err != ErrInvalid {
		t.Fatalf("expired token: %v", err)
	}
	if ec, ok := m.Expired(tok, TypeRefresh); !ok || ec.SessionID != "s1" || ec.JTI != c.JTI {
		t.Errorf("Expired = %#v, %v", ec, ok)
	}
	if _, ok := m.Expired(tok, TypeAccess); ok {
		t.Error("Expired accepts a token of the wrong type")
	}
	if _, ok := m.Expired(tok[:len(tok)-2]+"AA", TypeRefresh); ok {
		t.Error("Expired accepts a bad signature")
	}
	clk.Set(testNow)
	if _, ok := m.Expired(tok, TypeRefresh); ok {
		t.Error("Expired says a live token expired")
	}
}
