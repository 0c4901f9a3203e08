package main_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to inspect PostgreSQL after a crash
	_ "modernc.org/sqlite"             // the "sqlite" driver, to inspect SQLite after a crash

	"github.com/authgate/authgate/internal/store/storetest"
)

// crashPassword is the load user's password; it must never reach the logs either.
const crashPassword = "crash-test-pass-phrase-5a7e"

// crashLedger is what the load's clients received: every refresh token handed out (jti → the jti it
// was rotated from, "" for a login) and every token string, for the log check.
type crashLedger struct {
	mu       sync.Mutex
	parentOf map[string]string
	childOf  map[string]string
	raw      []string
	doubles  []string // parents the clients saw rotated twice
}

func (l *crashLedger) add(raw, parent string) string {
	jti := crashJTI(raw)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parentOf[jti] = parent
	l.raw = append(l.raw, raw)
	if parent != "" {
		if c, ok := l.childOf[parent]; ok && c != jti {
			l.doubles = append(l.doubles, parent)
		}
		l.childOf[parent] = jti
	}
	return jti
}

func crashJTI(raw string) string {
	p := strings.Split(raw, ".")
	if len(p) != 3 {
		return ""
	}
	b, _ := base64.RawURLEncoding.DecodeString(p[1])
	var c struct {
		JTI string `json:"jti"`
	}
	_ = json.Unmarshal(b, &c)
	return c.JTI
}

// crashPost is a bare JSON POST that reports a failed exchange (the server died) as status 0.
func crashPost(c *http.Client, url, body string) (int, map[string]string) {
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]string
	if json.NewDecoder(resp.Body).Decode(&m) != nil {
		return 0, nil // cut off mid-body: the client did not get the token
	}
	return resp.StatusCode, m
}

// crashLoad refreshes the worker's token (kept across restarts in *cur) until ctx ends, often
// firing two refreshes of one token at once, and logs in again whenever it has none that works.
func crashLoad(ctx context.Context, base string, l *crashLedger, cur *string) {
	c := &http.Client{Timeout: 10 * time.Second}
	creds := `{"email":"load@example.com","password":"` + crashPassword + `"}`
	for ctx.Err() == nil {
		if *cur == "" {
			if st, m := crashPost(c, base+"/api/token/", creds); st == 200 {
				l.add(m["refresh"], "")
				*cur = m["refresh"]
			}
			continue
		}
		tries := 1
		if rand.IntN(3) == 0 {
			tries = 2 // a duplicate in flight: at most one may win
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		next, parent := "", crashJTI(*cur)
		for range tries {
			wg.Go(func() {
				st, m := crashPost(c, base+"/api/token/refresh/", `{"refresh":"`+*cur+`"}`)
				if st == 200 {
					l.add(m["refresh"], parent)
					mu.Lock()
					next = m["refresh"]
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if next != "" || ctx.Err() == nil {
			*cur = next // "" (refused) means: log in again
		}
	}
}

// size is how many refresh tokens the clients got so far.
func (l *crashLedger) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.parentOf)
}

// crashInvariants checks the database of a killed server.
func crashInvariants(t *testing.T, driver, dsn string, l *crashLedger) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	count := func(what, q string) {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%s: %d", what, n)
		}
	}
	count("refresh tokens rotated twice (a parent with two children)", `SELECT COUNT(*) FROM (SELECT parent_jti FROM outstanding_tokens
		WHERE parent_jti <> '' GROUP BY parent_jti HAVING COUNT(*) > 1) AS twice`)
	count("rotated tokens not blacklisted (a child without its parent's blacklisting)", `SELECT COUNT(*) FROM outstanding_tokens c
		JOIN outstanding_tokens p ON p.jti = c.parent_jti LEFT JOIN blacklisted_tokens b ON b.token_id = p.id WHERE b.id IS NULL`)
	count("children outside their parent's family", `SELECT COUNT(*) FROM outstanding_tokens c
		JOIN outstanding_tokens p ON p.jti = c.parent_jti WHERE c.family_id <> p.family_id`)
	count("blacklist rows without their token", `SELECT COUNT(*) FROM blacklisted_tokens b
		LEFT JOIN outstanding_tokens o ON o.id = b.token_id WHERE o.id IS NULL`)

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.doubles) > 0 {
		t.Errorf("clients saw %d tokens rotated twice: %v", len(l.doubles), l.doubles)
	}
	rows, err := db.QueryContext(ctx, `SELECT jti, parent_jti FROM outstanding_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]string{}
	for rows.Next() {
		var jti, parent string
		if err := rows.Scan(&jti, &parent); err != nil {
			t.Fatal(err)
		}
		stored[jti] = parent
	}
	for jti, parent := range l.parentOf {
		got, ok := stored[jti]
		if !ok {
			t.Errorf("refresh token %s was handed out but is not recorded", jti)
		} else if got != parent {
			t.Errorf("refresh token %s is recorded as a child of %q, handed out as a child of %q", jti, got, parent)
		}
	}
}

// TestCrashSafety kills the real binary with SIGKILL at random moments under a login and refresh
// load (duplicate refreshes in flight included), restarts it, and checks the database each time:
// no token rotated twice, every handed-out refresh token recorded with its parent, no orphan
// blacklist row; then the server serves again, and no token or password reached its logs.
func TestCrashSafety(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var url, driver, dsn string
			if backend == "sqlite" {
				dsn = filepath.Join(t.TempDir(), "authgate.db")
				url, driver = "sqlite://"+dsn, "sqlite"
			} else {
				url = storetest.PostgresURL(t)
				driver, dsn = "pgx", url
			}
			env := []string{"AUTHGATE_DATABASE_URL=" + url, "AUTHGATE_SIGNING_KEY=crash-test-signing-key-0123456789abcdef",
				"AUTHGATE_EMAIL_URL=console://", "AUTHGATE_THROTTLE_LOGIN=0/min", "AUTHGATE_THROTTLE_LOGIN_ACCOUNT=0/min",
				"AUTHGATE_THROTTLE_REFRESH=0/min", "AUTHGATE_LOG_FORMAT=json", "AUTHGATE_LOG_LEVEL=debug"}
			if _, errOut, code := cli(t, env, crashPassword+"\n", "createuser", "--email", "load@example.com", "--password-stdin"); code != 0 {
				t.Fatalf("createuser: %s", errOut)
			}
			l := &crashLedger{parentOf: map[string]string{}, childOf: map[string]string{}}
			var logs []string
			cur := make([]string, 4)
			for round := range 4 {
				s := serve(t, env)
				ctx, stop := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for i := range cur {
					wg.Go(func() { crashLoad(ctx, s.url, l, &cur[i]) })
				}
				// Kill at a random moment once the load is flowing (a few tokens out this round).
				before := l.size()
				for wait := time.Now(); l.size() < before+5 && time.Since(wait) < 5*time.Second; {
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(time.Duration(rand.IntN(600)) * time.Millisecond)
				if err := s.cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				err := <-s.done
				s.done <- err // for serve's cleanup
				stop()
				wg.Wait()
				logs = append(logs, s.logs.String())
				crashInvariants(t, driver, dsn, l)
				t.Logf("round %d: %d refresh tokens handed out so far", round, len(l.parentOf))
			}
			s := serve(t, env)
			st, body := curl(t, s.url+"/api/token/", `{"email":"load@example.com","password":"`+crashPassword+`"}`)
			if st != 200 {
				t.Fatalf("login after the crashes: %d %s", st, body)
			}
			if st, body := curl(t, s.url+"/api/token/refresh/", `{"refresh":"`+fields(t, body)["refresh"]+`"}`); st != 200 {
				t.Fatalf("refresh after the crashes: %d %s", st, body)
			}
			if len(l.parentOf) < 20 {
				t.Fatalf("the load handed out only %d refresh tokens: too little to prove anything", len(l.parentOf))
			}
			all := strings.Join(logs, "\n")
			if !strings.Contains(all, `"msg":"audit"`) {
				t.Fatalf("no audit lines in the server's logs")
			}
			if strings.Contains(all, crashPassword) {
				t.Error("the password is in the server's logs")
			}
			for _, raw := range l.raw {
				if sig := raw[strings.LastIndexByte(raw, '.')+1:]; strings.Contains(all, sig) {
					t.Errorf("a token (signature %.10s…) is in the server's logs", sig)
				}
			}
		})
	}
}
