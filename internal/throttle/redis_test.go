package throttle

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedisURL is the real Redis these tests need; they fail, not skip,
// without it.
const testRedisURL = "redis://127.0.0.1:6379/0"

// newTestRedis connects to the test server and checks that it answers.
func newTestRedis(t testing.TB) *redis.Client {
	t.Helper()
	c, err := OpenRedis(testRedisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("these tests need Redis at %s: %v", testRedisURL, err)
	}
	return c
}

// newTestPrefix returns a prefix no other test uses, and deletes its keys
// when the test ends.
func newTestPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	prefix := "authgate-test:throttle:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys, err := redisKeys(ctx, c, prefix)
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
		}
	})
	return prefix
}

// redisKeys lists the keys under prefix.
func redisKeys(ctx context.Context, c *redis.Client, prefix string) ([]string, error) {
	var keys []string
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

func newRedisLimiter(t *testing.T, now func() time.Time) Limiter {
	c := newTestRedis(t)
	return NewRedis(c, newTestPrefix(t, c), now)
}

func TestRedisScenarios(t *testing.T) {
	t.Parallel()
	testScenarios(t, newRedisLimiter)
}

func TestRedisUndo(t *testing.T) {
	t.Parallel()
	testUndo(t, newRedisLimiter)
}

func TestRedisBadRates(t *testing.T) {
	t.Parallel()
	testBadRates(t, newRedisLimiter(t, nil))
}

func TestRedisParallelOneKey(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	l := newRedisLimiter(t, clock.Now)
	r := Rate{10, time.Minute}
	if got := hammer(t, []Limiter{l}, "victim@example.com", r, 200); got != 10 {
		t.Fatalf("%d of 200 parallel hits allowed at %v, want 10", got, r)
	}
	clock.Set(start.Add(time.Minute))
	if got := hammer(t, []Limiter{l}, "victim@example.com", r, 200); got != 10 {
		t.Fatalf("%d of 200 parallel hits allowed in the next window, want 10", got)
	}
}

// TestRedisInstancesShareCounts plays three instances of the server, each
// with its own connection pool and clock, behind one Redis.
func TestRedisInstancesShareCounts(t *testing.T) {
	t.Parallel()
	prefix := newTestPrefix(t, newTestRedis(t))
	clock := newFakeClock()
	var instances []Limiter
	for range 3 {
		instances = append(instances, NewRedis(newTestRedis(t), prefix, clock.Now))
	}
	r := Rate{10, time.Minute}
	if got := hammer(t, instances, "victim@example.com", r, 200); got != 10 {
		t.Fatalf("%d of 200 parallel hits on 3 instances allowed at %v, want 10", got, r)
	}

	// In turn: the second instance sees the first one's hits.
	a, b := instances[0], instances[1]
	r = Rate{2, time.Minute}
	for i, want := range []Decision{allowed(1), allowed(0), denied(time.Minute)} {
		l := []Limiter{a, b, a}[i]
		d, err := l.Allow(t.Context(), "alice", r)
		if err != nil || d != want {
			t.Fatalf("hit %d = %+v, %v; want %+v", i, d, err, want)
		}
	}
}

// TestRedisUsesInjectedClock checks that the script takes time from the
// caller: the fake clock is years away from the server's.
func TestRedisUsesInjectedClock(t *testing.T) {
	t.Parallel()
	c := newTestRedis(t)
	prefix := newTestPrefix(t, c)
	clock := newFakeClock()
	l := NewRedis(c, prefix, clock.Now)
	r := Rate{1, 10 * time.Minute}
	if d, err := l.Allow(t.Context(), "k", r); err != nil || !d.Allowed {
		t.Fatalf("first hit = %+v, %v", d, err)
	}
	clock.Set(start.Add(9 * time.Minute))
	if d, err := l.Allow(t.Context(), "k", r); err != nil || d != denied(time.Minute) {
		t.Fatalf("hit 9 minutes later = %+v, %v; want refused for a minute", d, err)
	}
	clock.Set(start.Add(10 * time.Minute))
	if d, err := l.Allow(t.Context(), "k", r); err != nil || !d.Allowed {
		t.Fatalf("hit 10 minutes later = %+v, %v; want allowed", d, err)
	}
}

// TestRedisKeys checks what lands on the server: one list per key under the
// prefix, named by a hash so no user input reaches key names, holding the
// admitted hit times and expiring with the window.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	c := newTestRedis(t)
	prefix := newTestPrefix(t, c)
	clock := newFakeClock()
	l := NewRedis(c, prefix, clock.Now)
	key := "alice@example.com\r\n*?[x]{tag}"
	r := Rate{5, time.Minute}
	for i := range 3 {
		clock.Set(start.Add(time.Duration(i) * time.Second))
		if _, err := l.Allow(t.Context(), key, r); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := redisKeys(t.Context(), c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(strings.TrimPrefix(keys[0], prefix)) {
		t.Fatalf("keys under the prefix = %q, want one named by a hex SHA-256", keys)
	}
	log, err := c.LRange(t.Context(), keys[0], 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 2; i >= 0; i-- {
		want = append(want, strconv.FormatInt(start.Add(time.Duration(i)*time.Second).UnixMicro(), 10))
	}
	if fmt.Sprint(log) != fmt.Sprint(want) {
		t.Errorf("log = %q, want %q", log, want)
	}
	ttl, err := c.PTTL(t.Context(), keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 50*time.Second || ttl > time.Minute {
		t.Errorf("PTTL = %v, want about a minute", ttl)
	}
}

// TestRedisKeysExpire checks that a key disappears by itself once its
// window has passed, with no further calls.
func TestRedisKeysExpire(t *testing.T) {
	t.Parallel()
	c := newTestRedis(t)
	prefix := newTestPrefix(t, c)
	l := NewRedis(c, prefix, nil)
	if _, err := l.Allow(t.Context(), "k", Rate{3, 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		keys, err := redisKeys(t.Context(), c, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("keys %q still there 10 s after a 100 ms window", keys)
		}
	}
}

// TestRedisDown points the limiter at a closed port: the error must let
// the caller fail closed.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	c, err := OpenRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l := NewRedis(c, "authgate-test:", nil)
	d, err := l.Allow(t.Context(), "k", Rate{10, time.Minute})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Allow on a closed port: %v; want ErrUnavailable wrapping ECONNREFUSED", err)
	}
	if d.Allowed {
		t.Errorf("Allow on a closed port allowed the hit")
	}
	// An off rate needs no server.
	if d, err := l.Allow(t.Context(), "k", Rate{}); err != nil || !d.Allowed {
		t.Errorf("off rate on a closed port = %+v, %v", d, err)
	}
}

func TestRedisCanceled(t *testing.T) {
	t.Parallel()
	l := newRedisLimiter(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	d, err := l.Allow(ctx, "k", Rate{10, time.Minute})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) || d.Allowed {
		t.Fatalf("Allow with a canceled context = %+v, %v", d, err)
	}
}

func TestRedisNilClient(t *testing.T) {
	t.Parallel()
	d, err := NewRedis(nil, "p:", nil).Allow(t.Context(), "k", Rate{1, time.Minute})
	if !errors.Is(err, ErrUnavailable) || d.Allowed {
		t.Fatalf("Allow with no client = %+v, %v", d, err)
	}
}

func TestOpenRedis(t *testing.T) {
	t.Parallel()
	c, err := OpenRedis("redis://:s3cret@127.0.0.1:6380/2?dial_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if o := c.Options(); o.Addr != "127.0.0.1:6380" || o.DB != 2 || o.Password != "s3cret" || o.DialTimeout != 2*time.Second {
		t.Errorf("options = addr %q db %d dial timeout %v", o.Addr, o.DB, o.DialTimeout)
	}

	for _, bad := range []string{
		"",
		"127.0.0.1:6379",
		"http://127.0.0.1:6379",
		"redis://127.0.0.1:6379/x",
		"redis://:s3cret@127.0.0.1:port/0",
		"redis://:s3cret@[::1/0",
		"redis://user:s3cret@host/0?bogus=1",
	} {
		c, err := OpenRedis(bad)
		if err == nil {
			c.Close()
			t.Errorf("OpenRedis(%q) succeeded", bad)
			continue
		}
		if !strings.HasPrefix(err.Error(), "throttle: open redis: ") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("OpenRedis(%q) error %q, want a throttle error without the password", bad, err)
		}
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	c := newTestRedis(b)
	l := NewRedis(c, newTestPrefix(b, c), nil)
	b.Run("one key refused", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Allow(b.Context(), "victim@example.com", Rate{10, time.Minute}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("1k keys allowed", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				if _, err := l.Allow(b.Context(), fmt.Sprintf("user%d@example.com", i%1000), Rate{MaxN, time.Second}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
