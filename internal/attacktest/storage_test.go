package attacktest

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/store/storetest"
)

const unavailable = `{"detail":"Service temporarily unavailable."}`

// wantFailClosed sends every request that must record or check something in storage and wants
// 503 with the generic body — never a token, never an "OK".
func wantFailClosed(t *testing.T, e *authtest.Env, refresh, access string) {
	t.Helper()
	creds := map[string]string{"email": "a@example.com", "password": pw}
	for name, r := range map[string]authtest.Response{
		"login":      e.Post("/api/token/", creds),
		"sliding":    e.Post("/api/token/sliding/", creds),
		"refresh":    e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}),
		"blacklist":  e.Post("/api/token/blacklist/", map[string]string{"refresh": refresh}),
		"logout":     e.Post("/logout_token/", map[string]string{"refresh_token": refresh}, authtest.Bearer(access)...),
		"logout all": e.Post("/logout_token/", map[string]string{"all": "1"}, authtest.Bearer(access)...),
	} {
		if r.Status != 503 || r.Raw != unavailable {
			t.Errorf("%s with storage down: %d %s", name, r.Status, r.Raw)
		}
	}
}

// recordedJTIs lists the user's refresh tokens in storage.
func recordedJTIs(t *testing.T, e *authtest.Env, userID string) []string {
	t.Helper()
	ts, err := e.App.DB.ListTokens(context.Background(), auth.TokenQuery{UserID: userID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tk := range ts {
		out = append(out, tk.JTI)
	}
	slices.Sort(out)
	return out
}

// wantRecovered checks, once storage is back, that nothing happened while it was down: the
// refresh token presented during the outage was neither used nor revoked (it rotates exactly
// once now) and storage holds exactly the refresh tokens that were handed out.
func wantRecovered(t *testing.T, e *authtest.Env, userID, refresh string) {
	t.Helper()
	r := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
	if r.Status != 200 {
		t.Fatalf("refresh after recovery: %d %s", r.Status, r.Raw)
	}
	if again := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh}); again.Status != 401 {
		t.Fatalf("second refresh after recovery: %d %s", again.Status, again.Raw)
	}
	handed := []string{payloadOf(t, refresh)["jti"].(string), payloadOf(t, r.Str("refresh"))["jti"].(string)}
	slices.Sort(handed)
	if got := recordedJTIs(t, e, userID); !slices.Equal(got, handed) {
		t.Fatalf("storage holds refresh tokens %v, handed out %v", got, handed)
	}
}

// TestStorageLockedFailsClosed (ASVS 1.14.x fail securely, SQLite): while another process holds
// the database's write lock, login, refresh and logout answer 503 after the statement timeout
// and hand out nothing they could not record, /readyz answers 503; afterwards nothing
// half-happened.
func TestStorageLockedFailsClosed(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_DB_STATEMENT_TIMEOUT": "300ms"}))
	u := e.CreateUser("a@example.com", pw)
	refresh, access := e.Login("a@example.com", pw)

	raw, err := sql.Open("sqlite", strings.TrimPrefix(e.App.Config.DatabaseURL, "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	wantFailClosed(t, e, refresh, access)
	// Reads still work in WAL mode, but the instance cannot write: it must not claim readiness.
	if r := e.Do("GET", "/readyz", nil); r.Status != 503 {
		t.Errorf("readyz with the database write-locked: %d %s", r.Status, r.Raw)
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if r := e.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Errorf("readyz with the lock released: %d %s", r.Status, r.Raw)
	}
	wantRecovered(t, e, u.ID, refresh)
}

// TestStorageUnreachableFailsClosed (ASVS 1.14.x fail securely, PostgreSQL): with the database
// refusing connections and every session killed (ALTER DATABASE … ALLOW_CONNECTIONS false),
// /readyz says so and login, refresh and logout answer 503 without issuing or accepting a token;
// when the database is back, so is the service, and nothing half-happened.
func TestStorageUnreachableFailsClosed(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.Postgres, authtest.With(map[string]string{"AUTHGATE_DB_STATEMENT_TIMEOUT": "2s"}))
	u := e.CreateUser("a@example.com", pw)
	refresh, access := e.Login("a@example.com", pw)
	dbURL, err := url.Parse(e.App.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(dbURL.Path, "/")
	admin, err := sql.Open("pgx", storetest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	exec := func(q string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`)
	t.Cleanup(func() { _, _ = admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`) })
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `' AND pid <> pg_backend_pid()`)

	if r := e.Do("GET", "/readyz", nil); r.Status != 503 || r.Raw != `{"status":"unavailable","storage":"unreachable"}` {
		t.Errorf("readyz with the database down: %d %s", r.Status, r.Raw)
	}
	wantFailClosed(t, e, refresh, access)
	if r := me(e, access); r.Status != 503 {
		t.Errorf("an access token was accepted without checking its user: %d %s", r.Status, r.Raw)
	}

	exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`)
	if r := e.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz with the database back: %d %s", r.Status, r.Raw)
	}
	wantRecovered(t, e, u.ID, refresh)
}

// TestEndedSessionsFailClosed (issue #15, fail closed): with the user cache on, an access token
// needs no storage read, but whether its session ended does come from storage. When the
// instance has not managed to read the ended sessions for a few seconds, access tokens that name
// a session are refused with 503 rather than trusted blindly, and accepted again once storage
// answers.
func TestEndedSessionsFailClosed(t *testing.T) {
	t.Parallel()
	e := authtest.Start(t, authtest.Postgres, authtest.With(map[string]string{
		"AUTHGATE_DB_STATEMENT_TIMEOUT": "500ms", "AUTHGATE_USER_CACHE_TTL": "10m"}))
	e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw)
	if r := me(e, access); r.Status != 200 {
		t.Fatalf("me: %d %s", r.Status, r.Raw)
	}
	dbURL, err := url.Parse(e.App.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(dbURL.Path, "/")
	admin, err := sql.Open("pgx", storetest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := admin.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`)
	t.Cleanup(func() { _, _ = admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`) })
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `' AND pid <> pg_backend_pid()`)

	deadline := time.Now().Add(10 * time.Second)
	r := me(e, access)
	for r.Status == 200 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		r = me(e, access)
	}
	if r.Status != 503 || r.Raw != unavailable {
		t.Fatalf("an access token with a session was accepted with the ended sessions unread for 10 s: %d %s", r.Status, r.Raw)
	}
	exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`)
	deadline = time.Now().Add(10 * time.Second)
	for r = me(e, access); r.Status != 200 && time.Now().Before(deadline); r = me(e, access) {
		time.Sleep(100 * time.Millisecond)
	}
	if r.Status != 200 {
		t.Fatalf("with storage back: %d %s", r.Status, r.Raw)
	}
}
