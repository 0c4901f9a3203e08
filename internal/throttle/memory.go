package throttle

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultMaxKeys is the bound NewMemory uses when given maxKeys < 1. A key
// costs about 150 bytes plus 8 bytes per logged hit.
const DefaultMaxKeys = 100_000

// Memory is a Limiter that keeps its logs in this process: right for a
// single instance, wrong for several behind a load balancer (use Redis).
// It tracks at most maxKeys keys. Keys whose every hit has left its window
// are dropped as time passes; when all maxKeys are still live, a new key
// evicts the one whose window ends soonest, which forgets the least. Size
// maxKeys well above the keys live in one window, or a flood of distinct
// keys can reset a victim's count.
type Memory struct {
	now     func() time.Time
	epoch   time.Time
	maxKeys int

	mu    sync.Mutex
	keys  map[[32]byte]*entry
	queue expiryQueue
}

// entry is one key's log.
type entry struct {
	id      [32]byte
	log     []int64 // admitted hits, nanoseconds since Memory.epoch, oldest first
	expires int64   // when the newest hit leaves its window
	index   int     // position in Memory.queue
}

// NewMemory returns an in-process Limiter reading time from now (time.Now if
// nil) and tracking at most maxKeys keys (DefaultMaxKeys if maxKeys < 1).
func NewMemory(now func() time.Time, maxKeys int) *Memory {
	if now == nil {
		now = time.Now
	}
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	return &Memory{
		now:     now,
		epoch:   now(),
		maxKeys: maxKeys,
		keys:    make(map[[32]byte]*entry),
	}
}

// Allow counts a hit on key against r. It fails only for an invalid rate;
// ctx is unused, as nothing here blocks for long.
func (m *Memory) Allow(_ context.Context, key string, r Rate) (Decision, error) {
	if err := r.validate(); err != nil {
		return Decision{}, fmt.Errorf("throttle: memory allow: %w", err)
	}
	if r.Off() {
		return unlimited(), nil
	}
	id := keyID(key)

	m.mu.Lock()
	defer m.mu.Unlock()
	// Reading the clock under the lock keeps each key's log in order. Sub
	// uses the monotonic clock when now carries one, so a wall-clock step
	// neither frees nor locks anybody.
	now := int64(m.now().Sub(m.epoch))
	m.dropExpired(now)

	e, ok := m.keys[id]
	if !ok {
		if len(m.keys) >= m.maxKeys {
			m.forget(m.queue[0])
		}
		e = &entry{id: id}
	}
	var d Decision
	d, e.log = slide(e.log, now, int64(r.Per), r.N)
	e.expires = e.log[len(e.log)-1] + int64(r.Per)
	if ok {
		heap.Fix(&m.queue, e.index)
	} else {
		m.keys[id] = e
		heap.Push(&m.queue, e)
	}
	return d, nil
}

// Undo takes back the newest admitted hit on key: for a hit whose action turned out not to count
// against the rate, such as a password check that succeeded when only failures are limited.
// Call it only after an Allow that admitted a hit (a refused hit was never logged). Undoing a
// key with no hit left does nothing.
func (m *Memory) Undo(_ context.Context, key string) error {
	id := keyID(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.keys[id]
	if !ok || len(e.log) == 0 {
		return nil
	}
	per := e.expires - e.log[len(e.log)-1]
	e.log = e.log[:len(e.log)-1]
	if len(e.log) == 0 {
		m.forget(e)
		return nil
	}
	e.expires = e.log[len(e.log)-1] + per
	heap.Fix(&m.queue, e.index)
	return nil
}

// Len reports how many keys are tracked, for metrics and tests.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// dropExpired forgets the keys with no hit left in their window.
func (m *Memory) dropExpired(now int64) {
	for len(m.queue) > 0 && m.queue[0].expires <= now {
		m.forget(m.queue[0])
	}
}

func (m *Memory) forget(e *entry) {
	heap.Remove(&m.queue, e.index)
	delete(m.keys, e.id)
}
