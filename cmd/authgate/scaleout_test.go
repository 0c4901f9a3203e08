package main_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/store/storetest"
)

// These tests run several `authgate serve` processes against one PostgreSQL database, as a
// deployment behind a load balancer does (DESIGN.md, "Scale-out"; docs/production.md).

// scaleKey is the HS256 secret every instance of one deployment shares.
const scaleKey = "scale-out-test-secret-0123456789abcdef0123456789"

// scalePassword is the password of the users these tests create.
const scalePassword = "correct horse battery staple"

// instanceEnv is the environment of one instance on the database at dbURL. Login throttling
// is loosened (every request comes from 127.0.0.1) unless extra sets it again.
func instanceEnv(dbURL string, extra ...string) []string {
	return append([]string{
		"AUTHGATE_DATABASE_URL=" + dbURL,
		"AUTHGATE_SIGNING_KEY=" + scaleKey,
		"AUTHGATE_THROTTLE_LOGIN=10000/min",
		"AUTHGATE_THROTTLE_LOGIN_ACCOUNT=10000/hour",
	}, extra...)
}

// instance is one `authgate serve` of a deployment; its log can be read while it runs.
type instance struct {
	*server
	stderr *syncWriter
	found  chan string
}

// logText is the instance's log so far.
func (i *instance) logText() string {
	i.stderr.mu.Lock()
	defer i.stderr.mu.Unlock()
	return i.logs.String()
}

// waitLog waits until the instance's log holds want: stderr is copied in the background, so a
// line logged before "listening on" may arrive after it.
func (i *instance) waitLog(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(i.logText(), want) {
			return
		}
	}
	t.Fatalf("instance %s never logged %q:\n%s", i.url, want, i.logText())
}

// launch starts `authgate serve` without waiting for it, so that several instances can start
// at the same moment; wait for each with (*instance).ready.
func launch(t *testing.T, env []string) *instance {
	t.Helper()
	cmd := exec.Command(build(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	stderr := &syncWriter{w: logs}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{server: &server{cmd: cmd, logs: logs, done: make(chan error, 1)}, stderr: stderr,
		found: make(chan string, 1)}
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
				in.found <- u
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { in.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		err := <-in.done
		in.done <- err
	})
	return in
}

// ready waits until the instance listens.
func (i *instance) ready(t *testing.T) *instance {
	t.Helper()
	select {
	case i.url = <-i.found:
	case err := <-i.done:
		i.done <- err
		t.Fatalf("serve exited: %v\n%s", err, i.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start\n%s", i.logText())
	}
	return i
}

// serveMany starts one instance per environment at the same moment and waits for all.
func serveMany(t *testing.T, envs ...[]string) []*instance {
	t.Helper()
	var pending []*instance
	for _, env := range envs {
		pending = append(pending, launch(t, env))
	}
	for _, p := range pending {
		p.ready(t)
	}
	return pending
}

// newUser creates a user through the real command line and returns its e-mail.
func newUser(t *testing.T, env []string, prefix string) string {
	t.Helper()
	email := fmt.Sprintf("%s-%d@example.com", prefix, time.Now().UnixNano())
	out, errOut, code := cli(t, env, scalePassword+"\n", "createuser", "--email", email, "--password-stdin")
	if code != 0 {
		t.Fatalf("createuser: %d %s %s", code, out, errOut)
	}
	return email
}

// login obtains a token pair from s.
func login(t *testing.T, s *instance, email string) map[string]string {
	t.Helper()
	st, body := curl(t, s.url+"/api/token/", `{"email":"`+email+`","password":"`+scalePassword+`"}`)
	if st != 200 {
		t.Fatalf("login on %s: %d %s", s.url, st, body)
	}
	return fields(t, body)
}

// post is curl for goroutines: it reports errors instead of failing the test.
func post(url, body string) (int, string, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// get sends a GET, with a Bearer token unless access is empty, and returns the status and body.
func get(t *testing.T, url, access string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	code, b, _ := send(t, req)
	return code, b
}

// pgOpen opens a database/sql handle on a PostgreSQL URL, closed when the test ends.
func pgOpen(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func pgExec(t *testing.T, db *sql.DB, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// migrationVersions lists the PostgreSQL migrations embedded in the binary, from the source tree.
func migrationVersions(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "internal", "store", "migrations", "postgres", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no PostgreSQL migrations found: %v", err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".sql"))
	}
	slices.Sort(out)
	return out
}

// TestScaleOutStartTogether starts three instances at the same moment on one fresh database,
// through both URL schemes: each serves, and every migration was applied exactly once.
func TestScaleOutStartTogether(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	alt := "postgresql" + strings.TrimPrefix(dbURL, "postgres")
	if !strings.HasPrefix(dbURL, "postgres://") || !strings.HasPrefix(alt, "postgresql://") {
		t.Fatalf("unexpected test database URL %q", dbURL)
	}
	servers := serveMany(t, instanceEnv(dbURL), instanceEnv(alt), instanceEnv(alt))
	for _, s := range servers {
		s.waitLog(t, "database=postgres")
	}

	rows, err := pgOpen(t, dbURL).QueryContext(t.Context(),
		`SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			v string
			n int
		)
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("migration %s recorded %d times", v, n)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := migrationVersions(t); !slices.Equal(got, want) {
		t.Fatalf("schema_migrations = %v, want %v", got, want)
	}

	email := newUser(t, instanceEnv(alt), "start")
	for _, s := range servers {
		login(t, s, email)
		if st, body := get(t, s.url+"/readyz", ""); st != 200 {
			t.Errorf("readyz on %s: %d %s", s.url, st, body)
		}
	}
}

// TestScaleOutInvariants holds the refresh invariant and logout-all across two instances
// sharing one database and one signing key.
func TestScaleOutInvariants(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	env := instanceEnv(dbURL)
	servers := serveMany(t, env, env)
	scaleOutInvariants(t, servers[0], servers[1], newUser(t, env, "scale"))
}

// scaleOutInvariants checks the refresh invariant and logout-all across instances a and b of
// one deployment, for the user email (TestPgBouncerScaleOut runs it through PgBouncer).
func scaleOutInvariants(t *testing.T, a, b *instance, email string) {
	servers := []*instance{a, b}
	t.Run("concurrent refreshes of one token: exactly one succeeds", func(t *testing.T) {
		const perInstance = 6
		for round := range 3 {
			refresh := login(t, a, email)["refresh"]
			body := `{"refresh":"` + refresh + `"}`
			type result struct {
				status int
				body   string
				err    error
			}
			results := make(chan result, 2*perInstance)
			var start sync.WaitGroup
			start.Add(1)
			for i := range 2 * perInstance {
				s := servers[i%2]
				go func() {
					start.Wait()
					st, b, err := post(s.url+"/api/token/refresh/", body)
					results <- result{st, b, err}
				}()
			}
			start.Done()
			ok := 0
			for range 2 * perInstance {
				r := <-results
				switch {
				case r.err != nil:
					t.Errorf("round %d: %v", round, r.err)
				case r.status == 200:
					ok++
					if p := fields(t, r.body); p["access"] == "" || p["refresh"] == "" {
						t.Errorf("round %d: 200 without a pair: %s", round, r.body)
					}
				case r.status == 401 && strings.Contains(r.body, `"code":"token_not_valid"`):
				default:
					t.Errorf("round %d: unexpected answer %d %s", round, r.status, r.body)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of %d concurrent refreshes succeeded, want exactly 1", round, ok, 2*perInstance)
			}
		}
	})

	t.Run("login on one instance, refresh on the other", func(t *testing.T) {
		pair := login(t, a, email)
		st, body := curl(t, b.url+"/api/token/refresh/", `{"refresh":"`+pair["refresh"]+`"}`)
		if st != 200 {
			t.Fatalf("refresh on B of A's token: %d %s", st, body)
		}
		next := fields(t, body)
		if st, body := get(t, a.url+"/api/me/", next["access"]); st != 200 || !strings.Contains(body, email) {
			t.Fatalf("B's access token on A: %d %s", st, body)
		}
		if st, body := curl(t, a.url+"/api/token/refresh/", `{"refresh":"`+next["refresh"]+`"}`); st != 200 {
			t.Fatalf("refresh on A of B's token: %d %s", st, body)
		}
		st, body = curl(t, a.url+"/api/token/refresh/", `{"refresh":"`+pair["refresh"]+`"}`)
		if st != 401 || body != `{"detail":"Token is blacklisted","code":"token_not_valid"}` {
			t.Fatalf("A's token, rotated on B, again on A: %d %s", st, body)
		}
	})

	t.Run("logout-all on one instance is honoured at once by the other", func(t *testing.T) {
		onA, onB := login(t, a, email), login(t, b, email)
		rotated := login(t, b, email)
		if st, body := curl(t, a.url+"/api/token/refresh/", `{"refresh":"`+rotated["refresh"]+`"}`); st != 200 {
			t.Fatalf("refresh: %d %s", st, body)
		}
		if st, _ := get(t, b.url+"/api/me/", onA["access"]); st != 200 {
			t.Fatalf("A's access token on B before logout-all: %d", st)
		}
		st, body := curl(t, a.url+"/logout_token/", `{"all":"1"}`, "Authorization", "Bearer "+onA["access"])
		if st != 200 || body != `{"status":"OK, goodbye, all refresh tokens blacklisted"}` {
			t.Fatalf("logout all on A: %d %s", st, body)
		}
		for name, p := range map[string]map[string]string{"A's": onA, "B's": onB, "rotated": rotated} {
			st, body := curl(t, b.url+"/api/token/refresh/", `{"refresh":"`+p["refresh"]+`"}`)
			if st != 401 || !strings.Contains(body, `"code":"token_not_valid"`) {
				t.Errorf("%s refresh token on B after logout-all on A: %d %s", name, st, body)
			}
			st, body = get(t, b.url+"/api/me/", p["access"])
			if st != 401 || !strings.Contains(body, `"code":"token_not_valid"`) {
				t.Errorf("%s access token on B after logout-all on A: %d %s", name, st, body)
			}
		}
		fresh := login(t, b, email)
		if st, body := get(t, a.url+"/api/me/", fresh["access"]); st != 200 {
			t.Fatalf("a login after logout-all, on the other instance: %d %s", st, body)
		}
	})
}
