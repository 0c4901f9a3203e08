package store_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

// How the admin panel's pages hold up on big tables (docs/benchmarks-storage.md, "Admin pages"):
// every store call a page makes, timed on a store of 1,000 filler tokens and audit events and on
// one of -adminqueries.rows, alternating, with the plan each backend chooses for it on the big
// one. The dashboard's rotation count is also timed without the created_at index of migration
// 0002, and the index's creation (what the migration costs) is timed.
var (
	adminQueryRows     = flag.Int("adminqueries.rows", 1_000_000, "filler tokens and audit events in the big store of BenchmarkAdminQueries")
	adminQueryRuns     = flag.Int("adminqueries.runs", 30, "timed runs of each query per store in BenchmarkAdminQueries")
	adminQueryBackends = flag.String("adminqueries.backends", "sqlite,postgres", "backends BenchmarkAdminQueries runs on")
)

// adminSite is a filled store with the values the pages' queries look for.
type adminSite struct {
	*site
	user   string // a filler user, with a hundred tokens and as many events
	search string // a piece of that user's e-mail, as an admin types it
	jti    string // a filler token's jti
	middle int64  // an id half-way down the tokens: a later page
}

func newAdminSite(tb testing.TB, be backend, rows int) *adminSite {
	tb.Helper()
	s := &adminSite{site: newSite(tb, be, rows)}
	ctx := context.Background()
	if err := s.fill.events(ctx, rows, fillEvents(s.users, rows, time.Now().Add(-time.Hour))); err != nil {
		tb.Fatalf("fill events: %v", err)
	}
	if err := s.fill.settle(ctx); err != nil {
		tb.Fatalf("settle: %v", err)
	}
	ts, err := s.db.ListTokens(ctx, auth.TokenQuery{Limit: 1})
	if err != nil || len(ts) != 1 {
		tb.Fatalf("newest token: %v %v", ts, err)
	}
	s.user, s.jti, s.middle = s.users[len(s.users)/2], ts[0].JTI, ts[0].ID/2
	s.search = s.user[:13]
	return s
}

// adminQuery is one store call of an admin page.
type adminQuery struct {
	page, name string
	run        func(ctx context.Context, s *adminSite) error
}

func adminQueries() []adminQuery {
	now := time.Now()
	tokens := func(q auth.TokenQuery) func(ctx context.Context, s *adminSite) error {
		return func(ctx context.Context, s *adminSite) error {
			q := q
			q.Now = now
			if q.Search == "user" {
				q.Search = s.search
			} else if q.Search == "jti" {
				q.Search = s.jti[:8]
			}
			if q.UserID == "user" {
				q.UserID = s.user
			}
			if q.BeforeID < 0 {
				q.BeforeID = s.middle
			}
			_, err := s.db.ListTokens(ctx, q)
			return err
		}
	}
	events := func(q auth.EventQuery) func(ctx context.Context, s *adminSite) error {
		return func(ctx context.Context, s *adminSite) error {
			q := q
			if q.Search == "user" {
				q.Search = s.search
			}
			if q.UserID == "user" {
				q.UserID = s.user
			}
			_, err := s.db.ListEvents(ctx, q)
			return err
		}
	}
	page := 51 // the panel's page size and one more, to know whether a next page exists
	return []adminQuery{
		{"dashboard", "CountUsers", func(ctx context.Context, s *adminSite) error { _, err := s.db.CountUsers(ctx); return err }},
		{"dashboard", "TokenStats", func(ctx context.Context, s *adminSite) error { _, err := s.db.TokenStats(ctx, now); return err }},
		{"dashboard", "CountEvents, 24 h", func(ctx context.Context, s *adminSite) error {
			_, err := s.db.CountEvents(ctx, now.Add(-24*time.Hour))
			return err
		}},
		{"dashboard", "ListEvents, latest 10", events(auth.EventQuery{Limit: 10})},
		{"users", "ListUsers, first page", func(ctx context.Context, s *adminSite) error {
			_, err := s.db.ListUsers(ctx, auth.UserQuery{Limit: page})
			return err
		}},
		{"users", "ListUsers, search", func(ctx context.Context, s *adminSite) error {
			_, err := s.db.ListUsers(ctx, auth.UserQuery{Search: s.search, Limit: page})
			return err
		}},
		{"tokens", "ListTokens, first page", tokens(auth.TokenQuery{Limit: page})},
		{"tokens", "ListTokens, a middle page", tokens(auth.TokenQuery{BeforeID: -1, Limit: page})},
		{"tokens", "ListTokens, active", tokens(auth.TokenQuery{State: "active", Limit: page})},
		{"tokens", "ListTokens, blacklisted", tokens(auth.TokenQuery{State: "blacklisted", Limit: page})},
		{"tokens", "ListTokens, expired", tokens(auth.TokenQuery{State: "expired", Limit: page})},
		{"tokens", "ListTokens, search an e-mail", tokens(auth.TokenQuery{Search: "user", Limit: page})},
		{"tokens", "ListTokens, search a jti prefix", tokens(auth.TokenQuery{Search: "jti", Limit: page})},
		{"tokens", "ListTokens, search matching nothing", tokens(auth.TokenQuery{Search: "nobody@", Limit: page})},
		{"tokens", "ListTokens, search matching everyone", tokens(auth.TokenQuery{Search: "@bench.test", Limit: page})},
		{"token", "TokenByJTI", func(ctx context.Context, s *adminSite) error { _, err := s.db.TokenByJTI(ctx, s.jti); return err }},
		{"audit", "ListEvents, first page", events(auth.EventQuery{Limit: page})},
		{"audit", "ListEvents, one kind", events(auth.EventQuery{Kind: "logout_all", Limit: page})},
		{"audit", "ListEvents, search an e-mail", events(auth.EventQuery{Search: "user", Limit: page})},
		{"audit", "ListEvents, search matching nothing", events(auth.EventQuery{Search: "nobody@", Limit: page})},
		{"audit", "ListEvents, search matching everyone", events(auth.EventQuery{Search: "@bench.test", Limit: page})},
		{"user", "Sessions", func(ctx context.Context, s *adminSite) error { _, err := s.db.Sessions(ctx, s.user, now); return err }},
		{"user", "ListTokens, the user's 10", tokens(auth.TokenQuery{UserID: "user", Limit: 10})},
		{"user", "ListEvents, the user's 10", events(auth.EventQuery{UserID: "user", Limit: 10})},
	}
}

// adminTiming is one query's timings on the small and the big store.
type adminTiming struct {
	q                  adminQuery
	small, big, bigMax time.Duration
	timedOut           bool     // the big store's answer took longer than the statement timeout
	plan               []string // on the big store
}

// timeAdminQueries runs every query warm-up times untimed and then runs times, alternating
// between the stores, and returns the medians.
func timeAdminQueries(tb testing.TB, small, big *adminSite, runs int) []adminTiming {
	tb.Helper()
	ctx := context.Background()
	var out []adminTiming
	for _, q := range adminQueries() {
		var ts [2][]time.Duration
		timedOut := false
	runs:
		for i := range 3 + runs {
			for j, s := range []*adminSite{small, big} {
				start := time.Now()
				err := q.run(ctx, s)
				if errors.Is(err, auth.ErrUnavailable) && j == 1 {
					timedOut = true // the page answers 503: nothing more to time
					break runs
				}
				if err != nil {
					tb.Fatalf("%s %s: %v", q.page, q.name, err)
				}
				if i >= 3 {
					ts[j] = append(ts[j], time.Since(start))
				}
			}
		}
		t := adminTiming{q: q, small: percentile(ts[0], 0.5), big: percentile(ts[1], 0.5), timedOut: timedOut}
		if len(ts[1]) > 0 {
			t.bigMax = slices.Max(ts[1])
		}
		out = append(out, t)
	}
	return out
}

// explain returns the plan the backend chooses for every read q makes on s, one line per plan
// node.
func explain(tb testing.TB, be backend, s *adminSite, q adminQuery, analyze bool) []string {
	tb.Helper()
	type read struct {
		query string
		args  []any
	}
	var reads []read
	store.TraceReads(s.db, func(query string, args []any) { reads = append(reads, read{query, args}) })
	err := q.run(context.Background(), s)
	store.TraceReads(s.db, nil)
	if err != nil && (analyze || !errors.Is(err, auth.ErrUnavailable)) {
		tb.Fatal(err)
	}
	raw := rawDB(tb, be, s.url)
	var plan []string
	for _, r := range reads {
		prefix := "EXPLAIN QUERY PLAN "
		if be.name == "postgres" {
			prefix = "EXPLAIN "
			if analyze {
				prefix = "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY ON) "
			}
		}
		rows, err := raw.Query(prefix+store.Rebind(s.db, r.query), r.args...)
		if err != nil {
			tb.Fatalf("explain %s: %v", q.name, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			plan = append(plan, fmt.Sprint(vals[len(vals)-1])) // SQLite's detail, PostgreSQL's line
		}
		if err := rows.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return plan
}

// rawDB is a plain connection to the site's database, for EXPLAIN and DDL.
func rawDB(tb testing.TB, be backend, url string) *sql.DB {
	tb.Helper()
	driver, dsn := "pgx", url
	if be.name != "postgres" {
		driver, dsn = "sqlite", strings.TrimPrefix(url, "sqlite://")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// rotationIndex times the dashboard's TokenStats on the big store without the created_at index
// and then the index's creation (migration 0002's cost), with the plan of each.
func rotationIndex(tb testing.TB, be backend, big *adminSite, runs int) (without, create time.Duration, plan []string) {
	tb.Helper()
	raw := rawDB(tb, be, big.url)
	ctx := context.Background()
	if _, err := raw.ExecContext(ctx, `DROP INDEX outstanding_tokens_created_at`); err != nil {
		tb.Fatal(err)
	}
	if be.name == "postgres" {
		if _, err := raw.ExecContext(ctx, `ANALYZE outstanding_tokens`); err != nil {
			tb.Fatal(err)
		}
	}
	stats := adminQueries()[1]
	plan = explain(tb, be, big, stats, true)
	var ts []time.Duration
	for i := range 3 + runs {
		start := time.Now()
		if err := stats.run(ctx, big); err != nil {
			tb.Fatal(err)
		}
		if i >= 3 {
			ts = append(ts, time.Since(start))
		}
	}
	start := time.Now()
	if _, err := raw.ExecContext(ctx, `CREATE INDEX outstanding_tokens_created_at ON outstanding_tokens (created_at)`); err != nil {
		tb.Fatal(err)
	}
	return percentile(ts, 0.5), time.Since(start), plan
}

// runAdminQueries is the whole scenario for one backend; it logs one line per query and the
// plans.
func runAdminQueries(tb testing.TB, be backend, rows, runs int) []adminTiming {
	tb.Helper()
	small := newAdminSite(tb, be, bigSmallRows)
	big := newAdminSite(tb, be, rows)
	out := timeAdminQueries(tb, small, big, runs)
	for i := range out {
		out[i].plan = explain(tb, be, big, out[i].q, !out[i].timedOut)
		t := out[i]
		if t.timedOut {
			tb.Logf("%-9s %-36s p50 1k %9v  %d rows: TIMED OUT (statement timeout)", t.q.page, t.q.name, t.small, rows)
		} else {
			tb.Logf("%-9s %-36s p50 1k %9v  %d rows %9v (max %9v)  ×%.1f", t.q.page, t.q.name, t.small, rows, t.big,
				t.bigMax, ratio(t.big, t.small))
		}
		tb.Logf("    plan: %s", strings.Join(t.plan, " | "))
	}
	without, create, plan := rotationIndex(tb, be, big, runs)
	tb.Logf("TokenStats without outstanding_tokens_created_at: p50 %v (with it: %v); CREATE INDEX on %d rows took %v",
		without, out[1].big, rows, create)
	tb.Logf("    plan without the index: %s", strings.Join(plan, " | "))
	return out
}

// BenchmarkAdminQueries times every store call of the admin pages on a store of 1,000 filler
// tokens and audit events and on one of -adminqueries.rows, and logs each plan; run it with
// -benchtime=1x -v. ns/op is the whole scenario; read the log.
func BenchmarkAdminQueries(b *testing.B) {
	for _, be := range []backend{sqliteBackend, postgresBackend} {
		if !slices.Contains(strings.Split(*adminQueryBackends, ","), be.name) {
			continue
		}
		b.Run(be.name, func(b *testing.B) {
			for b.Loop() {
				runAdminQueries(b, be, *adminQueryRows, *adminQueryRuns)
			}
		})
	}
}

// TestAdminQueriesSmoke runs the benchmark's scenario tiny, so that it cannot rot: every query
// answers and has a plan on both backends.
func TestAdminQueriesSmoke(t *testing.T) {
	t.Parallel()
	for _, be := range []backend{sqliteBackend, postgresBackend} {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range runAdminQueries(t, be, 2*bigSmallRows, 1) {
				if len(r.plan) == 0 {
					t.Errorf("%s %s: no plan", r.q.page, r.q.name)
				}
			}
		})
	}
}
