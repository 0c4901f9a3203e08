package jwtauth_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/jwtauth"
)

// TestIntrospectionMode (issue #15): a Go service on jwtauth with Introspection sees a logout at
// authgate within its cache TTL, while one verifying signatures alone accepts the token until it
// expires; it never asks twice within the TTL; and when authgate cannot answer (down, or this
// service's credentials refused) it answers 503, never letting a token through unjudged.
func TestIntrospectionMode(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		var asked atomic.Int32
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_INTROSPECTION_CLIENTS": "orders:orders-secret-0123456789"}))
		e.CreateUser("a@example.com", "s3cret-Passw0rd")
		counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			asked.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})}
		intro := func(secret string, ttl time.Duration) *jwtauth.Verifier {
			v, err := jwtauth.New(jwtauth.Config{Secret: []byte(authtest.Key), Introspection: &jwtauth.Introspection{
				URL: e.URL + "/api/token/introspect/", ClientID: "orders", ClientSecret: secret, CacheTTL: ttl, HTTPClient: counting}})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		plain, err := jwtauth.New(jwtauth.Config{Secret: []byte(authtest.Key)})
		if err != nil {
			t.Fatal(err)
		}
		checked := service(t, intro("orders-secret-0123456789", 300*time.Millisecond))
		signatureOnly := service(t, plain)
		refresh, access := e.Login("a@example.com", "s3cret-Passw0rd")
		bearer := "Bearer " + access

		for range 3 {
			if a := get(t, checked.URL, bearer); a.status != 200 {
				t.Fatalf("live token: %+v", a)
			}
		}
		if n := asked.Load(); n != 1 {
			t.Errorf("authgate was asked %d times for one token within the TTL, want 1", n)
		}
		if r := e.Post("/logout_token/", map[string]string{"refresh_token": refresh}, authtest.Bearer(access)...); r.Status != 200 {
			t.Fatalf("logout: %d %s", r.Status, r.Raw)
		}
		time.Sleep(350 * time.Millisecond) // the TTL
		a := get(t, checked.URL, bearer)
		if a.status != 401 || a.body != `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}` {
			t.Errorf("token of a logged-out session through introspection: %+v", a)
		}
		if a := get(t, signatureOnly.URL, bearer); a.status != 200 {
			t.Errorf("signature-only verification (the documented limit): %+v", a)
		}

		_, access2 := e.Login("a@example.com", "s3cret-Passw0rd")
		if a := get(t, service(t, intro("wrong-secret-0123456789", time.Second)).URL, "Bearer "+access2); a.status != 503 || a.retryAfter != "5" {
			t.Errorf("with its credentials refused: %+v", a)
		}
		fresh := service(t, intro("orders-secret-0123456789", time.Second))
		e.Server.Close()
		if a := get(t, fresh.URL, "Bearer "+access2); a.status != 503 {
			t.Errorf("with authgate down: %+v", a)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestIntrospectionConfig(t *testing.T) {
	for name, i := range map[string]jwtauth.Introspection{
		"no URL":       {ClientID: "a", ClientSecret: "b"},
		"no secret":    {URL: "https://auth.example.com/api/token/introspect/", ClientID: "a"},
		"negative ttl": {URL: "https://auth.example.com/api/token/introspect/", ClientID: "a", ClientSecret: "b", CacheTTL: -1},
	} {
		if _, err := jwtauth.New(jwtauth.Config{Secret: []byte(authtest.Key), Introspection: &i}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
