package password

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"
)

// gateReader is a source of randomness that parks every Read until open is
// closed and records how many Reads were ever inside at once. Hash reads its
// salt while holding a slot, so the peak is the number of hashes in flight.
// A Read beyond limit fails at once instead of parking, so that a broken
// semaphore fails the test rather than hanging it.
type gateReader struct {
	open    chan struct{}
	entered chan struct{}
	limit   int

	mu     sync.Mutex
	inside int
	peak   int
}

func newGateReader(limit int) *gateReader {
	return &gateReader{open: make(chan struct{}), entered: make(chan struct{}, 100), limit: limit}
}

func (g *gateReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	g.inside++
	g.peak = max(g.peak, g.inside)
	over := g.inside > g.limit
	if over {
		g.inside--
	}
	g.mu.Unlock()
	if over {
		return 0, errors.New("gate: more readers inside than the limit")
	}
	g.entered <- struct{}{}
	<-g.open
	g.mu.Lock()
	g.inside--
	g.mu.Unlock()
	return rand.Read(p)
}

func (g *gateReader) maxInside() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// TestMaxConcurrent parks two hashes inside their slots while four more
// queue, then lets them all through: never more than two may be inside at
// once, and every queued call completes.
func TestMaxConcurrent(t *testing.T) {
	t.Parallel()
	const slots, queued = 2, 4
	gate := newGateReader(slots)
	open := sync.OnceFunc(func() { close(gate.open) })
	defer open()
	h := newHasher(t, Options{Params: cheapParams, MaxConcurrent: slots, QueueTimeout: time.Minute, Rand: gate})
	var wg sync.WaitGroup
	errs := make(chan error, slots+queued)
	for range slots + queued {
		wg.Go(func() {
			enc, err := h.Hash(ctx(t), "pw")
			if err == nil {
				_, _, err = h.Verify(ctx(t), "pw", enc)
			}
			errs <- err
		})
	}
	for range slots {
		<-gate.entered
	}
	if got := h.InFlight(); got != slots {
		t.Errorf("InFlight with both slots parked = %d, want %d", got, slots)
	}
	waitFor(t, "the other hashes to queue", func() bool { return h.Queued() == queued })
	open()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("queued call: %v", err)
		}
	}
	if peak := gate.maxInside(); peak != slots {
		t.Errorf("%d hashes were inside at once, want exactly %d", peak, slots)
	}
	if got, queue := h.InFlight(), h.Queued(); got != 0 || queue != 0 {
		t.Errorf("after all calls InFlight = %d, Queued = %d; want 0, 0", got, queue)
	}
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestQueueTimeout fills both slots with hashes parked inside, then checks
// that every kind of call fails with ErrBusy after QueueTimeout, or with its
// context's error when that comes first, without getting in.
func TestQueueTimeout(t *testing.T) {
	t.Parallel()
	const slots = 2
	const timeout = 50 * time.Millisecond
	gate := newGateReader(slots)
	h := newHasher(t, Options{Params: cheapParams, MaxConcurrent: slots, QueueTimeout: timeout, Rand: gate})
	valid, err := cheapHasher(t).Hash(ctx(t), "pw")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(gate.open) // runs first, also when the test fails early
	for range slots {
		wg.Go(func() {
			if _, err := h.Hash(ctx(t), "pw"); err != nil {
				t.Errorf("parked Hash: %v", err)
			}
		})
	}
	for range slots {
		<-gate.entered
	}

	start := time.Now()
	if _, err := h.Hash(ctx(t), "pw"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash while full: err = %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < timeout {
		t.Errorf("ErrBusy after %s, before the queue timeout of %s", waited, timeout)
	}
	if _, _, err := h.Verify(ctx(t), "pw", valid); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify while full: err = %v, want ErrBusy", err)
	}
	if err := h.VerifyDummy(ctx(t), "pw"); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyDummy while full: err = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(ctx(t), "pw", "!unusable"); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify of an unusable password while full: err = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(ctx(t), "pw", "md5$salt$hash"); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify of an unknown algorithm while full: err = %v, want ErrBusy", err)
	}
	cancelled, cancel := context.WithCancel(ctx(t))
	cancel()
	if _, err := h.Hash(cancelled, "pw"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrBusy) {
		t.Errorf("Hash with a cancelled context: err = %v, want context.Canceled", err)
	}
	short, cancel := context.WithTimeout(ctx(t), timeout/5)
	defer cancel()
	if _, _, err := h.Verify(short, "pw", valid); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify with a deadline before the queue timeout: err = %v, want context.DeadlineExceeded", err)
	}
	if peak := gate.maxInside(); peak != slots {
		t.Errorf("%d hashes got inside, want %d", peak, slots)
	}
}

// TestLoginFlood runs many real hashes, verifications and dummy
// verifications at once through three slots: all must succeed, InFlight
// sampled from inside the work must count it, and nothing may stay held or
// queued afterwards. (TestMaxConcurrent proves the bound itself.)
func TestLoginFlood(t *testing.T) {
	t.Parallel()
	const limit, callers, rounds = 3, 24, 4
	var h *Hasher
	var mu sync.Mutex
	peak := 0
	sample := readerFunc(func(p []byte) (int, error) {
		mu.Lock()
		peak = max(peak, h.InFlight())
		mu.Unlock()
		return rand.Read(p)
	})
	h = newHasher(t, Options{Params: cheapParams, MaxConcurrent: limit, QueueTimeout: time.Minute, Rand: sample})
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			for range rounds {
				enc, err := h.Hash(ctx(t), "pw")
				if err != nil {
					errs <- err
					return
				}
				ok, _, err := h.Verify(ctx(t), "pw", enc)
				if err != nil || !ok {
					errs <- errors.Join(err, errors.New("a fresh hash did not verify"))
					return
				}
				if i%2 == 0 {
					if err := h.VerifyDummy(ctx(t), "pw"); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if peak < 1 || peak > limit {
		t.Errorf("InFlight peaked at %d, want 1..%d", peak, limit)
	}
	if got, queue := h.InFlight(), h.Queued(); got != 0 || queue != 0 {
		t.Errorf("after the flood InFlight = %d, Queued = %d; want 0, 0", got, queue)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
