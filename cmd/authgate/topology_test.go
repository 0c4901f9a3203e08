package main_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/store/storetest"
	"github.com/authgate/authgate/internal/topotest"
)

// These tests run `authgate serve` on the production topologies of docs/production.md, with
// real PgBouncer, PostgreSQL primary and standby, Redis and Redis Sentinel processes
// (internal/topotest), and fail them over under load. The figures they log (seconds of 503,
// rotations lost) are the ones docs/production.md quotes.

// TestPgBouncerScaleOut: instances behind PgBouncer in transaction mode, with PgBouncer's
// default settings, start together (each migration applied once), hold the refresh invariant
// and logout-all across instances, and share user cache invalidations through LISTEN on the
// direct URL.
func TestPgBouncerScaleOut(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	direct, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	bouncer := topotest.StartPgBouncer(t, direct.Host)
	pooled := *direct
	pooled.Host = bouncer.Addr()
	plain := instanceEnv(pooled.String(), "AUTHGATE_DATABASE_POOLER=transaction")
	// An hour of user cache: only a notification explains a change seen within seconds.
	cached := append(slices.Clone(plain), "AUTHGATE_USER_CACHE_TTL=1h", "AUTHGATE_DATABASE_LISTEN_URL="+dbURL)
	servers := serveMany(t, plain, plain, cached, cached)

	rows, err := pgOpen(t, dbURL).QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var applied []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, v)
	}
	rows.Close()
	if want := migrationVersions(t); !slices.Equal(applied, want) {
		t.Fatalf("four instances migrating through PgBouncer: schema_migrations = %v, want %v once each", applied, want)
	}

	// The server has no statement_timeout of its own here: each instance says it should.
	for _, s := range servers {
		s.waitLog(t, "set the server's statement_timeout below AUTHGATE_DB_STATEMENT_TIMEOUT")
	}

	email := newUser(t, plain, "bouncer")
	scaleOutInvariants(t, servers[0], servers[1], email)

	t.Run("a logout-all on one instance empties the other's user cache", func(t *testing.T) {
		c, d := servers[2], servers[3]
		pair := login(t, d, email)
		if st, body := get(t, d.url+"/api/me/", pair["access"]); st != 200 {
			t.Fatalf("me on D: %d %s", st, body) // D caches the user now, for an hour
		}
		onC := login(t, c, email)
		st, body := curl(t, c.url+"/logout_token/", `{"all":"1"}`, "Authorization", "Bearer "+onC["access"])
		if st != 200 {
			t.Fatalf("logout all on C: %d %s", st, body)
		}
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			st, _ := get(t, d.url+"/api/me/", pair["access"])
			if st == 401 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("D still accepts an access token 3 s after a logout-all on C (%d): the notification never came", st)
			}
		}
	})
}

// TestFailoverSynchronous: two instances on a primary and a synchronous standby, reached by a
// multi-host URL with target_session_attrs=read-write. Under login and refresh load the primary
// is killed (SIGKILL, every backend with it), and the standby promoted a second later. While no
// server takes writes every answer is 503, and /readyz says so; within seconds of the promotion
// the instances serve again without a restart. No answered rotation is lost, no token was
// rotated twice, and every rotated token presented again is refused.
func TestFailoverSynchronous(t *testing.T) {
	t.Parallel()
	primary := topotest.StartPrimary(t, topotest.PostgresOptions{SynchronousStandby: "standby"})
	standby := primary.StartStandby(t, "standby") // first: every commit waits for it
	primary.Exec(t, "postgres", `CREATE DATABASE authgate`)
	dbURL := fmt.Sprintf("postgres://postgres@%s,%s/authgate?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		primary.Addr(), standby.Addr())
	env := instanceEnv(dbURL, "AUTHGATE_DB_STATEMENT_TIMEOUT=2s", "AUTHGATE_USER_CACHE_TTL=1s")
	servers := serveMany(t, env, env)
	email := newUser(t, env, "sync")

	f := failOver(t, servers, email, primary, standby, nil)
	f.report(t, "synchronous replication, multi-host URL")
	if f.lost != 0 {
		t.Errorf("%d of %d answered rotations are missing on the promoted standby", f.lost, len(f.rotations))
	}
	if n := forks(t, standby); n != 0 {
		t.Errorf("%d tokens were rotated twice", n)
	}
	f.replayRotated(t, servers)
}

// TestFailoverAsynchronous: the reference topology's database side — a PgBouncer beside each
// server, authgate's multi-host URL listing both PgBouncers (target_session_attrs=read-write
// finds the primary through them), LISTEN on a multi-host direct URL — with asynchronous
// replication, whose link stalls for a second before the primary dies. It measures what
// asynchronous replication loses: the rotations answered during the stall are gone after the
// failover; the tokens they rotated are live again, each accepted once more and only once; the
// tokens they handed out are unknown, accepted once and only once by default, and refused with
// AUTHGATE_ACCEPT_UNKNOWN_REFRESH_TOKENS=false.
func TestFailoverAsynchronous(t *testing.T) {
	t.Parallel()
	primary := topotest.StartPrimary(t, topotest.PostgresOptions{})
	primary.Exec(t, "postgres", `CREATE DATABASE authgate`)
	// As docs/production.md asks behind PgBouncer: the server ends a slow statement before
	// authgate (AUTHGATE_DB_STATEMENT_TIMEOUT=2s) would cancel it through PgBouncer.
	primary.Exec(t, "postgres", `ALTER DATABASE authgate SET statement_timeout = '1500ms'`)
	standby := primary.StartStandby(t, "standby")
	primaryBouncer := topotest.StartPgBouncer(t, primary.Addr())
	standbyBouncer := topotest.StartPgBouncer(t, standby.Addr())
	hosts := func(a, b string) string {
		return fmt.Sprintf("postgres://postgres@%s,%s/authgate?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", a, b)
	}
	env := instanceEnv(hosts(primaryBouncer.Addr(), standbyBouncer.Addr()), "AUTHGATE_DATABASE_POOLER=transaction",
		"AUTHGATE_DATABASE_LISTEN_URL="+hosts(primary.Addr(), standby.Addr()), "AUTHGATE_USER_CACHE_TTL=1s",
		"AUTHGATE_DB_STATEMENT_TIMEOUT=2s")
	servers := serveMany(t, env, env)
	email := newUser(t, env, "async")
	if logs := servers[0].logText(); strings.Contains(logs, "statement_timeout") {
		t.Errorf("a warning about statement_timeout though the server has one below authgate's:\n%s", logs)
	}

	const stall = time.Second
	f := failOver(t, servers, email, primary, standby, func() {
		resume := primary.StallReplication(t)
		t.Cleanup(resume)
		time.Sleep(stall)
	}, primaryBouncer)
	f.report(t, "asynchronous replication stalled 1s, through PgBouncer")
	// Rotations answered while the link stalled whose next token was rotated again before the
	// kill: the load never presents their tokens again, the checks below do.
	var lost, olds []string
	revived := ""
	for i, r := range f.rotations {
		if !f.present[i] && f.rotatedBefore(r.next, f.killed) {
			lost = append(lost, r.next)
			olds = append(olds, r.old)
		}
	}
	known := knownTokens(t, standby, olds)
	for _, old := range olds {
		if known[old] {
			revived = old // the first lost rotation of its chain: its old token is on the standby
			break
		}
	}
	// Each check takes a token of a session (a worker's login) of its own: a replay caught by
	// reuse detection in one check ends that session, and its other tokens with it.
	sessions := map[string]bool{tokenClaim(t, revived, "sid"): true}
	var unknown []string
	for _, tok := range lost {
		if sid := tokenClaim(t, tok, "sid"); !sessions[sid] {
			sessions[sid] = true
			unknown = append(unknown, tok)
		}
	}
	if len(unknown) < 2 || revived == "" {
		t.Fatalf("%d rotations lost behind a stalled link, in %d sessions: the test sees too little", f.lost, len(sessions))
	}
	lost = unknown

	// A lost rotation's old token is live again on the promoted standby: accepted once more,
	// exactly once of concurrent presentations on both instances.
	if wins := concurrentRefreshes(t, servers, revived, 6); wins != 1 {
		t.Errorf("a token whose rotation was lost, presented 6 times at once: %d accepted, want 1", wins)
	}
	// A token a lost rotation handed out is unknown: accepted exactly once by default…
	if wins := concurrentRefreshes(t, servers, lost[0], 6); wins != 1 {
		t.Errorf("a token handed out by a lost rotation, presented 6 times at once: %d accepted, want 1", wins)
	}
	// …and refused by an instance told to refuse unknown refresh tokens.
	strict := serveMany(t, append(slices.Clone(env), "AUTHGATE_ACCEPT_UNKNOWN_REFRESH_TOKENS=false"))[0]
	st, body := curl(t, strict.url+"/api/token/refresh/", `{"refresh":"`+lost[1]+`"}`)
	if st != 401 || body != `{"detail":"Token is invalid or expired","code":"token_not_valid"}` {
		t.Errorf("an unknown refresh token with AUTHGATE_ACCEPT_UNKNOWN_REFRESH_TOKENS=false: %d %s", st, body)
	}
	if n := forks(t, standby); n != 0 {
		t.Errorf("%d tokens were rotated twice in the promoted database", n)
	}
}

// rotation is a refresh answered 200: old was rotated into next.
type rotation struct {
	old, next string
	at        time.Time
}

// sample is one answered request of the load.
type sample struct {
	path       string
	start, end time.Time
	status     int
	body       string
}

// failover is what a load saw across a failover.
type failover struct {
	samples   []sample
	rotations []rotation
	// present[i] says whether rotations[i].next is on the promoted standby.
	present []bool
	lost    int
	// ambiguous counts refreshes answered 503 whose rotation committed anyway (the primary died
	// between its commit and its answer): the retry is refused as a reuse.
	ambiguous                  int
	killed, promoting, firstOK time.Time
	gap503                     int
}

// failOver drives login and refresh load on servers, runs before (if any), kills primary (and
// the PgBouncers beside it, as the machine's loss would) and promotes standby a second later,
// and keeps the load on until the instances have served for a second after the promotion.
func failOver(t *testing.T, servers []*instance, email string, primary, standby *topotest.Postgres, before func(), alsoKill ...*topotest.PgBouncer) *failover {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	l := &loadRun{servers: servers, email: email}
	done := l.start(ctx, 4)
	time.Sleep(1500 * time.Millisecond)
	if before != nil {
		before()
	}
	primary.Kill()
	for _, b := range alsoKill {
		b.Kill()
	}
	// From here no request can reach a server that takes writes (requests started earlier may
	// still be answered).
	f := &failover{killed: time.Now()}
	time.Sleep(500 * time.Millisecond)
	for _, s := range servers {
		if st, body := get(t, s.url+"/readyz", ""); st != 503 {
			t.Errorf("readyz with no primary: %d %s", st, body)
		}
	}
	time.Sleep(500 * time.Millisecond)
	f.promoting = time.Now()
	standby.Promote(t)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ok := l.firstOK(f.promoting); !ok.IsZero() && time.Since(ok) > time.Second {
			break
		}
		if time.Now().After(deadline) {
			stop()
			<-done
			t.Fatalf("no refresh or login succeeded within 20 s of the promotion\n%s\n%s",
				servers[0].logText(), strings.Join(l.unexpected, "\n"))
		}
	}
	stop()
	<-done
	for _, u := range l.unexpected {
		t.Error(u)
	}
	for _, s := range servers {
		if st, body := get(t, s.url+"/readyz", ""); st != 200 {
			t.Errorf("readyz after the promotion: %d %s", st, body)
		}
	}
	f.samples, f.rotations, f.ambiguous = l.samples, l.rotations, l.ambiguous
	f.firstOK = l.firstOK(f.killed)
	for _, s := range f.samples {
		if s.start.After(f.killed) && s.end.Before(f.promoting) {
			if s.status != 503 || s.body != unavailableBody {
				t.Errorf("%s started after the kill, answered before the promotion: %d %s", s.path, s.status, s.body)
			}
			f.gap503++
		}
	}
	if f.gap503 == 0 {
		t.Fatal("no request was answered between the kill and the promotion: the test saw no gap")
	}

	// Which answered rotations does the promoted standby know?
	next := make([]string, len(f.rotations))
	for i, r := range f.rotations {
		next[i] = r.next
	}
	known := knownTokens(t, standby, next)
	f.present = make([]bool, len(next))
	for i, tok := range next {
		f.present[i] = known[tok]
		if !known[tok] {
			f.lost++
		}
	}
	return f
}

// report logs the figures docs/production.md quotes.
func (f *failover) report(t *testing.T, what string) {
	t.Helper()
	before := 0
	for _, r := range f.rotations {
		if r.at.Before(f.killed) {
			before++
		}
	}
	t.Logf("%s: %d rotations answered (%d before the kill); first success %.2fs after the kill, %.2fs after the promotion started; %d answers in the gap, all 503; %d answered rotations lost; %d refreshes in flight at the kill committed unanswered",
		what, len(f.rotations), before, f.firstOK.Sub(f.killed).Seconds(), f.firstOK.Sub(f.promoting).Seconds(),
		f.gap503, f.lost, f.ambiguous)
}

// rotatedBefore says whether token was itself rotated by a refresh answered before t.
func (f *failover) rotatedBefore(token string, t time.Time) bool {
	for _, r := range f.rotations {
		if r.old == token && r.at.Before(t) {
			return true
		}
	}
	return false
}

// knownTokens says which of the refresh tokens the server's database records.
func knownTokens(t *testing.T, db *topotest.Postgres, tokens []string) map[string]bool {
	t.Helper()
	jtis := make([]string, len(tokens))
	byJTI := map[string]string{}
	for i, tok := range tokens {
		jtis[i] = tokenClaim(t, tok, "jti")
		byJTI[jtis[i]] = tok
	}
	rows, err := db.DB(t, "authgate").QueryContext(t.Context(), `SELECT jti FROM outstanding_tokens WHERE jti = ANY($1)`, jtis)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var j string
		if err := rows.Scan(&j); err != nil {
			t.Fatal(err)
		}
		known[byJTI[j]] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}

// replayRotated presents again tokens whose rotation was answered around the failover: each is
// refused.
func (f *failover) replayRotated(t *testing.T, servers []*instance) {
	t.Helper()
	n := 0
	for i, r := range f.rotations {
		if r.at.Before(f.killed.Add(-2*time.Second)) || n >= 100 {
			continue
		}
		n++
		st, body := curl(t, servers[i%2].url+"/api/token/refresh/", `{"refresh":"`+r.old+`"}`)
		if st != 401 || !strings.Contains(body, `"code":"token_not_valid"`) {
			t.Errorf("a token rotated at %s (the kill at %s) presented again: %d %s",
				r.at.Format("15:04:05.000"), f.killed.Format("15:04:05.000"), st, body)
		}
	}
	if n == 0 {
		t.Fatal("no rotation to replay")
	}
}

// forks counts tokens rotated into more than one child.
func forks(t *testing.T, db *topotest.Postgres) int {
	t.Helper()
	var n int
	err := db.DB(t, "authgate").QueryRowContext(t.Context(), `SELECT count(*) FROM (SELECT parent_jti FROM outstanding_tokens
		WHERE parent_jti <> '' GROUP BY parent_jti HAVING count(*) > 1) f`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// concurrentRefreshes presents one refresh token n times at once, spread over servers, and
// returns how many were accepted; every other answer must be a 401.
func concurrentRefreshes(t *testing.T, servers []*instance, refresh string, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	status := make([]int, n)
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			<-start
			status[i], bodies[i], _ = post(servers[i%len(servers)].url+"/api/token/refresh/", `{"refresh":"`+refresh+`"}`)
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, st := range status {
		switch st {
		case 200:
			wins++
		case 401:
		default:
			t.Errorf("concurrent refresh: %d %s", st, bodies[i])
		}
	}
	return wins
}

// tokenClaim reads a string claim of a JWT (jti, sid) without verifying it.
func tokenClaim(t *testing.T, raw, name string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	v, _ := c[name].(string)
	if v == "" {
		t.Fatalf("no %s in %s", name, b)
	}
	return v
}

// loadRun is login and refresh load: each worker logs in, then refreshes along its own chain
// on the instances in turn, presenting each refresh token until it is answered — again after a
// 503, never after a 200 — and logging in anew after a refusal.
type loadRun struct {
	servers    []*instance
	email      string
	mu         sync.Mutex
	samples    []sample
	rotations  []rotation
	ambiguous  int
	unexpected []string
}

var loadClient = &http.Client{Timeout: 20 * time.Second}

func (l *loadRun) do(s *instance, path, body string) (int, string) {
	start := time.Now()
	st, b := 0, ""
	resp, err := loadClient.Post(s.url+path, "application/json", strings.NewReader(body))
	if err == nil {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		st, b = resp.StatusCode, string(raw)
	} else {
		b = err.Error()
	}
	l.mu.Lock()
	l.samples = append(l.samples, sample{path: path, start: start, end: time.Now(), status: st, body: b})
	l.mu.Unlock()
	return st, b
}

func (l *loadRun) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unexpected = append(l.unexpected, fmt.Sprintf(format, args...))
}

// firstOK is when the first success of a request started after t was answered; zero if none.
func (l *loadRun) firstOK(t time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	for _, s := range l.samples {
		if s.status == 200 && s.start.After(t) && (first.IsZero() || s.end.Before(first)) {
			first = s.end
		}
	}
	return first
}

// start runs workers until ctx ends; the channel closes when they have stopped.
func (l *loadRun) start(ctx context.Context, workers int) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	loginBody := `{"email":"` + l.email + `","password":"` + scalePassword + `"}`
	for w := range workers {
		wg.Go(func() {
			var current string
			after503 := false
			for i := 0; ctx.Err() == nil; i++ {
				s := l.servers[(w+i)%len(l.servers)]
				if current == "" {
					st, body := l.do(s, "/api/token/", loginBody)
					var p map[string]string
					switch {
					case st == 200 && json.Unmarshal([]byte(body), &p) == nil && p["refresh"] != "":
						current = p["refresh"]
					case st == 503:
						time.Sleep(20 * time.Millisecond)
					default:
						l.fail("login: %d %s", st, body)
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				st, body := l.do(s, "/api/token/refresh/", `{"refresh":"`+current+`"}`)
				var p map[string]string
				switch {
				case st == 200 && json.Unmarshal([]byte(body), &p) == nil && p["refresh"] != "" && p["access"] != "":
					l.mu.Lock()
					l.rotations = append(l.rotations, rotation{old: current, next: p["refresh"], at: time.Now()})
					l.mu.Unlock()
					current, after503 = p["refresh"], false
				case st == 503 && body == unavailableBody:
					after503 = true
					time.Sleep(20 * time.Millisecond)
				case st == 401 && after503:
					l.mu.Lock()
					l.ambiguous++
					l.mu.Unlock()
					current, after503 = "", false
				default:
					l.fail("refresh: %d %s", st, body)
					current = ""
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// TestRedisSentinelFailover: two instances share login throttling through Redis Sentinel
// (a primary, a replica, three sentinels with quorum 2). The primary is killed: while no
// primary answers, logins fail closed with 503; once the sentinels have promoted the replica,
// logins work again without a restart, and the counts made before the failover still hold
// (they had reached the replica), as do new ones.
func TestRedisSentinelFailover(t *testing.T) {
	t.Parallel()
	primary := topotest.StartRedis(t, nil)
	replica := topotest.StartRedis(t, primary)
	sentinels := topotest.StartSentinels(t, primary, "authgate", 3, 2, 1, time.Second)
	var addrs []string
	for _, s := range sentinels {
		addrs = append(addrs, s.Addr())
	}
	redisURL := "redis+sentinel://" + strings.Join(addrs, ",") + "/authgate/0"
	dbURL := storetest.PostgresURL(t)
	env := instanceEnv(dbURL, "AUTHGATE_THROTTLE_LOGIN=4/min", "AUTHGATE_TRUSTED_PROXIES=127.0.0.1",
		"AUTHGATE_REDIS_URL="+redisURL)
	servers := serveMany(t, env, env)
	a, b := servers[0], servers[1]
	email := newUser(t, env, "sentinel")

	client := randomClient()
	for i, s := range []*instance{a, b} {
		if st, body, _ := loginFrom(t, s, client, email, "wrong password"); st != 401 {
			t.Fatalf("try %d: %d %s", i+1, st, body)
		}
	}
	primary.WaitReplicated(t, 1)

	killed := time.Now()
	primary.Kill()
	var (
		refused  int
		lastDown time.Time
		firstUp  time.Time
	)
	for i := 0; firstUp.IsZero(); i++ {
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("logins still fail 30 s after the Redis primary was killed (%d answered 503)", refused)
		}
		start := time.Now()
		st, body, _ := loginFrom(t, servers[i%2], randomClient(), email, scalePassword)
		t.Logf("login at +%.2fs: %d in %.2fs", start.Sub(killed).Seconds(), st, time.Since(start).Seconds())
		switch {
		case st == 503 && body == unavailableBody:
			refused++
			lastDown = start
		case st == 200:
			firstUp = time.Now()
		default:
			t.Fatalf("login while Redis fails over: %d %s", st, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if refused == 0 {
		t.Fatal("no login failed while the Redis primary was down: the test saw no gap")
	}
	t.Logf("Redis failover: %d logins answered 503 (the last started %.2fs after the kill); first success %.2fs after the kill",
		refused, lastDown.Sub(killed).Seconds(), firstUp.Sub(killed).Seconds())
	if got := topotest.Primary(t, sentinels[0], "authgate"); got != replica.Addr() {
		t.Fatalf("sentinels name %s the primary, want the replica %s", got, replica.Addr())
	}

	// The two tries made before the failover count: two more, then the fifth is refused.
	for i, s := range []*instance{b, a} {
		if st, body, _ := loginFrom(t, s, client, email, "wrong password"); st != 401 {
			t.Fatalf("try %d after the failover: %d %s", i+3, st, body)
		}
	}
	for _, s := range []*instance{a, b} {
		if st, body, _ := loginFrom(t, s, client, email, scalePassword); st != 429 {
			t.Fatalf("fifth try after the failover: %d %s, want 429", st, body)
		}
	}
}
