package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/password"
)

// Ceilings say which ceilings a bench measures beside the target; zero fields skip theirs.
type Ceilings struct {
	// HTTP is the base URL of a server running CeilingHandler with HTTPKey; HTTPPID its
	// process on this machine, if known.
	HTTP    string
	HTTPKey []byte
	HTTPPID int
	// Storage measures the storage ceiling on the kind of database the target uses (Workers,
	// Duration and Now are the run's).
	Storage *StorageOptions
	// Argon2 are the target's password hashing parameters; Argon2Workers hash at once (the
	// target's CPUs, which bound its hashing slots). Default runtime.GOMAXPROCS(0).
	Argon2        *password.Params
	Argon2Workers int
}

// Plan is a full bench: scenarios against one target, each alternated with the ceiling it is
// compared with, on the same machine in the same run.
type Plan struct {
	// Run is the template of every scenario's Options (Scenario is set per run).
	Run       Options
	Scenarios []string
	Ceilings  Ceilings
	// Rounds splits each measured window into this many slices, alternating ceiling and target
	// (C T C T ...), so that background load on a shared machine weighs on both alike. Default:
	// one round per 2 s of Duration.
	Rounds int
	// Database names the target's storage in the report ("sqlite", "postgres").
	Database string
	// Settings describe the target's configuration in the report.
	Settings string
	// LeakCheck scrapes the target's /metrics before and after the load.
	LeakCheck bool
	// Log, when set, hears about progress (one line per phase).
	Log func(format string, args ...any)
}

// Targets are the ratios authgate aims for (issue 8), each against its ceiling.
const (
	TargetMe      = 0.70 // protected endpoint vs the bare HS256 net/http server
	TargetRefresh = 0.50 // refresh vs raw "insert one row + mark one row" transactions
	TargetLogin   = 0.90 // login vs raw argon2id at the same parameters
	// TargetRSS bounds the server's resident memory on the protected endpoint.
	TargetRSS = 64 << 20
)

// slicer is load that runs in slices of time: a warm-up, then a measured window.
type slicer interface {
	slice(ctx context.Context, warm, d time.Duration) error
}

// alternate runs ceiling and target in turns, the warm-up before the first turn of each.
func alternate(ctx context.Context, rounds int, warm, d time.Duration, ceiling, target slicer) error {
	per := d / time.Duration(rounds)
	for i := range rounds {
		w := time.Duration(0)
		if i == 0 {
			w = warm
		}
		if err := ceiling.slice(ctx, w, per); err != nil {
			return err
		}
		if err := target.slice(ctx, w, per); err != nil {
			return err
		}
	}
	return nil
}

// Bench runs a Plan and reports every figure.
func Bench(ctx context.Context, p Plan) (*Report, error) {
	if len(p.Scenarios) == 0 {
		return nil, errors.New("loadtest: no scenario to run")
	}
	logf := p.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	o, err := p.Run.withDefaultsFor(p.Scenarios[0])
	if err != nil {
		return nil, err
	}
	rounds := p.Rounds
	if rounds <= 0 {
		rounds = max(1, int((o.Duration+time.Second)/(2*time.Second)))
	}
	rep := &Report{Target: o.BaseURL, Database: p.Database, Settings: p.Settings, Conns: o.Conns, Window: o.Duration,
		Warmup: o.Warmup, Rounds: rounds, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	client := &http.Client{Timeout: 10 * time.Second}
	var before Metrics
	if p.LeakCheck {
		if before, err = ScrapeMetrics(ctx, client, o.BaseURL); err != nil {
			return nil, fmt.Errorf("loadtest: leak check needs the target's /metrics: %w", err)
		}
	}
	for _, sc := range p.Scenarios {
		run := p.Run
		run.Scenario = sc
		if p.ceilingFor(sc) {
			logf("%s: %d connections, %s in %d rounds beside its ceiling", sc, o.Conns, o.Duration, rounds)
		} else {
			logf("%s: %d connections, %s", sc, o.Conns, o.Duration)
		}
		row, err := p.scenario(ctx, run, rounds)
		if err != nil {
			return nil, err
		}
		rep.Scenarios = append(rep.Scenarios, row)
	}
	if p.LeakCheck {
		logf("leak check: waiting for the target to come to rest")
		l, err := leakCheck(ctx, client, o.BaseURL, before, o.Now)
		if err != nil {
			return nil, err
		}
		rep.Leaks = l
	}
	return rep, nil
}

// ceilingFor reports whether the plan measures a ceiling for the scenario.
func (p Plan) ceilingFor(scenario string) bool {
	c := p.Ceilings
	switch scenario {
	case Me, Verify:
		return c.HTTP != ""
	case Refresh:
		return c.Storage != nil
	case Login:
		return c.Argon2 != nil
	}
	return false
}

// scenario runs one scenario, alternated with its ceiling when the plan measures it.
func (p Plan) scenario(ctx context.Context, run Options, rounds int) (ScenarioReport, error) {
	row := ScenarioReport{Name: run.Scenario}
	target, err := newRunner(ctx, run)
	if err != nil {
		return row, err
	}
	defer target.close()
	o := target.opts
	var finish func() (*Ceiling, error)
	var ceiling slicer
	switch c := p.Ceilings; {
	case (o.Scenario == Me || o.Scenario == Verify) && c.HTTP != "":
		cr, err := newRunner(ctx, Options{BaseURL: c.HTTP, Scenario: Me, Conns: o.Conns, Timeout: o.Timeout,
			PID: c.HTTPPID, Now: o.Now, Duration: o.Duration,
			Bearer: CeilingToken(c.HTTPKey, "00000000-0000-4000-8000-000000000000", o.Now())})
		if err != nil {
			return row, err
		}
		defer cr.close()
		ceiling = cr
		finish = func() (*Ceiling, error) {
			res := cr.result()
			if res.Errors > 0 {
				return nil, fmt.Errorf("loadtest: the ceiling server answered wrongly: %s", strings.Join(res.ErrorSamples, "; "))
			}
			return &Ceiling{Kind: "http", Label: "bare HS256 net/http", PerSec: res.PerSec, Latency: res.Latency,
				PeakRSS: res.PeakRSS, CPUPerRequest: res.CPUPerRequest}, nil
		}
		if o.Scenario == Me {
			row.Target = TargetMe
		}
	case o.Scenario == Refresh && c.Storage != nil:
		so := *c.Storage
		so.Workers, so.Now = o.Conns, o.Now
		sr, err := newStorageRunner(ctx, so)
		if err != nil {
			return row, err
		}
		defer sr.close()
		ceiling = sr
		finish = func() (*Ceiling, error) {
			res := sr.result()
			return &Ceiling{Kind: "storage", Label: res.Dialect + " insert+mark tx", PerSec: res.PerSec, Latency: res.Latency,
				CPUPerRequest: res.CPUPerTx}, nil
		}
		row.Target = TargetRefresh
	case o.Scenario == Login && c.Argon2 != nil:
		n := c.Argon2Workers
		if n == 0 {
			n = runtime.GOMAXPROCS(0)
		}
		ar, err := newArgon2Runner(*c.Argon2, n, o.Now)
		if err != nil {
			return row, err
		}
		ceiling = ar
		finish = func() (*Ceiling, error) {
			res := ar.result()
			return &Ceiling{Kind: "argon2id", PerSec: res.PerSec, CPUPerRequest: res.CPUPerHash,
				Label: fmt.Sprintf("argon2id m=%d,t=%d,p=%d ×%d", res.Params.MemoryKiB, res.Params.Time, res.Params.Threads, n)}, nil
		}
		row.Target = TargetLogin
	}
	if ceiling == nil {
		if err := target.slice(ctx, o.Warmup, o.Duration); err != nil {
			return row, err
		}
		row.Result = target.result()
		return row, nil
	}
	if err := alternate(ctx, rounds, o.Warmup, o.Duration, ceiling, target); err != nil {
		return row, err
	}
	row.Result = target.result()
	if row.Ceiling, err = finish(); err != nil {
		return row, err
	}
	if row.Ceiling.PerSec > 0 {
		row.Ratio = row.PerSec / row.Ceiling.PerSec
	}
	return row, nil
}

// withDefaultsFor validates the template as one scenario's Options would be.
func (o Options) withDefaultsFor(scenario string) (Options, error) {
	o.Scenario = scenario
	return o.withDefaults()
}

// LeakCheck compares the target at rest before and after the load.
type LeakCheck struct {
	GoroutinesBefore, GoroutinesAfter float64
	OpenFDsBefore, OpenFDsAfter       float64
	DBInUseAfter                      float64
	DBOpenBefore, DBOpenAfter         float64
	OK                                bool
}

// Slack allowed after the load: the runtime may keep a few helper goroutines, and the database
// pool more idle connections than before, each with up to three descriptors (an SQLite
// connection holds the database, its WAL and its shared-memory file).
const (
	goroutineSlack = 4
	fdSlack        = 4
	fdsPerDBConn   = 3
)

// leakCheck waits up to 10 s for the target to come back to rest: goroutines and descriptors
// back near their level before the load, no database connection in use.
func leakCheck(ctx context.Context, client *http.Client, base string, before Metrics, now func() time.Time) (*LeakCheck, error) {
	deadline := now().Add(10 * time.Second)
	for {
		after, err := ScrapeMetrics(ctx, client, base)
		if err != nil {
			return nil, fmt.Errorf("loadtest: leak check: %w", err)
		}
		l := &LeakCheck{
			GoroutinesBefore: before["go_goroutines"], GoroutinesAfter: after["go_goroutines"],
			OpenFDsBefore: before["process_open_fds"], OpenFDsAfter: after["process_open_fds"],
			DBInUseAfter: after["authgate_db_in_use_connections"],
			DBOpenBefore: before["authgate_db_open_connections"], DBOpenAfter: after["authgate_db_open_connections"],
		}
		pool := max(0, l.DBOpenAfter-l.DBOpenBefore)
		l.OK = l.GoroutinesAfter <= l.GoroutinesBefore+goroutineSlack &&
			l.OpenFDsAfter <= l.OpenFDsBefore+fdSlack+fdsPerDBConn*pool && l.DBInUseAfter == 0
		if l.OK || now().After(deadline) {
			return l, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
