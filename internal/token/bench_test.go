package token

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// benchManager is a manager whose clock is before the tokens it verifies expire.
func benchManager(b *testing.B, signing Key) *Manager {
	return newManager(b, Config{Signing: signing, Rand: randReader()})
}

func benchParse(b *testing.B, m *Manager) {
	tok, _, err := m.Issue(TypeAccess, "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Parse(tok, TypeAccess); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseHS256 is the hot path: every protected request verifies an access token.
func BenchmarkParseHS256(b *testing.B) {
	benchParse(b, benchManager(b, Key{Secret: testSecret}))
}

// BenchmarkParseHS256AudIss adds the aud and iss claims and their checks.
func BenchmarkParseHS256AudIss(b *testing.B) {
	benchParse(b, newManager(b, Config{Signing: Key{Secret: testSecret}, Rand: randReader(),
		Audience: "api", Issuer: "https://auth.example"}))
}

// BenchmarkParseHS256Rotation verifies with a key picked by kid among several.
func BenchmarkParseHS256Rotation(b *testing.B) {
	benchParse(b, newManager(b, Config{Signing: Key{ID: "2", Secret: testSecret}, Rand: randReader(),
		Verifying: []Key{{ID: "1", Secret: []byte("an-older-secret-0123456789abcdef")}}}))
}

func BenchmarkParseAsymmetric(b *testing.B) {
	k := loadKeys(b)
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) { benchParse(b, benchManager(b, k.signingKey(alg))) })
	}
}

// BenchmarkParseHS256GolangJWT is the baseline: golang-jwt's parser with the same checks pinned.
func BenchmarkParseHS256GolangJWT(b *testing.B) {
	m := benchManager(b, Key{Secret: testSecret})
	tok, _, err := m.Issue(TypeAccess, "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c")
	if err != nil {
		b.Fatal(err)
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return time.Unix(testNow, 0) }))
	keyFunc := func(*jwt.Token) (any, error) { return testSecret, nil }
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Parse(tok, keyFunc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIssue(b *testing.B) {
	m := benchManager(b, Key{Secret: testSecret})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := m.Issue(TypeAccess, "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
