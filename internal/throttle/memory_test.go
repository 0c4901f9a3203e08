package throttle

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func newMemoryLimiter(_ *testing.T, now func() time.Time) Limiter { return NewMemory(now, 0) }

func TestMemoryScenarios(t *testing.T) {
	t.Parallel()
	testScenarios(t, newMemoryLimiter)
}

func TestMemoryUndo(t *testing.T) {
	t.Parallel()
	testUndo(t, newMemoryLimiter)
}

func TestMemoryBadRates(t *testing.T) {
	t.Parallel()
	testBadRates(t, NewMemory(nil, 0))
}

func TestMemoryParallelOneKey(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := NewMemory(clock.Now, 0)
	r := Rate{10, time.Minute}
	if got := hammer(t, []Limiter{m}, "victim@example.com", r, 200); got != 10 {
		t.Fatalf("%d of 200 parallel hits allowed at %v, want 10", got, r)
	}
	clock.Set(start.Add(time.Minute))
	if got := hammer(t, []Limiter{m}, "victim@example.com", r, 200); got != 10 {
		t.Fatalf("%d of 200 parallel hits allowed in the next window, want 10", got)
	}
}

func TestMemoryParallelRealClock(t *testing.T) {
	t.Parallel()
	m := NewMemory(nil, 0)
	r := Rate{10, time.Hour}
	if got := hammer(t, []Limiter{m}, "k", r, 200); got != 10 {
		t.Fatalf("%d of 200 parallel hits allowed at %v, want 10", got, r)
	}
}

// TestMemoryEvictsSoonestExpiry fills the limiter and checks that new keys
// push out the key whose window ends first, and never more than maxKeys stay.
func TestMemoryEvictsSoonestExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := NewMemory(clock.Now, 3)
	hit := func(at time.Duration, key string, r Rate) Decision {
		t.Helper()
		clock.Set(start.Add(at))
		d, err := m.Allow(t.Context(), key, r)
		if err != nil {
			t.Fatal(err)
		}
		if m.Len() > 3 {
			t.Fatalf("Len() = %d after hitting %q, want at most 3", m.Len(), key)
		}
		return d
	}
	perMin := Rate{1, time.Minute}
	hit(0, "long", Rate{1, time.Hour}) // ends at 1 h
	hit(1*time.Second, "k1", perMin)   // ends at 61 s
	hit(2*time.Second, "k2", perMin)   // ends at 62 s
	hit(3*time.Second, "k3", perMin)   // evicts k1
	if d := hit(4*time.Second, "k1", perMin); !d.Allowed {
		t.Errorf("k1 was still counted after eviction: %+v", d) // and evicts k2
	}
	if d := hit(5*time.Second, "k3", perMin); d.Allowed {
		t.Errorf("k3 was evicted; want the key ending soonest (k2) evicted")
	}
	if d := hit(6*time.Second, "long", Rate{1, time.Hour}); d.Allowed {
		t.Errorf("the key with the longest window was evicted")
	}
	if d := hit(7*time.Second, "k2", perMin); !d.Allowed {
		t.Errorf("k2 was still counted; want it evicted when k1 came back")
	}
	if got := m.Len(); got != 3 {
		t.Errorf("Len() = %d, want 3", got)
	}
}

// TestMemoryDropsStaleKeys checks that keys with no hit left in their window
// are forgotten as time passes, each after its own window.
func TestMemoryDropsStaleKeys(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := NewMemory(clock.Now, 100)
	for i := range 50 {
		if _, err := m.Allow(t.Context(), fmt.Sprint("minute", i), Rate{3, time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Allow(t.Context(), "hour", Rate{1, time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := m.Len(); got != 51 {
		t.Fatalf("Len() = %d, want 51", got)
	}
	clock.Set(start.Add(time.Minute))
	d, err := m.Allow(t.Context(), "new", Rate{3, time.Minute})
	if err != nil || !d.Allowed {
		t.Fatalf("Allow = %+v, %v", d, err)
	}
	if got := m.Len(); got != 2 {
		t.Errorf("Len() = %d a minute later, want 2 (the hour key and the new one)", got)
	}
	if d, _ := m.Allow(t.Context(), "hour", Rate{1, time.Hour}); d.Allowed {
		t.Errorf("the hour key was forgotten after a minute")
	}
	clock.Set(start.Add(2 * time.Hour))
	if _, err := m.Allow(t.Context(), "last", Rate{3, time.Minute}); err != nil {
		t.Fatal(err)
	}
	if got := m.Len(); got != 1 {
		t.Errorf("Len() = %d two hours later, want 1", got)
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	b.Run("one key refused", func(b *testing.B) {
		m := NewMemory(nil, 0)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Allow(b.Context(), "victim@example.com", Rate{10, time.Minute}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("10k keys allowed", func(b *testing.B) {
		m := NewMemory(nil, 0)
		keys := make([]string, 10_000)
		for i := range keys {
			keys[i] = fmt.Sprintf("user%d@example.com", i)
		}
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				if _, err := m.Allow(b.Context(), keys[i%len(keys)], Rate{MaxN, time.Second}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("new key each hit at 10k keys", func(b *testing.B) {
		m := NewMemory(nil, 10_000)
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				key := strconv.FormatInt(next.Add(1), 10)
				if _, err := m.Allow(b.Context(), key, Rate{5, time.Minute}); err != nil {
					b.Fatal(err)
				}
			}
		})
		if m.Len() > 10_000 {
			b.Fatalf("Len() = %d, want at most 10000", m.Len())
		}
	})
}
