package web

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are authgate's Prometheus metrics, on a registry of their own (no global state).
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	logins         *prometheus.CounterVec
	refreshes      *prometheus.CounterVec
	codes          *prometheus.CounterVec
	events         *prometheus.CounterVec
	throttled      *prometheus.CounterVec
	mail           *prometheus.CounterVec
	throttleErrors prometheus.Counter
	panics         prometheus.Counter

	// hot holds the request metrics already resolved for a route, method and status: the
	// label lookup (hashing, UTF-8 checks) is paid once per combination, not per request. The
	// combinations are bounded: registered routes, seven methods, HTTP statuses.
	mu  sync.RWMutex
	hot map[requestKey]requestMetrics
}

type requestKey struct {
	route, method string
	status        int
}

type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// NewMetrics registers the metrics; dbStats, when set, is sampled for the pool gauges.
func NewMetrics(version string, dbStats func() sql.DBStats) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_http_requests_total",
			Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "authgate_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
			[]string{"route"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_logins_total",
			Help: "Login attempts by result (ok, failed, challenge, throttled, error)."}, []string{"result"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_refreshes_total",
			Help: "Refresh attempts by result (ok, blacklisted, invalid, error)."}, []string{"result"}),
		codes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_two_factor_codes_total",
			Help: "Two-factor code checks by result."}, []string{"result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_audit_events_total",
			Help: "Audit events by kind (reuse_detected, two_factor_sent, logout_all, ...)."}, []string{"kind"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_throttled_total",
			Help: "Requests refused by throttling, by kind."}, []string{"kind"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "authgate_mail_total",
			Help: "E-mails handed to the mailer by template and result (sent, failed)."}, []string{"template", "result"}),
		throttleErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "authgate_throttle_errors_total",
			Help: "Throttle store failures (requests then fail closed)."}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{Name: "authgate_panics_total",
			Help: "Panics recovered while serving."}),
	}
	m.hot = map[requestKey]requestMetrics{}
	reg.MustRegister(m.requests, m.latency, m.logins, m.refreshes, m.codes, m.events, m.throttled,
		m.mail, m.throttleErrors, m.panics, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bi := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "authgate_build_info", Help: "Build information."},
		[]string{"version", "goversion"})
	goVersion := "unknown"
	if b, ok := debug.ReadBuildInfo(); ok {
		goVersion = b.GoVersion
	}
	bi.WithLabelValues(version, goVersion).Set(1)
	reg.MustRegister(bi)
	if dbStats != nil {
		for _, g := range []struct {
			name, help string
			f          func(sql.DBStats) float64
		}{
			{"authgate_db_max_open_connections", "Maximum open database connections.", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }},
			{"authgate_db_open_connections", "Open database connections.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) }},
			{"authgate_db_in_use_connections", "Database connections in use.", func(s sql.DBStats) float64 { return float64(s.InUse) }},
			{"authgate_db_idle_connections", "Idle database connections.", func(s sql.DBStats) float64 { return float64(s.Idle) }},
			{"authgate_db_wait_count", "Waits for a database connection so far.", func(s sql.DBStats) float64 { return float64(s.WaitCount) }},
			{"authgate_db_wait_seconds", "Time spent waiting for database connections so far.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }},
		} {
			g := g
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help},
				func() float64 { return g.f(dbStats()) }))
		}
	}
	return m
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry exposes the registry (tests, and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// OnAudit counts audit events; pass it as the Service's OnAudit hook.
func (m *Metrics) OnAudit(e auth.AuditEvent) { m.events.WithLabelValues(e.Kind).Inc() }

func (m *Metrics) observeRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unknown"
	}
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other"
	}
	k := requestKey{route, method, status}
	m.mu.RLock()
	rm, ok := m.hot[k]
	m.mu.RUnlock()
	if !ok {
		rm = requestMetrics{m.requests.WithLabelValues(route, method, strconv.Itoa(status)), m.latency.WithLabelValues(route)}
		m.mu.Lock()
		m.hot[k] = rm
		m.mu.Unlock()
	}
	rm.count.Inc()
	rm.latency.Observe(d.Seconds())
	if status == http.StatusTooManyRequests && (route == "/api/token/" || route == "/api/token/sliding/") {
		// Throttled logins are refused before the Service sees them: count them here, once.
		m.logins.WithLabelValues("throttled").Inc()
	}
}

func (h *handler) countLogin(err error, challenge bool) {
	if h.metrics == nil {
		return
	}
	result := "ok"
	switch {
	case err == nil && challenge:
		result = "challenge"
	case errors.Is(err, auth.ErrInvalidCredentials):
		result = "failed"
	case errors.Is(err, auth.ErrThrottled):
		return // answered 429: observeRequest counts it
	case err != nil:
		result = "error"
	}
	h.metrics.logins.WithLabelValues(result).Inc()
}

func (h *handler) countRefresh(err error) {
	if h.metrics == nil {
		return
	}
	var te *auth.TokenError
	result := "ok"
	switch {
	case errors.Is(err, auth.ErrBlacklisted):
		result = "blacklisted"
	case errors.As(err, &te), errors.Is(err, auth.ErrNoActiveAccount):
		result = "invalid"
	case err != nil:
		result = "error"
	}
	h.metrics.refreshes.WithLabelValues(result).Inc()
}

func (m *Metrics) codeResult(err error) {
	result := "ok"
	switch {
	case errors.Is(err, auth.ErrCodeInvalid):
		result = "invalid"
	case errors.Is(err, auth.ErrCodeExpired):
		result = "expired"
	case errors.Is(err, auth.ErrTooManyAttempts):
		result = "too_many_attempts"
	case errors.Is(err, auth.ErrChallengeInvalid):
		result = "challenge_invalid"
	case err != nil:
		result = "error"
	}
	m.codes.WithLabelValues(result).Inc()
}

// Mailer wraps next so that every e-mail is counted by template and result
// (authgate_mail_total); failures include undeliverable notices the Service only logs.
func (m *Metrics) Mailer(next auth.Mailer) auth.Mailer {
	if next == nil {
		return nil
	}
	return countingMailer{next: next, m: m}
}

type countingMailer struct {
	next auth.Mailer
	m    *Metrics
}

var _ auth.Mailer = countingMailer{}

// Send hands the message to the wrapped mailer and counts the result.
func (c countingMailer) Send(ctx context.Context, to, template string, data map[string]any) error {
	err := c.next.Send(ctx, to, template, data)
	result := "sent"
	if err != nil {
		result = "failed"
	}
	c.m.mail.WithLabelValues(template, result).Inc()
	return err
}

// WatchWrites exports counters of SQLite's write path (store.WriteStats): group commits of
// refresh rotations and background checkpoints. stats returns batches, the rotations in them,
// checkpoints and log rewinds so far.
func (m *Metrics) WatchWrites(stats func() (batches, rotations, checkpoints, rewinds uint64)) {
	for i, c := range []struct{ name, help string }{
		{"authgate_db_rotation_batches_total", "SQLite: transactions that ran refresh rotations together (group commit)."},
		{"authgate_db_batched_rotations_total", "SQLite: refresh rotations run in those transactions."},
		{"authgate_db_checkpoints_total", "SQLite: write-ahead log checkpoints run in the background."},
		{"authgate_db_wal_rewinds_total", "SQLite: background checkpoints that rewound the write-ahead log."},
	} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help}, func() float64 {
			b, r, ck, rw := stats()
			return float64([]uint64{b, r, ck, rw}[i])
		}))
	}
}

// WatchHasher exports the password hasher's slots: hashes computing now and calls waiting for
// a slot (a growing queue means logins arrive faster than they can be checked).
func (m *Metrics) WatchHasher(inFlight, queued func() int) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "authgate_password_hashes_in_flight",
			Help: "Password hashes and verifications computing now."}, func() float64 { return float64(inFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "authgate_password_hashes_queued",
			Help: "Password checks waiting for a hashing slot."}, func() float64 { return float64(queued()) }))
}
