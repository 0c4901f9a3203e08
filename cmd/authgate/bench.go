package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/loadtest"
	"github.com/authgate/authgate/internal/password"
)

// benchUserCacheTTL is the user cache TTL of the server the bench starts unless the
// environment sets one.
const benchUserCacheTTL = "1s"

// ceilingKeyEnv carries the ceiling server's HMAC key to its process (never argv).
const ceilingKeyEnv = "AUTHGATE_BENCH_CEILING_KEY"

// benchFlags are `authgate bench`'s own flags; the server it starts takes the usual settings
// from the environment.
type benchFlags struct {
	url, db, email, scenario, mix, mePath, userField string
	setup, targetOnly, asJSON, passwordStdin         bool
	serveCeiling                                     bool
	conns, users, pid, rounds                        int
	duration, warmup                                 time.Duration
}

func parseBenchFlags(e env, args []string) (benchFlags, error) {
	var f benchFlags
	fs := flag.NewFlagSet("authgate bench", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&f.url, "url", "", "base URL of a running server (default: start `authgate serve` on --db)")
	fs.StringVar(&f.db, "db", "", "database of the started server, of --setup and of the storage ceiling (default: a scratch SQLite file)")
	fs.BoolVar(&f.setup, "setup", false, "with --url: create the bench users in --db, which must be the target's database")
	fs.StringVar(&f.email, "email", "", "with --url: log in as this existing user instead (with --password-stdin)")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read --email's password from the first line of standard input")
	fs.StringVar(&f.scenario, "scenario", "all", "me, verify, refresh, login, mixed, a comma-separated list of them, or all")
	fs.IntVar(&f.conns, "c", loadtest.DefaultConns, "connections (one worker each)")
	fs.DurationVar(&f.duration, "d", loadtest.DefaultDuration, "measured time of each run")
	fs.DurationVar(&f.warmup, "warmup", time.Second, "load before each measured window, not counted")
	fs.IntVar(&f.rounds, "rounds", 0, "alternate ceiling and target in this many slices of each run (default: one per 2s)")
	fs.IntVar(&f.users, "users", 16, "bench users to create")
	fs.StringVar(&f.mix, "mix", loadtest.DefaultMix().String(), "weights of the mixed scenario")
	fs.BoolVar(&f.targetOnly, "target-only", false, "measure no ceilings and skip the leak check (any SimpleJWT-compatible server)")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON instead of a table")
	fs.StringVar(&f.mePath, "me-path", "/api/me/", "the protected endpoint")
	fs.StringVar(&f.userField, "username-field", "email", "the login field that holds the e-mail")
	fs.IntVar(&f.pid, "pid", 0, "with --url: the target's process id on this machine, to sample its memory")
	fs.BoolVar(&f.serveCeiling, "serve-ceiling", false, "internal: serve the bare HS256 ceiling (key in $"+ceilingKeyEnv+")")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	case f.url == "" && (f.setup || f.email != ""):
		return f, errors.New("bench: --setup and --email go with --url")
	case f.url != "" && f.setup == (f.email != ""):
		return f, errors.New("bench: with --url, give either --setup (and --db) or --email (and --password-stdin)")
	case f.setup && f.db == "":
		return f, errors.New("bench: --setup needs --db, the target's database")
	case f.email != "" && !f.passwordStdin:
		return f, errors.New("bench: --email needs --password-stdin (passwords never go in arguments)")
	case f.users < 1 || f.users > 10000:
		return f, fmt.Errorf("bench: --users %d is not from 1 to 10000", f.users)
	}
	return f, nil
}

func (f benchFlags) scenarios() ([]string, error) {
	if f.scenario == "all" {
		return loadtest.Scenarios(), nil
	}
	var out []string
	for _, s := range strings.Split(f.scenario, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(loadtest.Scenarios(), s) {
			return nil, fmt.Errorf("bench: unknown scenario %q (want %s or all)", s, strings.Join(loadtest.Scenarios(), ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// cmdBench is `authgate bench` (docs/benchmarks.md): it starts authgate on a scratch database
// (or takes --url), creates users, drives the scenarios, and prints each one's throughput and
// latency beside the ceilings it measured in the same run.
func cmdBench(ctx context.Context, e env, args []string) error {
	f, err := parseBenchFlags(e, args)
	if err != nil {
		return err
	}
	if f.serveCeiling {
		return serveCeiling(ctx, e)
	}
	scenarios, err := f.scenarios()
	if err != nil {
		return err
	}
	mix, err := loadtest.ParseMix(f.mix)
	if err != nil {
		return err
	}
	progress := func(format string, args ...any) { fmt.Fprintf(e.stderr, "bench: "+format+"\n", args...) }

	dir, err := os.MkdirTemp("", "authgate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if f.db == "" {
		f.db = "sqlite://" + filepath.Join(dir, "authgate.db")
	}
	srvEnv := serverEnv(e, f.db)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}

	plan := loadtest.Plan{Scenarios: scenarios, Log: progress, Rounds: f.rounds, Run: loadtest.Options{
		BaseURL: f.url, Conns: f.conns, Duration: f.duration, Warmup: f.warmup, Mix: mix, PID: f.pid,
		UsernameField: f.userField, Paths: loadtest.Paths{Me: f.mePath},
	}}
	var cfg config.Config
	if f.url == "" || f.setup {
		if cfg, _, err = config.Load("authgate bench", nil, lookup(srvEnv), e.stderr, nil); err != nil {
			return err
		}
		progress("creating %d users in %s", f.users, redactURL(f.db))
		if plan.Run.Accounts, err = createBenchUsers(ctx, cfg, e, f.users); err != nil {
			return err
		}
		plan.Database = dialectOf(f.db)
		plan.Settings = fmt.Sprintf("user cache TTL %s, log %s at %s, throttling off", cfg.UserCacheTTL, cfg.LogFormat, cfg.LogLevel)
	} else {
		pw, err := bufio.NewReader(e.stdin).ReadString('\n')
		if pw = strings.TrimRight(pw, "\r\n"); pw == "" {
			return fmt.Errorf("bench: no password on standard input: %v", err)
		}
		plan.Run.Accounts = []loadtest.Account{{Email: f.email, Password: pw}}
	}

	if f.url == "" {
		logs, err := os.Create(filepath.Join(dir, "server.log"))
		if err != nil {
			return err
		}
		defer logs.Close()
		srv, err := loadtest.StartProcess(ctx, self, []string{"serve"}, envList(srvEnv), logs)
		if err != nil {
			return err
		}
		defer func() {
			if err := srv.Stop(30 * time.Second); err != nil {
				fmt.Fprintf(e.stderr, "bench: the server did not stop cleanly: %v\n%s", err, tail(logs.Name(), 20))
			}
		}()
		progress("started authgate serve (pid %d) at %s, logs in %s", srv.PID, srv.URL, logs.Name())
		plan.Run.BaseURL, plan.Run.PID = srv.URL, srv.PID
	}
	if !f.targetOnly {
		plan.LeakCheck = true
		stop, err := startCeiling(ctx, self, e, &plan.Ceilings)
		if err != nil {
			return err
		}
		defer stop()
		if f.db != "" && (f.url == "" || f.setup) {
			plan.Ceilings.Storage = &loadtest.StorageOptions{DatabaseURL: f.db, PoolSize: orDefault(cfg.DBMaxOpenConns, 10)}
		}
		p := password.DefaultParams()
		plan.Ceilings.Argon2 = &p
	}
	rep, err := loadtest.Bench(ctx, plan)
	if err != nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteTable(e.stdout)
	}
	if err != nil {
		return err
	}
	for _, s := range rep.Scenarios {
		if s.Errors > 0 {
			return fmt.Errorf("bench: %s: %d wrong answers", s.Name, s.Errors)
		}
	}
	if rep.Leaks != nil && !rep.Leaks.OK {
		return errors.New("bench: the server did not come back to rest after the load (see the leak line)")
	}
	return nil
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// serverEnv is the environment of the server the bench starts: the caller's settings, a
// scratch address and database, a key when none is set, and throttling off (a load test
// from one address is exactly what throttling exists to stop).
func serverEnv(e env, db string) map[string]string {
	m := map[string]string{}
	pass := append(config.Env(), "SIMPLE_JWT_SIGNING_KEY", "SECRET_KEY", "PATH", "HOME", "TMPDIR",
		"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG")
	for _, k := range pass {
		if v := e.getenv(k); v != "" {
			m[k] = v
		}
	}
	if m["AUTHGATE_SIGNING_KEY"] == "" && m["AUTHGATE_SIGNING_KEY_FILE"] == "" && m["SIMPLE_JWT_SIGNING_KEY"] == "" && m["SECRET_KEY"] == "" {
		m["AUTHGATE_SIGNING_KEY"] = randomHex(32)
	}
	if m["AUTHGATE_EMAIL_URL"] == "" {
		m["AUTHGATE_EMAIL_URL"] = "console://"
	}
	if m["AUTHGATE_USER_CACHE_TTL"] == "" {
		// The recommended setting (docs/operations.md); the configuration's default is off.
		m["AUTHGATE_USER_CACHE_TTL"] = benchUserCacheTTL
	}
	m["AUTHGATE_ADDR"] = "127.0.0.1:0"
	m["AUTHGATE_DATABASE_URL"] = db
	for _, k := range []string{"AUTHGATE_THROTTLE_LOGIN", "AUTHGATE_THROTTLE_LOGIN_ACCOUNT", "AUTHGATE_THROTTLE_REFRESH"} {
		m[k] = "0/min"
	}
	return m
}

func lookup(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createBenchUsers makes n users with random passwords (kept in memory only) in the database
// of cfg, migrating it first.
func createBenchUsers(ctx context.Context, cfg config.Config, e env, n int) ([]loadtest.Account, error) {
	a, err := app.Open(ctx, cfg, cliLogger(e), app.Options{Offline: true})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	tag := randomHex(4)
	out := make([]loadtest.Account, n)
	for i := range out {
		acct := loadtest.Account{Email: fmt.Sprintf("bench-%s-%d@example.com", tag, i), Password: auth.RandomPassword(24)}
		if _, err := a.Service.CreateUser(ctx, auth.NewUser{Email: acct.Email, Password: acct.Password, SkipPolicy: true},
			"", auth.Client{IP: "bench"}); err != nil {
			return nil, fmt.Errorf("bench: create user: %w", err)
		}
		out[i] = acct
	}
	return out, nil
}

// startCeiling starts this binary as the bare HS256 ceiling server, in a process of its own
// like the server under test.
func startCeiling(ctx context.Context, self string, e env, c *loadtest.Ceilings) (stop func(), err error) {
	key := randomHex(32)
	env := []string{ceilingKeyEnv + "=" + key}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v := e.getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	p, err := loadtest.StartProcess(ctx, self, []string{"bench", "--serve-ceiling"}, env, e.stderr)
	if err != nil {
		return nil, err
	}
	c.HTTP, c.HTTPPID = p.URL, p.PID
	c.HTTPKey, _ = hex.DecodeString(key)
	return func() { _ = p.Stop(10 * time.Second) }, nil
}

// serveCeiling is the ceiling server's process: loadtest.CeilingHandler on a loopback port
// until SIGTERM.
func serveCeiling(ctx context.Context, e env) error {
	key, err := hex.DecodeString(e.getenv(ceilingKeyEnv))
	if err != nil || len(key) < 32 {
		return fmt.Errorf("bench: $%s must hold at least 32 bytes in hex", ceilingKeyEnv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: loadtest.CeilingHandler(key, nil), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.NewTextHandler(e.stderr, nil), slog.LevelWarn)}
	fmt.Fprintf(e.stdout, "listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func dialectOf(db string) string {
	scheme, _, _ := strings.Cut(db, "://")
	if scheme == "postgresql" {
		return "postgres"
	}
	return scheme
}

func redactURL(raw string) string {
	if i := strings.Index(raw, "@"); i >= 0 && strings.HasPrefix(raw, "postgres") {
		scheme, _, _ := strings.Cut(raw, "://")
		return scheme + "://…" + raw[i:]
	}
	return raw
}

// tail returns the last n lines of a file, for a failure message.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
