package attacktest

import (
	"context"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestEndedSessionAcrossInstances (issue #15): every way a session ends — a logout of its refresh
// token, DELETE /api/sessions/{id}/, logout-others from another session, an admin blacklisting
// its token, reuse detection — stops its access tokens on /api/me/ within a second on another
// instance sharing the database, which learns it only from storage. Other sessions keep working.
func TestEndedSessionAcrossInstances(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		a := authtest.Start(t, b)
		other := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_DATABASE_URL": a.App.Config.DatabaseURL}))
		a.CreateUser("a@example.com", pw)
		ctx := context.Background()

		ends := []struct {
			name string
			end  func(d *device, bystander *device)
		}{
			{"logout of its refresh token", func(d, _ *device) {
				if r := a.Post("/logout_token/", map[string]string{"refresh_token": d.refresh}, authtest.Bearer(d.access)...); r.Status != 200 {
					t.Fatalf("logout: %d %s", r.Status, r.Raw)
				}
			}},
			{"/api/token/blacklist/", func(d, _ *device) {
				if r := a.Post("/api/token/blacklist/", map[string]string{"refresh": d.refresh}); r.Status != 200 {
					t.Fatalf("blacklist: %d %s", r.Status, r.Raw)
				}
			}},
			{"DELETE /api/sessions/{id}/", func(d, by *device) {
				if r := a.Do("DELETE", "/api/sessions/"+d.family+"/", nil, authtest.Bearer(by.access)...); r.Status != 204 {
					t.Fatalf("delete session: %d %s", r.Status, r.Raw)
				}
			}},
			{"logout-others", func(_, by *device) {
				if r := a.Post("/api/sessions/logout-others/", map[string]string{}, authtest.Bearer(by.access)...); r.Status != 200 {
					t.Fatalf("logout-others: %d %s", r.Status, r.Raw)
				}
			}},
			{"an admin blacklisting its token", func(d, _ *device) {
				if err := a.App.Service.AdminBlacklist(ctx, payloadOf(t, d.refresh)["jti"].(string), "", auth.Client{IP: "admin"}); err != nil {
					t.Fatal(err)
				}
			}},
			{"reuse detection", func(d, _ *device) {
				if r := a.Post("/api/token/refresh/", map[string]string{"refresh": d.refresh}); r.Status != 200 {
					t.Fatalf("refresh: %d %s", r.Status, r.Raw)
				}
				if r := a.Post("/api/token/refresh/", map[string]string{"refresh": d.refresh}); r.Status != 401 {
					t.Fatalf("replay: %d %s", r.Status, r.Raw)
				}
			}},
		}
		for _, c := range ends {
			d := loginFrom(t, a, "a@example.com", "127.0.0.1", "victim")
			bystander := loginFrom(t, a, "a@example.com", "127.0.0.1", "bystander")
			if r := me(other, d.access); r.Status != 200 {
				t.Fatalf("%s: before: %d %s", c.name, r.Status, r.Raw)
			}
			c.end(d, bystander)
			start := time.Now()
			for me(other, d.access).Status == 200 {
				if time.Since(start) > 2*time.Second {
					t.Fatalf("%s: the other instance still accepts the ended session's access token after 2 s", c.name)
				}
				time.Sleep(10 * time.Millisecond)
			}
			took := time.Since(start)
			if took > time.Second {
				t.Errorf("%s: the other instance refused the access token after %v, want within 1 s", c.name, took)
			}
			t.Logf("%s: refused by the other instance after %v", c.name, took.Round(time.Millisecond))
			if r := me(a, d.access); r.Status != 401 {
				t.Errorf("%s: the ending instance still accepts it: %d %s", c.name, r.Status, r.Raw)
			}
			if c.name != "logout-others" {
				if r := me(other, bystander.access); r.Status != 200 {
					t.Errorf("%s: another session was ended too: %d %s", c.name, r.Status, r.Raw)
				}
			}
		}
	})
}

// TestEndedSessionsSurviveRestart: an instance started after a session ended refuses its access
// tokens from its first request (the set is rebuilt from storage at start).
func TestEndedSessionsSurviveRestart(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		a := authtest.Start(t, b)
		a.CreateUser("a@example.com", pw)
		d := loginFrom(t, a, "a@example.com", "127.0.0.1", "victim")
		keep := loginFrom(t, a, "a@example.com", "127.0.0.1", "kept")
		if r := a.Post("/logout_token/", map[string]string{"refresh_token": d.refresh}, authtest.Bearer(d.access)...); r.Status != 200 {
			t.Fatalf("logout: %d %s", r.Status, r.Raw)
		}
		later := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_DATABASE_URL": a.App.Config.DatabaseURL}))
		if r := me(later, d.access); r.Status != 401 {
			t.Errorf("a new instance accepts an ended session's access token: %d %s", r.Status, r.Raw)
		}
		if r := me(later, keep.access); r.Status != 200 {
			t.Errorf("a new instance refuses a live session's access token: %d %s", r.Status, r.Raw)
		}
	})
}
