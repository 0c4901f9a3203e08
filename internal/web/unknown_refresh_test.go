package web_test

import (
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authgate/authgate/internal/authtest"
)

// TestUnknownRefreshTokenOnce: a validly signed refresh token the database has no record of (a
// peer SimpleJWT deployment's, or one handed out in a window a restore or an asynchronous
// failover lost) is accepted exactly once, even when 20 requests present it at the same moment;
// with AUTHGATE_ACCEPT_UNKNOWN_REFRESH_TOKENS=false it is refused, and a recorded token still
// refreshes.
func TestUnknownRefreshTokenOnce(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		for _, accept := range []string{"true", "false"} {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_ACCEPT_UNKNOWN_REFRESH_TOKENS": accept}))
			u := e.CreateUser("a@example.com", pw)
			now := time.Now()
			unknown := sign(t, jwt.MapClaims{"token_type": "refresh", "exp": now.Add(time.Hour).Unix(),
				"iat": now.Unix(), "jti": "fedcba9876543210fedcba9876543210", "user_id": u.ID})
			const n = 20
			results := make([]authtest.Response, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					results[i] = e.Post("/api/token/refresh/", map[string]string{"refresh": unknown})
				})
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, r := range results {
				switch {
				case r.Status == 200 && accept == "true":
					wins++
				case r.Status == 401 && accept == "true" && r.Str("detail") == "Token is blacklisted":
				case r.Status == 401 && accept == "false" && r.Raw == `{"detail":"Token is invalid or expired","code":"token_not_valid"}`:
				default:
					t.Errorf("accept=%s: unexpected answer %d %s", accept, r.Status, r.Raw)
				}
			}
			if want := map[string]int{"true": 1, "false": 0}[accept]; wins != want {
				t.Fatalf("accept=%s: %d of %d concurrent refreshes of one unknown token won, want %d", accept, wins, n, want)
			}
			recorded, _ := e.Login("a@example.com", pw)
			if r := e.Post("/api/token/refresh/", map[string]string{"refresh": recorded}); r.Status != 200 {
				t.Fatalf("accept=%s: a recorded token: %d %s", accept, r.Status, r.Raw)
			}
		}
	})
}
