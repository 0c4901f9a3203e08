package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rows is a user table the cache reads through: each read returns the row as it is then and is
// counted; a read can be held mid-way to stage races.
type rows struct {
	mu    sync.Mutex
	users map[string]User
	reads atomic.Int64
	hold  chan struct{} // when set, a read waits for it after taking its copy
	taken chan struct{} // when set, a read signals it has taken its copy
}

func (r *rows) set(u User) {
	r.mu.Lock()
	r.users[u.ID] = u
	r.mu.Unlock()
}

func (r *rows) read(ctx context.Context, id string) (User, error) {
	r.reads.Add(1)
	r.mu.Lock()
	u, ok := r.users[id]
	hold, taken := r.hold, r.taken
	r.mu.Unlock()
	if taken != nil {
		taken <- struct{}{}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return User{}, ctx.Err()
		}
	}
	if !ok {
		return User{}, ErrNotFound
	}
	return u, nil
}

const uid = "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c"

func newRows() *rows {
	return &rows{users: map[string]User{uid: {ID: uid, Email: "a@example.com", IsActive: true}}}
}

func TestUserCacheTTL(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	c := newUserCache(time.Second, 100, clk.now)
	db := newRows()
	ctx := context.Background()
	for range 3 {
		if _, err := c.load(ctx, uid, db.read); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.reads.Load(); n != 1 {
		t.Fatalf("three loads within the TTL read storage %d times, want 1", n)
	}
	db.set(User{ID: uid, Email: "a@example.com", IsActive: false})
	clk.advance(999 * time.Millisecond)
	if u, _ := c.load(ctx, uid, db.read); !u.IsActive {
		t.Fatal("entry expired before its TTL")
	}
	clk.advance(time.Millisecond)
	if u, _ := c.load(ctx, uid, db.read); u.IsActive {
		t.Fatal("entry served past its TTL")
	}
	if _, err := c.load(ctx, "7f3e2a8c-3e4b-4d5a-9c1e-2b3c4d5e6f70", db.read); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := c.load(ctx, "7f3e2a8c-3e4b-4d5a-9c1e-2b3c4d5e6f70", db.read); !errors.Is(err, ErrNotFound) || db.reads.Load() != 4 {
		t.Fatalf("a missing user must not be cached: %v after %d reads", err, db.reads.Load())
	}
}

func TestUserCacheOff(t *testing.T) {
	c := newUserCache(0, 100, time.Now)
	db := newRows()
	for range 3 {
		if _, err := c.load(context.Background(), uid, db.read); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.reads.Load(); n != 3 || c.len() != 0 {
		t.Fatalf("TTL 0: %d reads and %d entries, want 3 and 0", n, c.len())
	}
}

// TestUserCacheForgetWins: a row read before a revocation committed is never kept, even when
// the read returns after the forget (the classic stale-put race).
func TestUserCacheForgetWins(t *testing.T) {
	c := newUserCache(time.Hour, 100, time.Now)
	db := newRows()
	hold := make(chan struct{})
	db.hold, db.taken = hold, make(chan struct{}, 1)
	ctx := context.Background()
	got := make(chan User, 1)
	go func() {
		u, _ := c.load(ctx, uid, db.read)
		got <- u
	}()
	<-db.taken // the reader has the active row...
	db.mu.Lock()
	db.hold, db.taken = nil, nil
	db.mu.Unlock()
	db.set(User{ID: uid, IsActive: false}) // ...the revocation commits...
	c.forget(uid)                          // ...and is forgotten
	// A caller arriving now must not wait for the stale read: it reads for itself.
	if u, err := c.load(ctx, uid, db.read); err != nil || u.IsActive {
		t.Fatalf("load after forget: %+v %v, want the inactive row", u, err)
	}
	close(hold)
	if u := <-got; !u.IsActive {
		t.Fatal("the slow reader should get the row it read")
	}
	reads := db.reads.Load()
	if u, _ := c.load(ctx, uid, db.read); u.IsActive || db.reads.Load() != reads {
		t.Fatal("the stale row read before the forget replaced the fresh one in the cache")
	}
}

// TestUserCacheSingleFlight: concurrent misses for one user make one storage read.
func TestUserCacheSingleFlight(t *testing.T) {
	c := newUserCache(time.Hour, 100, time.Now)
	db := newRows()
	hold := make(chan struct{})
	db.hold, db.taken = hold, make(chan struct{}, 1)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.load(ctx, uid, db.read)
		errs <- err
	}()
	<-db.taken
	for range 49 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.load(ctx, uid, db.read)
			errs <- err
		}()
	}
	waitFor(t, func() bool { return waiting(c, uid) })
	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := db.reads.Load(); n != 1 {
		t.Fatalf("50 concurrent misses made %d storage reads, want 1", n)
	}
}

// waiting reports whether a read for id is in flight.
func waiting(c *userCache, id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight[id] != nil
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestUserCacheLeaderFailure: when the shared read fails for its own reason (its client left),
// the callers that waited read for themselves instead of failing too.
func TestUserCacheLeaderFailure(t *testing.T) {
	c := newUserCache(time.Hour, 100, time.Now)
	db := newRows()
	db.hold, db.taken = make(chan struct{}), make(chan struct{}, 1)
	leaderCtx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() {
		_, err := c.load(leaderCtx, uid, db.read)
		leader <- err
	}()
	<-db.taken
	follower := make(chan error, 1)
	go func() {
		_, err := c.load(context.Background(), uid, func(ctx context.Context, id string) (User, error) {
			db.mu.Lock()
			db.hold, db.taken = nil, nil
			db.mu.Unlock()
			return db.read(ctx, id)
		})
		follower <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the follower start waiting
	cancel()
	if err := <-leader; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v", err)
	}
	if err := <-follower; err != nil {
		t.Fatalf("follower failed with the leader: %v", err)
	}
}

// TestUserCacheBounded: a full cache makes room in O(1), never growing past its size.
func TestUserCacheBounded(t *testing.T) {
	c := newUserCache(time.Hour, 64, time.Now)
	ctx := context.Background()
	read := func(_ context.Context, id string) (User, error) { return User{ID: id}, nil }
	for i := range 1000 {
		if _, err := c.load(ctx, fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), read); err != nil {
			t.Fatal(err)
		}
		if c.len() > 64 {
			t.Fatalf("cache grew to %d entries, bound 64", c.len())
		}
	}
}

// TestUserCachePublish: the Service's own changes are announced, forgets that came from
// elsewhere are not (no echo between instances).
func TestUserCachePublish(t *testing.T) {
	c := newUserCache(time.Hour, 10, time.Now)
	var got []string
	f := func(id string) { got = append(got, id) }
	c.publish.Store(&f)
	c.forget("a")
	c.forgetLocal("b")
	c.forgetAll()
	if fmt.Sprint(got) != "[a]" {
		t.Fatalf("published %v, want [a]", got)
	}
}
