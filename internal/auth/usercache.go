package auth

import (
	"sync"
	"time"
)

// userCache keeps user rows read for access-token checks for a short, bounded time, so a busy
// protected endpoint does not read storage on every request. Every write through the Service
// forgets the user at once on this instance; other instances see it within the TTL, or at once
// when storage notifications are wired (see Service.ForgetUser).
type userCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[string]cachedUser
}

type cachedUser struct {
	u   User
	exp time.Time
}

func newUserCache(ttl time.Duration, max int, now func() time.Time) *userCache {
	return &userCache{ttl: ttl, max: max, now: now, m: make(map[string]cachedUser)}
}

func (c *userCache) get(id string) (User, bool) {
	if c.ttl <= 0 {
		return User{}, false
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || !c.now().Before(e.exp) {
		return User{}, false
	}
	return e.u, true
}

func (c *userCache) put(u User) {
	if c.ttl <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m { // drop expired entries; if none, drop an arbitrary one
			if !now.Before(e.exp) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[u.ID] = cachedUser{u: u, exp: now.Add(c.ttl)}
}

func (c *userCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// ForgetUser drops a cached user row, for invalidations that arrive from other instances.
func (s *Service) ForgetUser(id string) { s.users.forget(id) }
