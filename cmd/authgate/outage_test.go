package main_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/store/storetest"
)

const unavailableBody = `{"detail":"Service temporarily unavailable."}`

// TestDatabaseDownAtStart: with nothing listening, serve gives up after the configured retries
// and says which setting is at fault.
func TestDatabaseDownAtStart(t *testing.T) {
	t.Parallel()
	env := instanceEnv("postgres://postgres@127.0.0.1:1/authgate?sslmode=disable", "AUTHGATE_DB_CONNECT_RETRIES=2")
	build(t)
	start := time.Now()
	out, errOut, code := cli(t, env, "", "serve", "--addr", "127.0.0.1:0")
	took := time.Since(start)
	if code == 0 || strings.Contains(out, "listening on") {
		t.Fatalf("serve without a database: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "AUTHGATE_DATABASE_URL") || !strings.Contains(errOut, "after 3 attempt(s)") ||
		!strings.Contains(errOut, "127.0.0.1:1") {
		t.Fatalf("serve without a database: the error names neither the setting nor the attempts:\n%s", errOut)
	}
	// Two retries one second apart; the bound only catches a retry count that was ignored (the
	// default is 10) or a hang.
	if took > 8*time.Second {
		t.Fatalf("serve without a database took %v to give up after 2 retries", took)
	}
}

// TestDatabaseGoesAway: while serving, a PostgreSQL database that stops accepting connections
// makes login and refresh fail closed with 503 and never a token; once it is back the same
// refresh token works, so nothing was half-written.
func TestDatabaseGoesAway(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := pgOpen(t, storetest.AdminURL())

	env := instanceEnv(dbURL)
	s := serveMany(t, env)[0]
	email := newUser(t, env, "outage")
	pair := login(t, s, email)
	loginBody := `{"email":"` + email + `","password":"` + scalePassword + `"}`
	refreshBody := `{"refresh":"` + pair["refresh"] + `"}`

	pgExec(t, admin, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS false`)
	t.Cleanup(func() { pgExec(t, admin, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS true`) })
	pgExec(t, admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '`+name+`'`)

	for _, c := range []struct{ path, body string }{
		{"/api/token/", loginBody},
		{"/api/token/refresh/", refreshBody},
		{"/api/token/refresh/", refreshBody},
		{"/api/token/", loginBody},
	} {
		if st, body := curl(t, s.url+c.path, c.body); st != 503 || body != unavailableBody {
			t.Fatalf("%s with the database gone: %d %s", c.path, st, body)
		}
	}
	if st, body := get(t, s.url+"/readyz", ""); st != 503 {
		t.Fatalf("readyz with the database gone: %d %s", st, body)
	}
	if st, body := get(t, s.url+"/healthz", ""); st != 200 {
		t.Fatalf("healthz with the database gone: %d %s", st, body)
	}
	if logs := s.logText(); strings.Contains(logs, pair["refresh"]) || strings.Contains(logs, scalePassword) {
		t.Fatalf("a secret reached the log:\n%s", logs)
	}

	pgExec(t, admin, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS true`)
	if st, body := curl(t, s.url+"/api/token/refresh/", refreshBody); st != 200 {
		t.Fatalf("refresh once the database is back: %d %s", st, body)
	}
	if st, body := curl(t, s.url+"/api/token/refresh/", refreshBody); st != 401 {
		t.Fatalf("the same refresh token again: %d %s", st, body)
	}
	login(t, s, email)
}
