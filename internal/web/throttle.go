package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/throttle"
)

// clientIP is the client's address (X-Forwarded-For only from trusted proxies).
func (h *handler) clientIP(r *http.Request) string { return h.proxies.Of(r) }

// client is who calls, as the service records it; the service makes the User-Agent safe to
// store (valid UTF-8, no control characters, at most 512 bytes) wherever it keeps one.
func (h *handler) client(r *http.Request) auth.Client {
	return auth.Client{IP: h.clientIP(r), UserAgent: r.UserAgent()}
}

// bucket is one throttling check: a key under a rate.
type bucket struct {
	key  string
	rate throttle.Rate
}

// limiterTimeout bounds all of one request's throttling checks. A shared limiter (Redis) answers
// in milliseconds; one that hangs must not hold a login for its client's own read timeouts and
// retries (seconds each), so the request fails closed quickly instead.
const limiterTimeout = time.Second

// allow counts one hit in every bucket and reports the longest wait if any is over its rate.
// When the limiter cannot answer within limiterTimeout (Redis down or hung), it fails closed
// with ErrUnavailable.
func (h *handler) allow(ctx context.Context, buckets ...bucket) (time.Duration, error) {
	if h.lim == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	var wait time.Duration
	for _, b := range buckets {
		if b.rate.Off() {
			continue
		}
		d, err := h.lim.Allow(ctx, b.key, b.rate)
		if err != nil {
			if h.metrics != nil {
				h.metrics.throttleErrors.Inc()
			}
			return 0, err
		}
		if !d.Allowed && d.RetryAfter > wait {
			wait = d.RetryAfter
		}
		if !d.Allowed && wait == 0 {
			wait = time.Second
		}
	}
	return wait, nil
}

// throttle runs allow and answers 429 (or 503 when the limiter is down); it reports whether the
// request may go on.
func (h *handler) throttle(w http.ResponseWriter, r *http.Request, kind string, buckets ...bucket) bool {
	wait, err := h.allow(r.Context(), buckets...)
	if err != nil {
		h.log.ErrorContext(r.Context(), "throttle unavailable, failing closed", "request_id", requestID(r), "err", err)
		writeDetail(w, http.StatusServiceUnavailable, "Service temporarily unavailable.")
		return false
	}
	if wait > 0 {
		if h.metrics != nil {
			h.metrics.throttled.WithLabelValues(kind).Inc()
		}
		throttled(w, wait)
		return false
	}
	return true
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func (h *handler) trustedPeer(r *http.Request) bool { return h.proxies.PeerTrusted(r) }
