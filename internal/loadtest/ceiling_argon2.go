package loadtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/authgate/authgate/internal/password"
	"golang.org/x/crypto/argon2"
)

// Argon2Result is the raw hashing rate.
type Argon2Result struct {
	Params  password.Params
	Workers int
	Hashes  uint64
	PerSec  float64
	// CPUPerHash is this process's CPU time per hash (0: not measured).
	CPUPerHash time.Duration
}

// argon2Runner derives argon2id keys in slices of time, counting every hash started (each is
// finished) over the time the slowest worker took.
type argon2Runner struct {
	p       password.Params
	workers int
	now     func() time.Time
	hashes  uint64
	elapsed time.Duration
	cpu     time.Duration
}

func newArgon2Runner(p password.Params, workers int, now func() time.Time) (*argon2Runner, error) {
	if now == nil {
		now = time.Now
	}
	if workers < 1 || p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 || p.KeyLen == 0 {
		return nil, errors.New("loadtest: argon2 ceiling: workers and every parameter must be positive")
	}
	return &argon2Runner{p: p, workers: workers, now: now}, nil
}

// slice hashes for about d; a hash needs no warm-up, so warm is not used.
func (r *argon2Runner) slice(ctx context.Context, _, d time.Duration) error {
	start := r.now()
	end := start.Add(d)
	cpu0, cpuErr := ProcessCPU(os.Getpid())
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := []byte("correct horse battery staple")
			salt := fmt.Appendf(nil, "bench-salt-%016d", i)
			var n uint64
			for ctx.Err() == nil && r.now().Before(end) {
				argon2.IDKey(pw, salt, r.p.Time, r.p.MemoryKiB, r.p.Threads, r.p.KeyLen)
				n++
			}
			mu.Lock()
			r.hashes += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.elapsed += r.now().Sub(start)
	if cpu1, err := ProcessCPU(os.Getpid()); err == nil && cpuErr == nil {
		r.cpu += cpu1 - cpu0
	}
	return ctx.Err()
}

func (r *argon2Runner) result() Argon2Result {
	res := Argon2Result{Params: r.p, Workers: r.workers, Hashes: r.hashes}
	if r.elapsed > 0 {
		res.PerSec = float64(r.hashes) / r.elapsed.Seconds()
	}
	if r.hashes > 0 {
		res.CPUPerHash = r.cpu / time.Duration(r.hashes)
	}
	return res
}

// Argon2Ceiling measures how many argon2id keys per second workers goroutines derive at p
// for about d: the most logins per second any server with these parameters can check.
func Argon2Ceiling(ctx context.Context, p password.Params, workers int, d time.Duration, now func() time.Time) (Argon2Result, error) {
	if d <= 0 {
		return Argon2Result{}, errors.New("loadtest: argon2 ceiling: the duration must be positive")
	}
	r, err := newArgon2Runner(p, workers, now)
	if err != nil {
		return Argon2Result{}, err
	}
	if err := r.slice(ctx, 0, d); err != nil {
		return Argon2Result{}, err
	}
	return r.result(), nil
}
