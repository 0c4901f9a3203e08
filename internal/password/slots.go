package password

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// slots is a counting semaphore: every key derivation holds one slot, so at
// most cap(sem) run at once and memory stays flat however many logins queue.
type slots struct {
	sem     chan struct{}
	timeout time.Duration
	waiting atomic.Int64
}

func newSlots(n int, timeout time.Duration) *slots {
	return &slots{sem: make(chan struct{}, n), timeout: timeout}
}

// acquire takes a slot, waiting at most the queue timeout and no longer than
// ctx allows. A successful acquire must be paired with release.
func (s *slots) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: waiting for a hashing slot: %w", context.Cause(ctx))
	}
	select {
	case s.sem <- struct{}{}:
		return nil
	default:
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("password: waiting for a hashing slot: %w", context.Cause(ctx))
	case <-t.C:
		return fmt.Errorf("%w: no hashing slot free after %s", ErrBusy, s.timeout)
	}
}

func (s *slots) release() { <-s.sem }

func (s *slots) inFlight() int { return len(s.sem) }

func (s *slots) queued() int { return int(s.waiting.Load()) }
