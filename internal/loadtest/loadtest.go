// Package loadtest drives a SimpleJWT-compatible server with many connections, checks every
// answer, and measures the ceilings its throughput is compared with.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// The scenarios a run can drive.
const (
	Me      = "me"      // GET the protected endpoint with a Bearer access token
	Verify  = "verify"  // POST /api/token/verify/ with an access token
	Refresh = "refresh" // POST /api/token/refresh/, each refresh token used exactly once
	Login   = "login"   // POST /api/token/ with an e-mail and password
	Mixed   = "mixed"   // a weighted mix of the four (see Mix)
)

// Scenarios lists every scenario, in the order a full bench runs them.
func Scenarios() []string { return []string{Me, Verify, Refresh, Login, Mixed} }

// Paths are the target's endpoints; the zero value takes the tutorial's URLs.
type Paths struct {
	Login, Refresh, Verify, Me string
}

func (p Paths) withDefaults() Paths {
	if p.Login == "" {
		p.Login = "/api/token/"
	}
	if p.Refresh == "" {
		p.Refresh = "/api/token/refresh/"
	}
	if p.Verify == "" {
		p.Verify = "/api/token/verify/"
	}
	if p.Me == "" {
		p.Me = "/api/me/"
	}
	return p
}

// Account is a user the load logs in as.
type Account struct {
	Email    string
	Password string
}

// Options describe one run. Zero fields take their defaults.
type Options struct {
	// BaseURL is the target, http:// or https://, optionally with a path prefix.
	BaseURL string
	// Scenario is one of Scenarios().
	Scenario string
	// Mix weighs the actions of the mixed scenario; default DefaultMix.
	Mix Mix
	// Conns is the number of connections, each driven by one worker. Default 64.
	Conns int
	// Duration is the measured window. Default 10s.
	Duration time.Duration
	// Warmup runs the load before the window without counting it (errors still count).
	Warmup time.Duration
	// Accounts are the users to log in as, assigned to connections in turn. Required unless
	// Bearer is set.
	Accounts []Account
	// UsernameField is the login field holding the e-mail. Default "email".
	UsernameField string
	Paths         Paths
	// Bearer, when set, is an access token every me request sends: no login happens (the
	// ceiling server is driven this way).
	Bearer string
	// Timeout bounds one request. Default 30s.
	Timeout time.Duration
	// PID, when positive, is the server's process id on this machine: its resident memory is
	// sampled from /proc during the window.
	PID int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Default values of Options.
const (
	DefaultConns    = 64
	DefaultDuration = 10 * time.Second
	DefaultTimeout  = 30 * time.Second
)

func (o Options) withDefaults() (Options, error) {
	if o.Conns == 0 {
		o.Conns = DefaultConns
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.UsernameField == "" {
		o.UsernameField = "email"
	}
	if o.Mix == nil {
		o.Mix = DefaultMix()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Paths = o.Paths.withDefaults()
	switch {
	case !slices.Contains(Scenarios(), o.Scenario):
		return o, fmt.Errorf("loadtest: unknown scenario %q (want one of %s)", o.Scenario, strings.Join(Scenarios(), ", "))
	case o.Conns < 1 || o.Conns > 100000:
		return o, fmt.Errorf("loadtest: %d connections: want 1 to 100000", o.Conns)
	case o.Duration < 0 || o.Warmup < 0 || o.Timeout < 0:
		return o, errors.New("loadtest: negative duration, warm-up or timeout")
	case o.Bearer != "" && o.Scenario != Me:
		return o, fmt.Errorf("loadtest: a fixed Bearer token drives only the %s scenario", Me)
	case o.Bearer == "" && len(o.Accounts) == 0:
		return o, errors.New("loadtest: no accounts to log in as")
	}
	for _, a := range o.Accounts {
		if a.Email == "" || a.Password == "" {
			return o, errors.New("loadtest: an account lacks its e-mail or password")
		}
	}
	return o, o.Mix.validate()
}

// Latency are percentiles of the measured requests' durations.
type Latency struct {
	P50, P90, P99, Max time.Duration
}

// ActionResult is one action's share of a run.
type ActionResult struct {
	Requests uint64
	Latency  Latency
}

// Result is one run's measurement.
type Result struct {
	Scenario string
	Conns    int
	// Window is the measured time; Requests finished inside it.
	Window   time.Duration
	Requests uint64
	PerSec   float64
	Latency  Latency
	// Errors counts wrong answers and transport failures over the whole run, warm-up
	// included, by kind ("status 500", "body", "transport", "reused jti", ...).
	Errors     uint64
	ErrorKinds map[string]uint64
	// ErrorSamples are the first few errors in words, for diagnosis.
	ErrorSamples []string
	// Shed counts 503 answers with Retry-After: the server declined work under overload, as
	// it should rather than queue without bound. They are not Errors.
	Shed uint64
	// Actions splits the mixed scenario by action.
	Actions map[string]ActionResult
	// PeakRSS is the server's largest resident set seen during the window, in bytes (0: not
	// measured).
	PeakRSS uint64
	// CPUPerRequest is the server's CPU time (user and system) over the window divided by the
	// requests: unlike throughput, it does not depend on what else the machine runs (0: not
	// measured).
	CPUPerRequest time.Duration
	// Dials counts connections opened (a healthy keep-alive run dials about Conns).
	Dials int
}

// Run drives the target as o describes and returns what it measured. It fails only when the
// run cannot start (bad options, setup logins refused); wrong answers during the run are
// counted in the Result.
func Run(ctx context.Context, o Options) (Result, error) {
	r, err := newRunner(ctx, o)
	if err != nil {
		return Result{}, err
	}
	defer r.close()
	if err := r.slice(ctx, r.opts.Warmup, r.opts.Duration); err != nil {
		return Result{}, err
	}
	return r.result(), nil
}

// runner is a prepared run: logged-in workers whose load comes in slices, so that a bench can
// alternate it with a ceiling's (background load on a shared machine then weighs on both).
type runner struct {
	opts    Options
	workers []*worker
	window  time.Duration
	stats   procStats
}

func newRunner(ctx context.Context, o Options) (*runner, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	ep, prefix, err := parseEndpoint(o.BaseURL)
	if err != nil {
		return nil, err
	}
	t := &target{ep: ep, prefix: prefix, opts: o, jtis: newJTISet()}
	workers, err := t.setup(ctx)
	if err != nil {
		return nil, err
	}
	return &runner{opts: o, workers: workers}, nil
}

// slice runs the load for warm (not measured) then d (measured); connections and sessions stay
// for the next slice.
func (r *runner) slice(ctx context.Context, warm, d time.Duration) error {
	now := r.opts.Now
	w0 := now().Add(warm)
	end := w0.Add(d)
	sampler := startRSSSampler(r.opts.PID, w0, end, now)
	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, w0, end)
		}()
	}
	wg.Wait()
	ps := sampler.stop()
	r.stats.peakRSS = max(r.stats.peakRSS, ps.peakRSS)
	r.stats.cpu += ps.cpu
	r.window += d
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("loadtest: %s run interrupted: %w", r.opts.Scenario, err)
	}
	return nil
}

func (r *runner) close() {
	for _, w := range r.workers {
		w.c.close()
	}
}

func (r *runner) result() Result { return summarize(r.opts, r.workers, r.window, r.stats) }

// summarize merges the workers' counts into a Result.
func summarize(o Options, workers []*worker, window time.Duration, ps procStats) Result {
	r := Result{Scenario: o.Scenario, Conns: o.Conns, Window: window, ErrorKinds: map[string]uint64{},
		PeakRSS: ps.peakRSS}
	var all histogram
	per := map[string]*histogram{}
	for _, w := range workers {
		r.Requests += w.done
		r.Shed += w.shed
		r.Dials += w.c.dials
		for k, n := range w.errs {
			r.ErrorKinds[k] += n
			r.Errors += n
		}
		for _, s := range w.samples {
			if len(r.ErrorSamples) < maxSamples {
				r.ErrorSamples = append(r.ErrorSamples, s)
			}
		}
		for a, h := range w.hist {
			all.merge(h)
			if per[a] == nil {
				per[a] = &histogram{}
			}
			per[a].merge(h)
		}
	}
	if window > 0 {
		r.PerSec = float64(r.Requests) / window.Seconds()
	}
	if r.Requests > 0 {
		r.CPUPerRequest = ps.cpu / time.Duration(r.Requests)
	}
	r.Latency = latencyOf(&all)
	if o.Scenario == Mixed {
		r.Actions = map[string]ActionResult{}
		for a, h := range per {
			r.Actions[a] = ActionResult{Requests: h.n, Latency: latencyOf(h)}
		}
	}
	return r
}

func latencyOf(h *histogram) Latency {
	return Latency{P50: h.quantile(0.50), P90: h.quantile(0.90), P99: h.quantile(0.99), Max: h.quantile(1)}
}
