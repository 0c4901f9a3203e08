package web

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/authgate/authgate/internal/throttle"
)

// throttleLogin is throttle for credential checks, which also audits a refusal (ASVS 7.1.3).
// Refusals are audited at most once per bucket and minute, so that a flood of refused guesses is
// on record without turning into a flood of audit writes.
func (h *handler) throttleLogin(w http.ResponseWriter, r *http.Request, scope string, buckets ...bucket) bool {
	sw := &statusWriter{ResponseWriter: w}
	if h.throttle(sw, r, "login", buckets...) {
		return true
	}
	if sw.status != http.StatusTooManyRequests || len(buckets) == 0 {
		return false
	}
	d, err := h.lim.Allow(r.Context(), "audit:"+buckets[0].key, throttle.Rate{N: 1, Per: time.Minute})
	if err == nil && d.Allowed {
		h.svc.LoginThrottled(r.Context(), scope, h.client(r))
	}
	return false
}

// throttleAddr is the part of a client address that throttling counts by: an IPv4 address, or
// an IPv6 address's /64 — one subscriber's usual allocation, so that rotating through the 2^64
// addresses of one's own network buys no fresh buckets.
func throttleAddr(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// bucketAddr is the client address as throttling buckets key it (IPv6 by /64).
func (h *handler) bucketAddr(r *http.Request) string { return throttleAddr(h.clientIP(r)) }
