package token_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/token"
)

// zeros stands in for crypto/rand so the example's jti is reproducible.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func exampleManager() *token.Manager {
	m, err := token.New(token.Config{
		Signing: token.Key{Secret: []byte("a SECRET_KEY of at least 32 bytes!")},
		Now:     func() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) },
		Rand:    zeros{},
	})
	if err != nil {
		panic(err)
	}
	return m
}

func ExampleManager_Issue() {
	m := exampleManager()
	tok, claims, err := m.Issue(token.TypeAccess, "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Count(tok, "."), "dots; header", strings.Split(tok, ".")[0])
	fmt.Println(claims.Type, claims.JTI, claims.ExpiresAt.Sub(claims.IssuedAt))
	// Output:
	// 2 dots; header eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9
	// access 00000000000040008000000000000000 30m0s
}

func ExampleManager_Parse() {
	m := exampleManager()
	refresh, _, err := m.Issue(token.TypeRefresh, "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c")
	if err != nil {
		panic(err)
	}
	c, err := m.Parse(refresh, token.TypeRefresh)
	fmt.Println(c.UserID, err)

	// A refresh token where an access token is wanted fails as SimpleJWT says.
	_, err = m.Parse(refresh, token.TypeAccess)
	fmt.Println(errors.Is(err, token.ErrWrongType), err)

	// Anything else wrong with a token is ErrInvalid.
	_, err = m.Parse(refresh[:len(refresh)-2], token.TypeRefresh)
	fmt.Println(err)
	// Output:
	// 5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c <nil>
	// true Token has wrong type
	// Token is invalid or expired
}
