// Package throttle limits how often a key (an account, a client address) may
// act, with the semantics of Django REST framework's throttles, in memory or
// shared through Redis.
package throttle

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

// ErrUnavailable is wrapped by every error that means the limiter could not
// decide (Redis unreachable, timed out, or answering nonsense). Callers
// should fail closed: treat the request as throttled.
var ErrUnavailable = errors.New("throttle: limiter unavailable")

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the hit was admitted (and counted).
	Allowed bool
	// RetryAfter is, when not allowed, how long until the oldest counted hit
	// leaves the window and a hit would be admitted again; zero when allowed.
	RetryAfter time.Duration
	// Remaining is how many more hits the window admits after this one;
	// -1 when the rate is off.
	Remaining int
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, as DRF's
// "Expected available in N seconds." and the Retry-After header want.
func (d Decision) RetryAfterSeconds() int {
	return int((d.RetryAfter + time.Second - 1) / time.Second)
}

// Limiter decides whether a hit on key is within rate r.
//
// Both implementations keep a sliding log, as DRF's SimpleRateThrottle does:
// the times of the admitted hits of the last window, at most r.N of them. A
// hit is admitted when fewer than r.N logged hits are younger than r.Per,
// and is then logged; a refused hit is not logged, so a client that keeps
// knocking is not locked out for longer. After N hits in a minute the next
// is admitted exactly when the first leaves the window, which is what DRF
// users expect and what RetryAfter reports.
//
// We chose the log over GCRA because GCRA with a burst of N admits the
// burst and then one hit every Per/N, up to 2N-1 hits in one window, while
// the log never admits more than N in any window of length Per. The price
// is up to r.N timestamps per key instead of one, small at login rates.
//
// Each call is atomic: however many callers race on a key, at most r.N are
// admitted in any window. Give each throttle its own keys ("login:ip:" +
// addr), as DRF's cache keys hold the scope: a key used with two rates
// shares one log. An off rate (r.Off()) admits everything without touching
// the store; an invalid rate is an error wrapping ErrBadRate.
type Limiter interface {
	Allow(ctx context.Context, key string, r Rate) (Decision, error)
}

var (
	_ Limiter = (*Memory)(nil)
	_ Limiter = (*Redis)(nil)
)

// unlimited is the Decision for an off rate.
func unlimited() Decision { return Decision{Allowed: true, Remaining: -1} }

// keyID hashes a caller's key so that arbitrary input (e-mail addresses,
// IPv6 zones, megabytes of junk) costs fixed memory and never appears in
// Redis key names.
func keyID(key string) [sha256.Size]byte {
	return sha256.Sum256([]byte(key))
}

// slide applies one hit at now to log, the admitted hits oldest first, for
// a window of per and a limit of n; times are in nanoseconds. It returns the
// Decision and the new log, reusing log's storage and never longer than n.
// Each logged hit is dropped once, so a hit costs O(1) on average. The
// Redis script (allow.lua) is the same algorithm, step for step.
func slide(log []int64, now, per int64, n int) (Decision, []int64) {
	expired := 0
	for expired < len(log) && log[expired] <= now-per {
		expired++
	}
	log = log[expired:]
	if len(log) >= n {
		// Only the n newest hits matter (there are more after a rate cut);
		// the oldest of them is the one whose expiry frees a slot.
		log = log[len(log)-n:]
		return Decision{RetryAfter: time.Duration(log[0] + per - now)}, log
	}
	at := now
	if len(log) > 0 && log[len(log)-1] > now {
		// The clock went back; keep the log sorted.
		at = log[len(log)-1]
	}
	return Decision{Allowed: true, Remaining: n - len(log) - 1}, append(log, at)
}
