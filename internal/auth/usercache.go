package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// userCache keeps user rows read for access-token checks for a short, bounded time, so a busy
// protected endpoint does not read storage on every request. Every write through the Service
// forgets the user at once on this instance; other instances forget it when storage tells them
// (internal/notify, PostgreSQL) and at the latest when the TTL runs out.
//
// Concurrent misses for one user share a single storage read. A read that began before any
// forget is neither kept nor shared with callers who came after it, so a row read just before
// a revocation committed can never outlive the revocation here.
type userCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu       sync.Mutex
	m        map[string]cachedUser
	gen      uint64               // bumped by every forget
	inflight map[string]*userLoad // the storage read under way for a user, if any

	// publish, when set, announces this instance's user changes to the others.
	publish atomic.Pointer[func(userID string)]
}

type cachedUser struct {
	u   User
	exp time.Time
}

// userLoad is one storage read that concurrent callers wait for.
type userLoad struct {
	done chan struct{}
	gen  uint64 // the cache's gen when the read began
	u    User
	err  error
}

func newUserCache(ttl time.Duration, max int, now func() time.Time) *userCache {
	return &userCache{ttl: ttl, max: max, now: now, m: make(map[string]cachedUser),
		inflight: make(map[string]*userLoad)}
}

// load returns the user id names: from the cache while the entry is fresh, else by read, once
// for all concurrent callers that asked since the last forget.
func (c *userCache) load(ctx context.Context, id string, read func(context.Context, string) (User, error)) (User, error) {
	if c.ttl <= 0 {
		return read(ctx, id)
	}
	now := c.now()
	c.mu.Lock()
	if e, ok := c.m[id]; ok && now.Before(e.exp) {
		c.mu.Unlock()
		return e.u, nil
	}
	if l, ok := c.inflight[id]; ok && l.gen == c.gen {
		c.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			return User{}, ctx.Err()
		}
		if l.err != nil && !errors.Is(l.err, ErrNotFound) {
			// The leader's failure may be its own (its client left): try for ourselves.
			return read(ctx, id)
		}
		return l.u, l.err
	}
	l := &userLoad{done: make(chan struct{}), gen: c.gen}
	c.inflight[id] = l
	c.mu.Unlock()

	l.u, l.err = read(ctx, id)

	c.mu.Lock()
	if c.inflight[id] == l {
		delete(c.inflight, id)
	}
	if l.err == nil && l.gen == c.gen {
		c.putLocked(id, l.u, c.now())
	}
	c.mu.Unlock()
	close(l.done)
	return l.u, l.err
}

// evictScan is how many entries a full cache looks at to make room: O(1) per insert, and
// with Go's randomised map iteration the victims are spread over the cache.
const evictScan = 8

func (c *userCache) putLocked(id string, u User, now time.Time) {
	if _, ok := c.m[id]; !ok && len(c.m) >= c.max {
		var victim string
		seen, freed := 0, false
		for k, e := range c.m {
			if seen == 0 {
				victim = k
			}
			if !now.Before(e.exp) {
				delete(c.m, k)
				freed = true
			}
			if seen++; seen == evictScan {
				break
			}
		}
		if !freed {
			delete(c.m, victim)
		}
	}
	c.m[id] = cachedUser{u: u, exp: now.Add(c.ttl)}
}

// forget drops a user's entry and voids every read under way, here and, when a publisher is
// set, on the other instances. The Service calls it after storing a change to the user.
func (c *userCache) forget(id string) {
	c.forgetLocal(id)
	if p := c.publish.Load(); p != nil {
		(*p)(id)
	}
}

func (c *userCache) forgetLocal(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.gen++
	c.mu.Unlock()
}

// forgetAll empties the cache and voids every read under way.
func (c *userCache) forgetAll() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

// len reports how many users are cached (tests, metrics).
func (c *userCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// ForgetUser drops a cached user row, for invalidations that arrive from other instances
// (internal/notify); it does not announce anything. id is the user's UUID in any case.
func (s *Service) ForgetUser(id string) { s.users.forgetLocal(lowerASCII(id)) }

// PublishUserChanges makes the Service call publish with the user's id after each change it
// stores to a user (deactivation, logout everywhere, password or two-factor change, ...), so
// that other instances forget their cached row (internal/notify). Set it before serving.
func (s *Service) PublishUserChanges(publish func(userID string)) {
	if publish == nil {
		s.users.publish.Store(nil)
		return
	}
	s.users.publish.Store(&publish)
}

// ForgetAllUsers empties the user cache: after a gap in the invalidations from other instances
// (a lost notification connection), nothing cached may be trusted.
func (s *Service) ForgetAllUsers() { s.users.forgetAll() }

// CachedUsers reports how many user rows the cache holds.
func (s *Service) CachedUsers() int { return s.users.len() }

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
