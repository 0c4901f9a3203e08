package web

import (
	"database/sql"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
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
	throttleErrors prometheus.Counter
	panics         prometheus.Counter
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
		throttleErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "authgate_throttle_errors_total",
			Help: "Throttle store failures (requests then fail closed)."}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{Name: "authgate_panics_total",
			Help: "Panics recovered while serving."}),
	}
	reg.MustRegister(m.requests, m.latency, m.logins, m.refreshes, m.codes, m.events, m.throttled,
		m.throttleErrors, m.panics, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
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
		result = "throttled"
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
