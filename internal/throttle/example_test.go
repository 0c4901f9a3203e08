package throttle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/throttle"
)

func ExampleParseRate() {
	for _, s := range []string{"5/min", "100/day", "10/5m", "0/min", "10/fortnight"} {
		r, err := throttle.ParseRate(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %d per %v, off %v\n", r, r.N, r.Per, r.Off())
	}
	// Output:
	// 5/minute: 5 per 1m0s, off false
	// 100/day: 100 per 24h0m0s, off false
	// 10/5m: 10 per 5m0s, off false
	// off: 0 per 0s, off true
	// throttle: bad rate "10/fortnight": unknown period "fortnight" (want s, m, h or d, optionally with a multiplier as in "5m", or a duration such as "90s")
}

func ExampleMemory() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	limiter := throttle.NewMemory(func() time.Time { return now }, 0)
	rate, _ := throttle.ParseRate("3/min")
	for i := range 4 {
		d, err := limiter.Allow(context.Background(), "login:alice@example.com", rate)
		if err != nil {
			fmt.Println(err) // a Redis limiter fails; deny the request
			return
		}
		if !d.Allowed {
			fmt.Printf("hit %d: Request was throttled. Expected available in %d seconds.\n", i+1, d.RetryAfterSeconds())
			continue
		}
		fmt.Printf("hit %d: allowed, %d left\n", i+1, d.Remaining)
		now = now.Add(15 * time.Second)
	}
	// Output:
	// hit 1: allowed, 2 left
	// hit 2: allowed, 1 left
	// hit 3: allowed, 0 left
	// hit 4: Request was throttled. Expected available in 15 seconds.
}
