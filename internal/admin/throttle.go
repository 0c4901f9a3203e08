package admin

import (
	"context"
	"fmt"
	"math"
	"time"
)

// wait counts one hit on every key under the login rate and returns the longest wait if any key
// is over it (zero: go on). With no limiter or an off rate nothing is throttled. When the limiter
// cannot decide, the error says so and the caller fails closed.
func (p *panel) wait(ctx context.Context, keys ...string) (time.Duration, error) {
	if p.lim == nil || p.rate.Off() {
		return 0, nil
	}
	// A wedged limiter (Redis accepting but never answering) must not hold the login page: fail
	// closed after a second, as the API does.
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var longest time.Duration
	for _, k := range keys {
		d, err := p.lim.Allow(ctx, k, p.rate)
		if err != nil {
			return 0, fmt.Errorf("admin: throttle: %w", err)
		}
		if !d.Allowed {
			longest = max(longest, d.RetryAfter, time.Second)
		}
	}
	return longest, nil
}

// seconds rounds a wait up to whole seconds, as the message and Retry-After show it.
func seconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}
