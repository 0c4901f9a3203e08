package attacktest

import (
	"context"
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// wantLockedOut checks that a user's tokens and password no longer work: the access token is
// refused with the given code, the refresh token and a new login are refused.
func wantLockedOut(t *testing.T, e *authtest.Env, email, refresh, access, code string) {
	t.Helper()
	if r := me(e, access); r.Status != 401 || r.Str("code") != code {
		t.Errorf("access token: %d %s, want 401 %s", r.Status, r.Raw, code)
	}
	if r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}); r.Status != 401 {
		t.Errorf("refresh: %d %s", r.Status, r.Raw)
	}
	if r := e.Post("/api/token/", map[string]string{"email": email, "password": pw}); r.Status != 401 ||
		r.Raw != `{"detail":"No active account found with the given credentials"}` {
		t.Errorf("login: %d %s", r.Status, r.Raw)
	}
}

// TestDeactivatedUserLosesAccess (ASVS 3.3.1/3.3.3): deactivating a user ends their access at
// once — through the service (the admin panel) and directly in the shared database (a Django
// admin next door) alike; with the user cache on, at once through the service and within the
// cache's TTL through the database.
func TestDeactivatedUserLosesAccess(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		ctx := context.Background()
		deactivate := map[string]func(e *authtest.Env, u auth.User) error{
			"by an admin": func(e *authtest.Env, u auth.User) error {
				u.IsActive = false
				return e.App.Service.UpdateUser(ctx, u, "", auth.Client{IP: "admin"})
			},
			"in the database": func(e *authtest.Env, u auth.User) error {
				u.IsActive = false
				return e.App.DB.UpdateUser(ctx, u)
			},
		}
		for _, cache := range []string{"0s", "1m"} {
			for how, f := range deactivate {
				e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_USER_CACHE_TTL": cache}))
				u := e.CreateUser("a@example.com", pw)
				refresh, access := e.Login("a@example.com", pw)
				wantAccepted(t, e, access) // and, with the cache on, cached
				cur, err := e.App.Service.UserByID(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if err := f(e, cur); err != nil {
					t.Fatalf("deactivate %s: %v", how, err)
				}
				if cache != "0s" && how == "in the database" {
					// A row changed behind the service's back is seen when the cached copy
					// expires: the cache TTL bounds it (SECURITY.md).
					e.Clock.Advance(61e9)
				}
				t.Logf("cache %s, deactivated %s", cache, how)
				wantLockedOut(t, e, "a@example.com", refresh, access, "user_inactive")
			}
		}
	})
}

// TestDeletedUserLosesAccess (ASVS 3.3.1): a deleted user's tokens stop working at once, also
// after someone else registers the same e-mail address.
func TestDeletedUserLosesAccess(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		refresh, access := e.Login("a@example.com", pw)
		wantAccepted(t, e, access)
		if err := e.App.DB.DeleteUser(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
		wantLockedOut(t, e, "a@example.com", refresh, access, "user_not_found")
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}); r.Raw != `{"detail":"No active account found for the given token.","code":"no_active_account"}` {
			t.Errorf("refresh of a deleted user: %s", r.Raw)
		}
		e.CreateUser("a@example.com", "a different passphrase")
		if r := me(e, access); r.Status != 401 || r.Str("code") != "user_not_found" {
			t.Errorf("old access token after the address was reused: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}); r.Status != 401 {
			t.Errorf("old refresh token after the address was reused: %d %s", r.Status, r.Raw)
		}
	})
}
