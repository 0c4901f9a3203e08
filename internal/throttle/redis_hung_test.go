package throttle

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/tcptest"
)

// TestRedisHungHonoursDeadline: a server that accepts and never replies must
// fail the call at the caller's deadline, not after go-redis's own read
// timeout (set to a minute here so the difference cannot be missed).
func TestRedisHungHonoursDeadline(t *testing.T) {
	t.Parallel()
	c, err := OpenRedis("redis://" + tcptest.Silent(t) + "/0?read_timeout=1m&write_timeout=1m&dial_timeout=1m")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l := NewRedis(c, "authgate-test:", nil)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	d, err := l.Allow(ctx, "k", Rate{10, time.Minute})
	took := time.Since(start)
	if !errors.Is(err, ErrUnavailable) || d.Allowed {
		t.Fatalf("Allow on a hung server = %+v, %v; want ErrUnavailable", d, err)
	}
	// The bound is the one-minute read timeout the deadline must cut short, not a
	// performance figure.
	if took > 20*time.Second {
		t.Fatalf("Allow on a hung server took %v; the 200 ms deadline was not honoured", took)
	}
}
