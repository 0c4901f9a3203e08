package store_test

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
	"github.com/authgate/authgate/internal/token"
)

// How refresh latency holds up as the token tables grow, and while flushexpiredtokens deletes
// them (docs/benchmarks-storage.md has the figures and the command). Two stores of one backend
// sit side by side, a small one and a big one, and refreshes alternate between them, so that
// whatever else loads the machine weighs on both alike. The benchmark's sizes are flags; the
// smoke test runs the same scenario tiny in every `go test`, so it cannot rot.
var (
	bigRows      = flag.Int("bigtables.rows", 1_000_000, "filler tokens in the big store of BenchmarkBigTables")
	bigRefreshes = flag.Int("bigtables.refreshes", 2000, "refreshes timed per store by BenchmarkBigTables")
)

const (
	bigSmallRows = 1000 // filler tokens in the small store
	bigChains    = 16   // live refresh-token chains the timed refreshes rotate, per store
	bigWarmup    = 100  // untimed refreshes per store first
	bigBatch     = 1000 // tokens per FlushExpired call: flushexpiredtokens' default --batch
)

// bigResult is what one scenario measured.
type bigResult struct {
	rows               int
	fillTook           time.Duration
	smallP50, smallP99 time.Duration // the small store, interleaved with the big one
	bigP50, bigP99     time.Duration
	bigMax             time.Duration
	// During the flush of the big store, refreshes alternate between it and the small store.
	flushP50, flushP99, flushWorst time.Duration
	controlP99                     time.Duration
	flushRefreshes, flushed        int
	flushTook, slowestBatch        time.Duration
}

// site is one store filled like a long-running deployment, with a Service refreshing on it.
type site struct {
	url     string
	db      *store.DB
	svc     *auth.Service
	fill    filler
	rng     *mrand.Rand
	users   []string
	chains  []string // each chain's current refresh token
	filled  int      // filler tokens written
	rotated int      // filler tokens blacklisted
	refresh int      // refreshes done so far
}

// newSite opens a fresh store on be with one filler user per hundred of the rows to come.
func newSite(tb testing.TB, be backend, rows int) *site {
	tb.Helper()
	ctx := context.Background()
	url := be.url(tb)
	db := storetest.Open(tb, url, store.Options{})
	var (
		f   filler
		err error
	)
	if be.name == "postgres" {
		f, err = newPGFiller(ctx, url)
	} else {
		f, err = newSQLiteFiller(strings.TrimPrefix(url, "sqlite://"))
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.close)

	tm, err := token.New(token.Config{Signing: token.Key{Secret: []byte(rand.Text() + rand.Text())}})
	if err != nil {
		tb.Fatal(err)
	}
	hasher, err := password.New(password.Options{Params: password.Params{Time: 1, MemoryKiB: 1024, Threads: 1, KeyLen: 32}})
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := auth.NewService(auth.Deps{Store: db, Tokens: tm, Hasher: hasher,
		Secret: []byte(rand.Text() + rand.Text())}, auth.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	s := &site{url: url, db: db, svc: svc, fill: f, rng: mrand.New(mrand.NewPCG(1, 2))}

	now := time.Now().UTC()
	for range min(max(rows/100, 1), fillUsers) {
		s.users = append(s.users, newUUID())
	}
	if err := f.users(ctx, s.users, now); err != nil {
		tb.Fatalf("fill users: %v", err)
	}
	for i := range bigChains {
		u := auth.User{ID: newUUID(), Email: fmt.Sprintf("chain-%d@bench.test", i), IsActive: true,
			DateJoined: now, TokensValidAfter: now.Add(-time.Hour)}
		if err := db.CreateUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		raw, c, err := tm.Issue(token.TypeRefresh, u.ID)
		if err != nil {
			tb.Fatal(err)
		}
		err = db.RecordOutstanding(ctx, auth.OutstandingToken{UserID: u.ID, JTI: c.JTI, Token: raw,
			CreatedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, FamilyID: c.JTI})
		if err != nil {
			tb.Fatal(err)
		}
		s.chains = append(s.chains, raw)
	}
	s.grow(tb, rows)
	return s
}

// grow adds expired filler tokens until there are rows of them, then lets the database settle.
func (s *site) grow(tb testing.TB, rows int) {
	tb.Helper()
	n := rows - s.filled
	if n <= 0 {
		return
	}
	ctx := context.Background()
	if err := s.fill.tokens(ctx, n, fillRows(s.rng, s.users, n, time.Now().Add(-time.Hour))); err != nil {
		tb.Fatalf("fill tokens: %v", err)
	}
	if err := s.fill.settle(ctx); err != nil {
		tb.Fatalf("settle: %v", err)
	}
	s.filled, s.rotated = rows, s.rotated+n-n/fillChain
	s.check(tb)
}

// check compares the store's counts with what the scenario wrote: expired filler tokens
// (nine in ten blacklisted) and the chains (one live token each, the rotated ones blacklisted).
func (s *site) check(tb testing.TB) {
	tb.Helper()
	got, err := s.db.TokenStats(context.Background(), time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	want := auth.TokenStats{Outstanding: s.filled + len(s.chains) + s.refresh, Blacklisted: s.rotated + s.refresh,
		Active: len(s.chains), Sessions: len(s.chains),
		Rotations: got.Rotations} // counted exactly by the store suite's tokens/stats case
	if got != want {
		tb.Fatalf("token stats = %+v, want %+v", got, want)
	}
}

// refreshOnce rotates the next chain through the Service and returns how long it took.
func (s *site) refreshOnce(ctx context.Context) (time.Duration, error) {
	k := s.refresh % len(s.chains)
	start := time.Now()
	p, err := s.svc.Refresh(ctx, s.chains[k], auth.Client{IP: "192.0.2.1", UserAgent: "bench"})
	took := time.Since(start)
	if err != nil {
		return took, fmt.Errorf("refresh %d: %w", s.refresh, err)
	}
	s.chains[k] = p.Refresh
	s.refresh++
	return took, nil
}

// alternate refreshes on each site in turn, warmup untimed rounds and then n timed ones,
// until stop (when set) is closed; it returns each site's timings.
func alternate(tb testing.TB, sites []*site, warmup, n int, stop <-chan struct{}) [][]time.Duration {
	tb.Helper()
	ctx := context.Background()
	out := make([][]time.Duration, len(sites))
	for i := 0; stop != nil || i < warmup+n; i++ {
		if stop != nil {
			select {
			case <-stop:
				return out
			default:
			}
		}
		for j, s := range sites {
			d, err := s.refreshOnce(ctx)
			if err != nil {
				tb.Error(err)
				return out
			}
			if i >= warmup {
				out[j] = append(out[j], d)
			}
		}
	}
	return out
}

// flushResult is what the flushing goroutine reports.
type flushResult struct {
	deleted      int
	took         time.Duration
	slowestBatch time.Duration
	err          error
}

// flushAll is flushexpiredtokens: batches of bigBatch until one comes back short.
func flushAll(ctx context.Context, db *store.DB, before time.Time) flushResult {
	var r flushResult
	start := time.Now()
	for {
		bs := time.Now()
		n, err := db.FlushExpired(ctx, before, bigBatch)
		r.slowestBatch = max(r.slowestBatch, time.Since(bs))
		r.deleted += n
		if err != nil || n < bigBatch {
			r.err, r.took = err, time.Since(start)
			return r
		}
	}
}

// runBigTables is the whole scenario: refreshes alternating between a store of bigSmallRows
// filler tokens and one of rows, then again while a flush deletes every expired token of the
// big one.
func runBigTables(tb testing.TB, be backend, rows, refreshes int) bigResult {
	tb.Helper()
	r := bigResult{rows: rows}
	small := newSite(tb, be, bigSmallRows)
	start := time.Now()
	big := newSite(tb, be, rows)
	r.fillTook = time.Since(start)

	t := alternate(tb, []*site{small, big}, min(bigWarmup, refreshes), refreshes, nil)
	r.smallP50, r.smallP99 = percentile(t[0], 0.50), percentile(t[0], 0.99)
	r.bigP50, r.bigP99, r.bigMax = percentile(t[1], 0.50), percentile(t[1], 0.99), slices.Max(t[1])

	// flushexpiredtokens is a process of its own: it flushes through a store of its own.
	flusher := storetest.Open(tb, big.url, store.Options{})
	stop := make(chan struct{})
	done := make(chan flushResult, 1)
	before := time.Now()
	go func() {
		defer close(stop)
		done <- flushAll(context.Background(), flusher, before)
	}()
	t = alternate(tb, []*site{big, small}, 0, 0, stop)
	fr := <-done
	if fr.err != nil {
		tb.Fatalf("flush: %v", fr.err)
	}
	r.flushRefreshes, r.flushed, r.flushTook, r.slowestBatch = len(t[0]), fr.deleted, fr.took, fr.slowestBatch
	if len(t[0]) > 0 {
		r.flushP50, r.flushP99, r.flushWorst = percentile(t[0], 0.50), percentile(t[0], 0.99), slices.Max(t[0])
		r.controlP99 = percentile(t[1], 0.99)
	}
	if r.flushed != rows {
		tb.Fatalf("flush deleted %d tokens, want the %d expired ones", r.flushed, rows)
	}
	big.filled, big.rotated = 0, 0
	big.check(tb)
	return r
}

// percentile is the q-quantile of ds (nearest rank).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (r bigResult) report(b *testing.B) {
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(r.smallP50), "p50-1k-us")
	b.ReportMetric(us(r.smallP99), "p99-1k-us")
	b.ReportMetric(us(r.bigP50), "p50-big-us")
	b.ReportMetric(us(r.bigP99), "p99-big-us")
	b.ReportMetric(us(r.flushP99), "flush-p99-us")
	b.ReportMetric(us(r.flushWorst), "flush-worst-us")
	b.ReportMetric(ratio(r.bigP50, r.smallP50), "x-p50-big/1k")
	b.ReportMetric(ratio(r.bigP99, r.smallP99), "x-p99-big/1k")
	b.ReportMetric(ratio(r.flushWorst, r.bigP99), "x-flushworst/p99")
	b.Logf("big store %d filler tokens (filled in %v). Alternating: p50/p99 small %v/%v, big %v/%v (max %v). "+
		"Flush of %d in %v (slowest batch %v) with %d refreshes on the big store: p50/p99/worst %v/%v/%v; small store p99 meanwhile %v",
		r.rows, r.fillTook.Round(time.Millisecond), r.smallP50, r.smallP99, r.bigP50, r.bigP99, r.bigMax,
		r.flushed, r.flushTook.Round(time.Millisecond), r.slowestBatch, r.flushRefreshes, r.flushP50, r.flushP99,
		r.flushWorst, r.controlP99)
}

// BenchmarkBigTables times Service-level refreshes on a store of 1,000 and one of
// -bigtables.rows filler tokens, then while a batched flush deletes the big one's; run it with
// -benchtime=1x (one scenario takes minutes at the default million rows). ns/op is a whole
// scenario; read the metrics and the log line.
func BenchmarkBigTables(b *testing.B) {
	for _, be := range []backend{sqliteBackend, postgresBackend} {
		b.Run(be.name, func(b *testing.B) {
			var r bigResult
			for b.Loop() {
				r = runBigTables(b, be, *bigRows, *bigRefreshes)
			}
			r.report(b)
		})
	}
}

// TestBigTablesSmoke runs the benchmark's scenario tiny: filling, the counts it expects, refreshes
// on both stores and during a flush that must delete exactly the expired tokens.
func TestBigTablesSmoke(t *testing.T) {
	t.Parallel()
	for _, be := range []backend{sqliteBackend, postgresBackend} {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			rows := 2*bigBatch + 3*fillChain + 7
			r := runBigTables(t, be, rows, 20)
			if r.smallP99 <= 0 || r.bigP99 <= 0 || r.flushed != rows {
				t.Fatalf("scenario measured nothing: %+v", r)
			}
		})
	}
}
