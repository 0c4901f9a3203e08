package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/throttle"
)

// clientIP is the peer address, or the nearest untrusted address in X-Forwarded-For when the peer
// is a configured proxy (the header is never believed from anyone else).
func (h *handler) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !h.trusted(peer) {
		return peer.String()
	}
	xff := r.Header.Values("X-Forwarded-For")
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !h.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (h *handler) trusted(a netip.Addr) bool {
	for _, p := range h.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (h *handler) client(r *http.Request) auth.Client {
	return auth.Client{IP: h.clientIP(r), UserAgent: cleanUserAgent(r.UserAgent())}
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

func (h *handler) trustedPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && h.trusted(a.Unmap())
}
