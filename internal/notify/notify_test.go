package notify_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the test's own queries

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/notify"
	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/store/storetest"
)

const pw = "correct horse battery staple"

// recorder is a cache's side of a Notifier: what it was told to forget.
type recorder struct {
	mu      sync.Mutex
	forgot  []string
	flushes int
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 100)} }

func (r *recorder) forget(id string) {
	r.mu.Lock()
	r.forgot = append(r.forgot, id)
	r.mu.Unlock()
	r.changed <- struct{}{}
}

func (r *recorder) forgetAll() {
	r.mu.Lock()
	r.flushes++
	r.mu.Unlock()
	r.changed <- struct{}{}
}

func (r *recorder) state() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.forgot...), r.flushes
}

func start(t *testing.T, url string, r *recorder) *notify.Notifier {
	t.Helper()
	n, err := notify.Start(notify.Options{DatabaseURL: url, Forget: r.forget, ForgetAll: r.forgetAll,
		RetryDelay: 50 * time.Millisecond, PingInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	})
	waitListening(t, n)
	return n
}

func waitListening(t *testing.T, n *notify.Notifier) {
	t.Helper()
	select {
	case <-n.Listening():
	case <-time.After(10 * time.Second):
		t.Fatal("not listening after 10s")
	}
}

// waitUntil polls cond for up to 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStartValidates(t *testing.T) {
	r := newRecorder()
	if _, err := notify.Start(notify.Options{DatabaseURL: "postgres://%zz", Forget: r.forget, ForgetAll: r.forgetAll}); err == nil {
		t.Error("a bad URL was accepted")
	}
	if _, err := notify.Start(notify.Options{DatabaseURL: storetest.AdminURL()}); err == nil {
		t.Error("missing callbacks were accepted")
	}
}

// TestPublishReachesOthersOnly: a change one instance announces makes the others forget the
// user, and not the announcer itself (it forgot already).
func TestPublishReachesOthersOnly(t *testing.T) {
	url := storetest.PostgresURL(t)
	ra, rb := newRecorder(), newRecorder()
	a, _ := start(t, url, ra), start(t, url, rb)
	a.Publish("5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c")
	waitUntil(t, "the other instance forgets", func() bool {
		got, _ := rb.state()
		return len(got) == 1 && got[0] == "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c"
	})
	time.Sleep(100 * time.Millisecond) // the announcer's own notification has arrived by now
	if got, _ := ra.state(); len(got) != 0 {
		t.Errorf("the announcer forgot %v on its own notification", got)
	}
}

// TestReconnectFlushes: when the listening connection is lost, the notifier reconnects and,
// since notifications sent meanwhile are lost, empties the cache before trusting it again.
func TestReconnectFlushes(t *testing.T) {
	url := storetest.PostgresURL(t)
	r := newRecorder()
	n := start(t, url, r)
	if _, flushes := r.state(); flushes != 1 {
		t.Fatalf("%d flushes after the first LISTEN, want 1", flushes)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var killed int
	err = db.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 AND query LIKE 'LISTEN%'`, notify.ApplicationName).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminate the listener: %d backends, %v", killed, err)
	}
	waitUntil(t, "reconnect and flush", func() bool { _, f := r.state(); return f == 2 })
	waitListening(t, n)
	// And it listens again.
	other := start(t, url, newRecorder())
	other.Publish("7f3e2a8c-3e4b-4d5a-9c1e-2b3c4d5e6f70")
	waitUntil(t, "a notification after the reconnect", func() bool { got, _ := r.state(); return len(got) == 1 })
}

// TestCrossInstanceInvalidation: two authgate instances on one PostgreSQL database with a long
// user cache TTL; a deactivation and a logout everywhere through one are refused by the other
// within the notification's delay, not the TTL's.
func TestCrossInstanceInvalidation(t *testing.T) {
	ttl := authtest.With(map[string]string{"AUTHGATE_USER_CACHE_TTL": "1h"})
	a := authtest.Start(t, authtest.Postgres, ttl)
	cheap := password.Params{Time: 1, MemoryKiB: 1024, Threads: 1}
	other, err := app.Open(context.Background(), a.App.Config, slog.New(slog.NewTextHandler(io.Discard, nil)),
		app.Options{HashParams: &cheap, Now: a.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srvB := httptest.NewServer(other.Handler)
	t.Cleanup(func() {
		srvB.Close()
		other.Close()
	})
	b := *a
	b.URL, b.App = srvB.URL, other
	waitUntil(t, "both instances listen", func() bool { return listeners(t, a.App.Config.DatabaseURL) == 2 })

	for _, c := range []struct {
		name   string
		change func(u auth.User, access string)
		code   string
	}{
		{"deactivation", func(u auth.User, _ string) {
			u.IsActive = false
			if err := a.App.Service.UpdateUser(context.Background(), u, "", auth.Client{IP: "admin"}); err != nil {
				t.Fatal(err)
			}
		}, "user_inactive"},
		{"logout everywhere", func(_ auth.User, access string) {
			if r := a.Post("/logout_token/", map[string]any{"all": "1"}, authtest.Bearer(access)...); r.Status != 200 {
				t.Fatalf("logout all: %d %s", r.Status, r.Raw)
			}
		}, "token_not_valid"},
	} {
		email := c.code + "@example.com"
		u := a.CreateUser(email, pw)
		_, access := a.Login(email, pw)
		if r := b.Do("GET", "/api/me/", nil, authtest.Bearer(access)...); r.Status != 200 {
			t.Fatalf("%s: instance B: %d %s", c.name, r.Status, r.Raw)
		}
		start := time.Now()
		c.change(u, access)
		waitUntil(t, c.name+" seen by instance B", func() bool {
			r := b.Do("GET", "/api/me/", nil, authtest.Bearer(access)...)
			return r.Status == 401 && r.Str("code") == c.code
		})
		t.Logf("%s: refused by the other instance after %s (cache TTL 1h)", c.name, time.Since(start).Round(time.Millisecond))
	}
}

// listeners counts the notifier connections listening on the database.
func listeners(t *testing.T, url string) int {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND application_name = $1 AND query LIKE 'LISTEN%'`, notify.ApplicationName).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
