package jwtauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authgate/authgate/jwtauth"
)

// A service sharing authgate's HMAC key (AUTHGATE_SIGNING_KEY, HS256) protects its API.
func Example() {
	secret := []byte("the-key-authgate-signs-with-0123456789")
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	api := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := jwtauth.UserID(r.Context())
		fmt.Fprintf(w, "orders of %s", id)
	}))

	// An access token as authgate issues it.
	access, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"token_type": "access", "exp": time.Now().Add(30 * time.Minute).Unix(), "iat": time.Now().Unix(),
		"jti": "b5f533f90a12458e8c018385192cd6cf", "user_id": "ab15272d-2df4-486a-9485-1a08968c415a",
	}).SignedString(secret)

	for _, authorization := range []string{"Bearer " + access, "", "Bearer"} {
		req := httptest.NewRequest("GET", "/api/orders/", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 orders of ab15272d-2df4-486a-9485-1a08968c415a
	// 401 {"detail":"Authentication credentials were not provided."}
	// 401 {"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}
}

// A service verifying with authgate's public keys (AUTHGATE_ALGORITHM=EdDSA): the key set is
// fetched at start-up, cached, and fetched again when a token names a new key.
func ExampleNew_jwks() {
	v, err := jwtauth.New(jwtauth.Config{
		Algorithm: "EdDSA", // pinned: a token naming another algorithm is refused
		JWKSURL:   "https://auth.example.com/.well-known/jwks.json",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Refresh(ctx); err != nil {
		log.Fatal(err) // authgate unreachable: fail fast rather than answer 503 later
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/orders/", v.Middleware(http.HandlerFunc(orders)))
	log.Fatal(http.ListenAndServe(":8080", mux))
}

func orders(w http.ResponseWriter, r *http.Request) {
	c, _ := jwtauth.ClaimsFrom(r.Context())
	fmt.Fprintf(w, "orders of %s (token %s, valid until %s)", c.UserID, c.JTI, c.ExpiresAt.Format(time.RFC3339))
}

// Verify checks a token that arrives outside an HTTP header, a WebSocket message say.
func ExampleVerifier_Verify() {
	secret := []byte("the-key-authgate-signs-with-0123456789")
	v, err := jwtauth.New(jwtauth.Config{Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	refresh, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"token_type": "refresh", "exp": time.Now().Add(72 * time.Hour).Unix(),
		"jti": "64d03674c2a146a289c2e8125cf4bea3", "user_id": "ab15272d-2df4-486a-9485-1a08968c415a",
	}).SignedString(secret)
	_, err = v.Verify(context.Background(), refresh)
	fmt.Println(err)
	// Output: Token has wrong type
}
