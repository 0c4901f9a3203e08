package throttle

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// hungServer accepts TCP connections and never answers, like a Redis that
// is wedged or behind a dropped route. It returns the address.
func hungServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// TestRedisHungHonoursDeadline: a server that accepts and never replies must
// fail the call at the caller's deadline, not after go-redis's own read
// timeout (set to a minute here so the difference cannot be missed).
func TestRedisHungHonoursDeadline(t *testing.T) {
	t.Parallel()
	c, err := OpenRedis("redis://" + hungServer(t) + "/0?read_timeout=1m&write_timeout=1m&dial_timeout=1m")
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
