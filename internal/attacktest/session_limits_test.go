package attacktest

import (
	"context"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

const invalidRefresh = `{"detail":"Token is invalid or expired","code":"token_not_valid"}`

// events lists the audit events of a kind, newest first.
func events(t *testing.T, e *authtest.Env, kind string) []auth.AuditEvent {
	t.Helper()
	evs, err := e.App.DB.ListEvents(context.Background(), auth.EventQuery{Kind: kind, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// lifetime is a token's exp − iat.
func lifetime(t *testing.T, raw string) time.Duration {
	t.Helper()
	p := payloadOf(t, raw)
	return time.Duration(p["exp"].(float64)-p["iat"].(float64)) * time.Second
}

// TestSessionIdleTimeout (issue #15): with AUTHGATE_SESSION_IDLE_TIMEOUT, no token of a session
// outlives its last refresh by more than the timeout, access tokens included; refreshing in time
// keeps the session going, and a late refresh gets SimpleJWT's "invalid or expired" answer and
// records the session ended (audited once).
func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SESSION_IDLE_TIMEOUT": "10m"}))
		e.CreateUser("a@example.com", pw)
		refresh, access := e.Login("a@example.com", pw)
		if lifetime(t, refresh) != 10*time.Minute || lifetime(t, access) != 10*time.Minute {
			t.Fatalf("lifetimes at login: refresh %v, access %v; want both capped at 10m", lifetime(t, refresh), lifetime(t, access))
		}
		for range 3 { // refreshed every 8 minutes: the session goes on past 10 minutes
			e.Clock.Advance(8 * time.Minute)
			r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
			if r.Status != 200 || lifetime(t, r.Str("refresh")) != 10*time.Minute {
				t.Fatalf("refresh in time: %d %s", r.Status, r.Raw)
			}
			refresh, access = r.Str("refresh"), r.Str("access")
		}
		if r := me(e, access); r.Status != 200 {
			t.Fatalf("me: %d %s", r.Status, r.Raw)
		}
		e.Clock.Advance(11 * time.Minute)
		if r := me(e, access); r.Status != 401 {
			t.Errorf("access token after the idle timeout: %d %s", r.Status, r.Raw)
		}
		for range 2 {
			if r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}); r.Status != 401 || r.Raw != invalidRefresh {
				t.Errorf("refresh after the idle timeout: %d %s", r.Status, r.Raw)
			}
		}
		if evs := events(t, e, "session_expired"); len(evs) != 1 || evs[0].Detail[len(evs[0].Detail)-len(auth.ReasonIdleTimeout):] != auth.ReasonIdleTimeout {
			t.Errorf("session_expired events: %+v, want one for the idle timeout", evs)
		}
		if _, a2 := e.Login("a@example.com", pw); me(e, a2).Status != 200 {
			t.Error("a new login after an idle timeout does not work")
		}
	})
}

// TestSessionMaxAge (issue #15): with AUTHGATE_SESSION_MAX_AGE, a refresh token's exp never
// passes login + max age whatever the rotations, nor does an access token's; after it the
// session is over. A session that began before the setting was turned on is held to it too,
// from its first token's time.
func TestSessionMaxAge(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		old := authtest.Start(t, b)
		old.CreateUser("a@example.com", pw)
		before, _ := old.Login("a@example.com", pw) // no auth_time: logged in before the setting
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SESSION_MAX_AGE": "1h",
			"AUTHGATE_DATABASE_URL": old.App.Config.DatabaseURL}))

		refresh, _ := e.Login("a@example.com", pw)
		began := int64(payloadOf(t, refresh)["auth_time"].(float64))
		if exp := int64(payloadOf(t, refresh)["exp"].(float64)); exp != began+3600 {
			t.Fatalf("refresh token exp %d, want login %d + 1h", exp, began)
		}
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": before})
		if r.Status != 200 || payloadOf(t, r.Str("refresh"))["auth_time"] == nil {
			t.Fatalf("refresh of a session from before the setting: %d %s", r.Status, r.Raw)
		}
		before = r.Str("refresh")
		var access string
		for range 2 {
			e.Clock.Advance(25 * time.Minute)
			r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
			if r.Status != 200 {
				t.Fatalf("refresh within the max age: %d %s", r.Status, r.Raw)
			}
			refresh, access = r.Str("refresh"), r.Str("access")
			for _, tok := range []string{refresh, access} {
				if p := payloadOf(t, tok); int64(p["exp"].(float64)) > began+3600 || int64(p["auth_time"].(float64)) != began {
					t.Errorf("token after a refresh outlives the session: %v", p)
				}
			}
		}
		e.Clock.Advance(11 * time.Minute) // 61 minutes after the login
		if r := me(e, access); r.Status != 401 {
			t.Errorf("access token after the max age: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}); r.Status != 401 || r.Raw != invalidRefresh {
			t.Errorf("refresh after the max age: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": before}); r.Status != 401 {
			t.Errorf("the older session refreshes after its max age: %d %s", r.Status, r.Raw)
		}
		if evs := events(t, e, "session_expired"); len(evs) != 2 {
			t.Errorf("session_expired events: %+v, want two (max age)", evs)
		}
	})
}

// TestSessionsPerUser (issue #15): with AUTHGATE_SESSIONS_PER_USER=2, a third login ends the
// least recently used session of the user — its refresh token is blacklisted and its access
// token refused at once — and a refresh counts as use.
func TestSessionsPerUser(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SESSIONS_PER_USER": "2",
			"AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
		e.CreateUser("a@example.com", pw)
		e.CreateUser("b@example.com", pw)
		first := loginFrom(t, e, "a@example.com", "198.51.100.1", "first")
		e.Clock.Advance(time.Second)
		second := loginFrom(t, e, "a@example.com", "198.51.100.2", "second")
		loginFrom(t, e, "b@example.com", "198.51.100.9", "another user")
		e.Clock.Advance(time.Second)
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": first.refresh}) // first is now the most recent
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Raw)
		}
		first.refresh, first.access = r.Str("refresh"), r.Str("access")
		e.Clock.Advance(time.Second)
		third := loginFrom(t, e, "a@example.com", "198.51.100.3", "third")

		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": second.refresh}); r.Status != 401 ||
			r.Raw != `{"detail":"Token is blacklisted","code":"token_not_valid"}` {
			t.Errorf("the least recently used session's refresh token: %d %s", r.Status, r.Raw)
		}
		if r := me(e, second.access); r.Status != 401 {
			t.Errorf("the least recently used session's access token: %d %s", r.Status, r.Raw)
		}
		for _, d := range []*device{first, third} {
			if r := me(e, d.access); r.Status != 200 {
				t.Errorf("session %s was ended: %d %s", d.ua, r.Status, r.Raw)
			}
		}
		if n := len(sessionList(t, e, third, "")); n != 2 {
			t.Errorf("%d sessions listed, want 2", n)
		}
		if evs := events(t, e, "session_limit"); len(evs) != 1 || evs[0].UserID == "" {
			t.Errorf("session_limit events: %+v", evs)
		}
	})
}
