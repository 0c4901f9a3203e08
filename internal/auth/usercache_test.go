package auth_test

import (
	"context"
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

const pw = "correct horse battery staple"

// TestUserCacheInvalidation: with the user cache on (a long TTL, so that only invalidation can
// explain a refusal), deactivation, logout everywhere and a password change refuse the user's
// older access tokens on the very next request.
func TestUserCacheInvalidation(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		ctx := context.Background()
		cases := []struct {
			name   string
			change func(e *authtest.Env, u auth.User, access string)
			code   string
		}{
			{"deactivation", func(e *authtest.Env, u auth.User, _ string) {
				u.IsActive = false
				if err := e.App.Service.UpdateUser(ctx, u, "", auth.Client{IP: "admin"}); err != nil {
					t.Fatal(err)
				}
			}, "user_inactive"},
			{"logout everywhere", func(e *authtest.Env, _ auth.User, access string) {
				if r := e.Post("/logout_token/", map[string]any{"all": true}, authtest.Bearer(access)...); r.Status != 200 {
					t.Fatalf("logout all: %d %s", r.Status, r.Raw)
				}
			}, "token_not_valid"},
			{"password change", func(e *authtest.Env, _ auth.User, access string) {
				r := e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "another long passphrase 42"},
					authtest.Bearer(access)...)
				if r.Status != 200 {
					t.Fatalf("password change: %d %s", r.Status, r.Raw)
				}
			}, "token_not_valid"},
		}
		for _, c := range cases {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_USER_CACHE_TTL": "1h"}))
			u := e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 200 {
				t.Fatalf("%s: me: %d %s", c.name, r.Status, r.Raw)
			}
			if n := e.App.Service.CachedUsers(); n != 1 {
				t.Fatalf("%s: %d users cached after a protected request, want 1", c.name, n)
			}
			c.change(e, u, access)
			if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 401 || r.Str("code") != c.code {
				t.Errorf("%s: the old access token still works with the cache on: %d %s", c.name, r.Status, r.Raw)
			}
		}
	})
}
