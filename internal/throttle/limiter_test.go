package throttle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// start is where fake clocks begin; far from the real time on purpose, so
// that a limiter reading the wrong clock fails the scenarios.
var start = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: start} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newLimiterFunc makes a fresh, empty limiter reading the given clock.
type newLimiterFunc func(t *testing.T, now func() time.Time) Limiter

// step is one Allow call at start+at.
type step struct {
	at   time.Duration
	key  string
	rate Rate
	want Decision
}

func allowed(remaining int) Decision      { return Decision{Allowed: true, Remaining: remaining} }
func denied(retry time.Duration) Decision { return Decision{RetryAfter: retry} }

// scenarios is the behaviour both limiters share, step by step. Windows are
// several seconds long because Redis expires keys in real time.
var scenarios = []struct {
	name  string
	steps []step
}{
	{"limit then slide like DRF", []step{
		{0, "a", Rate{3, time.Minute}, allowed(2)},
		{10 * time.Second, "a", Rate{3, time.Minute}, allowed(1)},
		{20 * time.Second, "a", Rate{3, time.Minute}, allowed(0)},
		{30 * time.Second, "a", Rate{3, time.Minute}, denied(30 * time.Second)},
		{59 * time.Second, "a", Rate{3, time.Minute}, denied(time.Second)},
		{59*time.Second + 999*time.Millisecond, "a", Rate{3, time.Minute}, denied(time.Millisecond)},
		// The first hit leaves the window exactly at 60 s.
		{60 * time.Second, "a", Rate{3, time.Minute}, allowed(0)},
		{60 * time.Second, "a", Rate{3, time.Minute}, denied(10 * time.Second)},
		{70 * time.Second, "a", Rate{3, time.Minute}, allowed(0)},
		{80 * time.Second, "a", Rate{3, time.Minute}, allowed(0)},
		{80 * time.Second, "a", Rate{3, time.Minute}, denied(40 * time.Second)},
		// Long after, the window is empty again.
		{time.Hour, "a", Rate{3, time.Minute}, allowed(2)},
	}},
	{"refused hits are not counted", []step{
		{0, "b", Rate{2, 10 * time.Second}, allowed(1)},
		{0, "b", Rate{2, 10 * time.Second}, allowed(0)},
		{1 * time.Second, "b", Rate{2, 10 * time.Second}, denied(9 * time.Second)},
		{5 * time.Second, "b", Rate{2, 10 * time.Second}, denied(5 * time.Second)},
		{9 * time.Second, "b", Rate{2, 10 * time.Second}, denied(time.Second)},
		{10 * time.Second, "b", Rate{2, 10 * time.Second}, allowed(1)},
	}},
	{"keys are independent, whatever they hold", []step{
		{0, "alice@example.com", Rate{1, time.Minute}, allowed(0)},
		{0, "alice@example.com", Rate{1, time.Minute}, denied(time.Minute)},
		{0, "Alice@example.com", Rate{1, time.Minute}, allowed(0)},
		{0, "", Rate{1, time.Minute}, allowed(0)},
		{0, "", Rate{1, time.Minute}, denied(time.Minute)},
		{0, "fe80::1%eth0", Rate{1, time.Minute}, allowed(0)},
		{0, "a\r\nDEL *\x00{}", Rate{1, time.Minute}, allowed(0)},
		{0, "a\r\nDEL *\x00{}", Rate{1, time.Minute}, denied(time.Minute)},
		{0, strings.Repeat("long", 10_000), Rate{1, time.Minute}, allowed(0)},
		{time.Second, strings.Repeat("long", 10_000), Rate{1, time.Minute}, denied(59 * time.Second)},
	}},
	{"RetryAfter below a second", []step{
		{0, "c", Rate{1, 4 * time.Second}, allowed(0)},
		{3250 * time.Millisecond, "c", Rate{1, 4 * time.Second}, denied(750 * time.Millisecond)},
		{4 * time.Second, "c", Rate{1, 4 * time.Second}, allowed(0)},
	}},
	{"windows that are not whole seconds", []step{
		{0, "d", Rate{2, 10500 * time.Millisecond}, allowed(1)},
		{1 * time.Millisecond, "d", Rate{2, 10500 * time.Millisecond}, allowed(0)},
		{10 * time.Second, "d", Rate{2, 10500 * time.Millisecond}, denied(500 * time.Millisecond)},
		{10500 * time.Millisecond, "d", Rate{2, 10500 * time.Millisecond}, allowed(0)},
		{10500 * time.Millisecond, "d", Rate{2, 10500 * time.Millisecond}, denied(time.Millisecond)},
	}},
	{"a rate cut counts the hits already logged", []step{
		{0, "e", Rate{5, time.Minute}, allowed(4)},
		{1 * time.Second, "e", Rate{5, time.Minute}, allowed(3)},
		{2 * time.Second, "e", Rate{5, time.Minute}, allowed(2)},
		{3 * time.Second, "e", Rate{5, time.Minute}, allowed(1)},
		// Two a minute now: the second newest hit (2 s) frees a slot.
		{5 * time.Second, "e", Rate{2, time.Minute}, denied(57 * time.Second)},
		// Raised again: only the two newest hits were kept.
		{6 * time.Second, "e", Rate{5, time.Minute}, allowed(2)},
		{7 * time.Second, "e", Rate{2, time.Minute}, denied(56 * time.Second)},
		{63 * time.Second, "e", Rate{2, time.Minute}, allowed(0)},
	}},
	{"a clock going back keeps the log in order", []step{
		{10 * time.Second, "f", Rate{3, time.Minute}, allowed(2)},
		// Hits from a clock behind are logged at the newest time seen.
		{5 * time.Second, "f", Rate{3, time.Minute}, allowed(1)},
		{7 * time.Second, "f", Rate{3, time.Minute}, allowed(0)},
		{7 * time.Second, "f", Rate{3, time.Minute}, denied(63 * time.Second)},
		{8 * time.Second, "f", Rate{2, time.Minute}, denied(62 * time.Second)},
		{70 * time.Second, "f", Rate{2, time.Minute}, allowed(1)},
	}},
	{"a limit of one", []step{
		{0, "g", Rate{1, time.Hour}, allowed(0)},
		{59 * time.Minute, "g", Rate{1, time.Hour}, denied(time.Minute)},
		{time.Hour, "g", Rate{1, time.Hour}, allowed(0)},
	}},
	{"off admits everything", []step{
		{0, "h", Rate{}, Decision{Allowed: true, Remaining: -1}},
		{0, "h", Rate{}, Decision{Allowed: true, Remaining: -1}},
		{0, "h", Rate{0, time.Minute}, Decision{Allowed: true, Remaining: -1}},
		{0, "h", Rate{1, time.Minute}, allowed(0)},
		{0, "h", Rate{}, Decision{Allowed: true, Remaining: -1}},
		{0, "h", Rate{1, time.Minute}, denied(time.Minute)},
	}},
}

// testScenarios runs every scenario on a fresh limiter.
func testScenarios(t *testing.T, newLimiter newLimiterFunc) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			l := newLimiter(t, clock.Now)
			for i, s := range sc.steps {
				clock.Set(start.Add(s.at))
				got, err := l.Allow(t.Context(), s.key, s.rate)
				if err != nil {
					t.Fatalf("step %d: Allow(%.20q, %v) at %v: %v", i, s.key, s.rate, s.at, err)
				}
				if got != s.want {
					t.Errorf("step %d: Allow(%.20q, %v) at %v = %+v, want %+v", i, s.key, s.rate, s.at, got, s.want)
				}
			}
		})
	}
}

// undoer is a limiter that can take a hit back.
type undoer interface {
	Limiter
	Undo(ctx context.Context, key string) error
}

// testUndo: a hit taken back frees its slot at once, the older hits keep theirs, and taking back
// more hits than were logged does nothing.
func testUndo(t *testing.T, newLimiter newLimiterFunc) {
	clock := newFakeClock()
	l := newLimiter(t, clock.Now).(undoer)
	r := Rate{2, time.Minute}
	hit := func(at time.Duration, want Decision) {
		t.Helper()
		clock.Set(start.Add(at))
		if got, err := l.Allow(t.Context(), "u", r); err != nil || got != want {
			t.Fatalf("Allow at %v = %+v, %v; want %+v", at, got, err, want)
		}
	}
	undo := func() {
		t.Helper()
		if err := l.Undo(t.Context(), "u"); err != nil {
			t.Fatal(err)
		}
	}
	undo() // nothing logged yet
	hit(0, allowed(1))
	hit(10*time.Second, allowed(0))
	hit(20*time.Second, denied(40*time.Second))
	undo() // the hit at 10 s
	hit(20*time.Second, allowed(0))
	hit(30*time.Second, denied(30*time.Second)) // the hit at 0 s still counts
	undo()
	undo()
	undo()
	hit(30*time.Second, allowed(1))
}

// testBadRates checks that a rate that cannot be enforced is an error.
func testBadRates(t *testing.T, l Limiter) {
	for _, r := range []Rate{
		{N: -1, Per: time.Minute},
		{N: 1},
		{N: 1, Per: -time.Minute},
		{N: 1, Per: time.Microsecond},
		{N: MaxN + 1, Per: time.Minute},
		{N: 1, Per: MaxPer + time.Second},
	} {
		d, err := l.Allow(t.Context(), "k", r)
		if !errors.Is(err, ErrBadRate) || d.Allowed {
			t.Errorf("Allow with %#v = %+v, %v; want refused with ErrBadRate", r, d, err)
		}
	}
}

// hammer makes callers hits on one key at once from several limiters (in
// turn) and reports how many were allowed; every refusal must say when to
// come back.
func hammer(t *testing.T, limiters []Limiter, key string, r Rate, callers int) int {
	t.Helper()
	var (
		ok    atomic.Int64
		wg    sync.WaitGroup
		begin = make(chan struct{})
		errs  = make(chan error, callers)
	)
	for i := range callers {
		wg.Go(func() {
			<-begin
			d, err := limiters[i%len(limiters)].Allow(t.Context(), key, r)
			switch {
			case err != nil:
				errs <- err
			case d.Allowed:
				ok.Add(1)
			case d.RetryAfter <= 0 || d.RetryAfter > r.Per || d.Remaining != 0:
				errs <- fmt.Errorf("refusal %+v", d)
			}
		})
	}
	close(begin)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return int(ok.Load())
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d    time.Duration
		want int
	}{
		{0, 0},
		{time.Nanosecond, 1},
		{750 * time.Millisecond, 1},
		{time.Second, 1},
		{time.Second + time.Microsecond, 2},
		{59 * time.Second, 59},
	} {
		if got := (Decision{RetryAfter: tt.d}).RetryAfterSeconds(); got != tt.want {
			t.Errorf("RetryAfterSeconds for %v = %d, want %d", tt.d, got, tt.want)
		}
	}
}
