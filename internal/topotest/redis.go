package topotest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is one redis-server: a primary or a replica.
type Redis struct {
	Port int
	proc *Process
}

// StartRedis starts redis-server on a free port without persistence; replicaOf, when not nil,
// makes it a replica of that server, and StartRedis then returns once the replica is in sync.
func StartRedis(t testing.TB, replicaOf *Redis) *Redis {
	t.Helper()
	r := &Redis{Port: FreePort(t)}
	args := []string{"--port", fmt.Sprint(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", Dir(t), "--repl-diskless-sync-delay", "0"}
	if replicaOf != nil {
		args = append(args, "--replicaof", "127.0.0.1", fmt.Sprint(replicaOf.Port))
	}
	r.proc = start(t, "redis "+r.Addr(), false, Program(t, "redis-server", "redis-server"), args...)
	c := r.Client(t)
	r.proc.waitFor(t, "answering", 30*time.Second, func() error { return c.Ping(context.Background()).Err() })
	if replicaOf != nil {
		r.proc.waitFor(t, "in sync with its primary", 30*time.Second, func() error {
			return infoHas(c, "master_link_status:up")
		})
	}
	return r
}

// Addr is the server's host:port.
func (r *Redis) Addr() string { return fmt.Sprintf("127.0.0.1:%d", r.Port) }

// Client is a plain client of this server, closed when the test ends.
func (r *Redis) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill stops the server at once.
func (r *Redis) Kill() { r.proc.Kill() }

// WaitReplicated returns once every replica of this primary has acknowledged everything it has
// written (WAIT), so that a failover after it loses nothing.
func (r *Redis) WaitReplicated(t testing.TB, replicas int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := r.Client(t).Wait(ctx, replicas, 5000).Result()
	if err != nil || n < int64(replicas) {
		t.Fatalf("topotest: WAIT %d on %s: %d acknowledged, %v", replicas, r.Addr(), n, err)
	}
}

func infoHas(c *redis.Client, want string) error {
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		return err
	}
	if !strings.Contains(info, want) {
		return errNotYet
	}
	return nil
}

// Sentinel is one redis-sentinel.
type Sentinel struct {
	Port int
	proc *Process
}

// Addr is the sentinel's host:port.
func (s *Sentinel) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Kill stops the sentinel at once.
func (s *Sentinel) Kill() { s.proc.Kill() }

// StartSentinels starts n sentinels monitoring primary under master with the given quorum,
// declaring a server down after downAfter without an answer, and returns once every one knows
// the others and the primary's replicas (wantReplicas), so that a failover can start at once.
func StartSentinels(t testing.TB, primary *Redis, master string, n, quorum, wantReplicas int, downAfter time.Duration) []*Sentinel {
	t.Helper()
	prog := Program(t, "redis-sentinel", "redis-sentinel")
	var out []*Sentinel
	for range n {
		dir := Dir(t)
		s := &Sentinel{Port: FreePort(t)}
		conf := filepath.Join(dir, "sentinel.conf")
		writeFile(t, conf, fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
sentinel monitor %s 127.0.0.1 %d %d
sentinel down-after-milliseconds %s %d
sentinel failover-timeout %s 3000
sentinel parallel-syncs %s 1
`, s.Port, dir, master, primary.Port, quorum, master, downAfter.Milliseconds(), master, master))
		s.proc = start(t, "sentinel "+s.Addr(), false, prog, conf)
		out = append(out, s)
	}
	for _, s := range out {
		c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
		t.Cleanup(func() { _ = c.Close() })
		s.proc.waitFor(t, "aware of the other sentinels and the replicas", 30*time.Second, func() error {
			ctx := context.Background()
			others, err := c.Sentinels(ctx, master).Result()
			if err != nil {
				return err
			}
			replicas, err := c.Replicas(ctx, master).Result()
			if err != nil {
				return err
			}
			if len(others) < n-1 || len(replicas) < wantReplicas {
				return fmt.Errorf("%w: %d other sentinels, %d replicas", errNotYet, len(others), len(replicas))
			}
			return nil
		})
	}
	return out
}

// Primary asks a sentinel which server is the primary of master now.
func Primary(t testing.TB, s *Sentinel, master string) string {
	t.Helper()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addr, err := c.GetMasterAddrByName(ctx, master).Result()
	if err != nil || len(addr) != 2 {
		t.Fatalf("topotest: sentinel %s: primary of %s: %v %v", s.Addr(), master, addr, err)
	}
	return addr[0] + ":" + addr[1]
}
