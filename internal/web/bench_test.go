package web_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/password"
)

// benchApp is authgate assembled as `serve` assembles it, on a fresh SQLite file, logging one
// JSON line per request to io.Discard (the formatting is paid, the disk is not).
func benchApp(b testing.TB, vars map[string]string) *app.App {
	b.Helper()
	env := map[string]string{
		"AUTHGATE_DATABASE_URL":   authtest.DatabaseURL(b, authtest.SQLite),
		"AUTHGATE_SIGNING_KEY":    authtest.Key,
		"AUTHGATE_EMAIL_URL":      "console://",
		"AUTHGATE_LOG_FORMAT":     "json",
		"AUTHGATE_USER_CACHE_TTL": "1s",
	}
	for k, v := range vars {
		env[k] = v
	}
	cfg, _, err := config.Load("bench", nil, func(k string) string { return env[k] }, io.Discard, nil)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cheap := password.Params{Time: 1, MemoryKiB: 1024, Threads: 1}
	a, err := app.Open(context.Background(), cfg, log, app.Options{HashParams: &cheap})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// benchAccess creates a user and returns an access token of theirs.
func benchAccess(b testing.TB, a *app.App) string {
	b.Helper()
	ctx := context.Background()
	if _, err := a.Service.CreateUser(ctx, auth.NewUser{Email: "bench@example.com", Password: pw, SkipPolicy: true}, "", auth.Client{}); err != nil {
		b.Fatal(err)
	}
	res, err := a.Service.Login(ctx, "bench@example.com", pw, auth.Client{IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	return res.Access
}

// sink is a ResponseWriter that keeps nothing but the status, so that a benchmark counts the
// handler's allocations and not a recorder's.
type sink struct {
	h      http.Header
	status int
}

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) WriteHeader(code int)        { s.status = code }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }

func (s *sink) reset() {
	clear(s.h)
	s.status = 0
}

// processCPU is the CPU time this process has used (user and system, every thread, the garbage
// collector included).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op, the CPU time per operation: unlike ns/op it does not grow when other
// processes share the machine's cores.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkMe is the protected endpoint's hot path (GET /api/me/ with a valid access token and
// the user cache on), through every middleware: request id, access log, metrics, CORS,
// security headers. Run with -benchmem: allocs/op is the allocation budget per protected
// request (docs/benchmarks.md).
func BenchmarkMe(b *testing.B) {
	a := benchApp(b, nil)
	access := benchAccess(b, a)
	h := a.Handler
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, processCPU(b))
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/me/", nil)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Authorization", "Bearer "+access)
		w := &sink{h: http.Header{}}
		for pb.Next() {
			w.reset()
			h.ServeHTTP(w, r)
			if w.status != 200 {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

// BenchmarkVerify is POST /api/token/verify/: a token parse and a jti lookup in storage.
func BenchmarkVerify(b *testing.B) {
	a := benchApp(b, nil)
	access := benchAccess(b, a)
	h := a.Handler
	body := `{"token":"` + access + `"}`
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, processCPU(b))
	b.RunParallel(func(pb *testing.PB) {
		w := &sink{h: http.Header{}}
		for pb.Next() {
			r := httptest.NewRequest("POST", "/api/token/verify/", strings.NewReader(body))
			r.RemoteAddr = "127.0.0.1:40000"
			r.Header.Set("Content-Type", "application/json")
			w.reset()
			h.ServeHTTP(w, r)
			if w.status != 200 {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

// meAllocBudget is the most heap allocations a protected request may make (BenchmarkMe
// records 20): the token, the request's context and state, the body, the response headers and
// the access log line. Raise it only with a reason in the commit.
const meAllocBudget = 20

// TestMeAllocationBudget holds GET /api/me/ to its allocation budget, so that a change to the
// hot path that adds garbage fails here rather than in production's GC time.
func TestMeAllocationBudget(t *testing.T) {
	a := benchApp(t, nil)
	access := benchAccess(t, a)
	r := httptest.NewRequest("GET", "/api/me/", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("Authorization", "Bearer "+access)
	w := &sink{h: http.Header{}}
	// AllocsPerRun counts the whole process's allocations: background goroutines (the SQLite
	// checkpointer after the setup's writes, the runtime) can add a few to one measurement.
	// The least of three is the request's own.
	allocs := math.Inf(1)
	for range 3 {
		allocs = min(allocs, testing.AllocsPerRun(200, func() {
			w.reset()
			a.Handler.ServeHTTP(w, r)
			if w.status != 200 {
				t.Fatalf("status %d", w.status)
			}
		}))
	}
	t.Logf("%.1f allocations per protected request", allocs)
	if allocs > meAllocBudget+raceAllocs {
		t.Errorf("%.1f allocations per protected request, budget %d", allocs, meAllocBudget+raceAllocs)
	}
}
