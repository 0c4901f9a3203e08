package throttle

import (
	"context"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed allow.lua
var allowLua string

// Redis is a Limiter that keeps its logs in Redis, so that every instance
// sharing the server shares the counts. Each Allow is one Lua script run,
// atomic on the server. Keys expire by themselves when their newest hit
// leaves its window. Time comes from the injected clock, not Redis TIME (so
// tests can steer it); instances should run NTP, as skew between them moves
// window edges by up to the skew.
type Redis struct {
	client *redis.Client
	prefix string
	now    func() time.Time
	script *redis.Script
}

// NewRedis returns a Limiter storing its logs under prefix (for instance
// "authgate:throttle:") on client, reading time from now (time.Now if nil).
func NewRedis(client *redis.Client, prefix string, now func() time.Time) *Redis {
	if now == nil {
		now = time.Now
	}
	return &Redis{client: client, prefix: prefix, now: now, script: redis.NewScript(allowLua)}
}

// OpenRedis returns a client for a URL such as "redis://host:6379/0" or
// "rediss://user:password@host:6380/1?dial_timeout=1s". Like sql.Open it does
// not connect; call Ping to check the server at startup. With go-redis's
// defaults a refused connection fails after about two seconds of retries;
// "?max_retries=-1" or a deadline on the request's context fails sooner.
// The client honours context deadlines on the socket too, so a server that
// accepts connections but never answers fails a call at its deadline
// instead of after go-redis's own read timeout.
//
// "redis+sentinel://" (or "rediss+sentinel://" for TLS) asks Redis Sentinel for the primary
// instead, and follows it across failovers: see openSentinel.
func OpenRedis(rawURL string) (*redis.Client, error) {
	if scheme, _, _ := strings.Cut(rawURL, "://"); strings.HasSuffix(strings.ToLower(scheme), "+sentinel") {
		return openSentinel(rawURL)
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, password included.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return nil, fmt.Errorf("throttle: open redis: %w", err)
	}
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}

// Allow counts a hit on key against r. Any failure to reach Redis or to
// understand its reply is an error wrapping ErrUnavailable (and the cause,
// such as context.DeadlineExceeded).
func (l *Redis) Allow(ctx context.Context, key string, r Rate) (Decision, error) {
	if err := r.validate(); err != nil {
		return Decision{}, fmt.Errorf("throttle: redis allow: %w", err)
	}
	if r.Off() {
		return unlimited(), nil
	}
	if l.client == nil {
		return Decision{}, fmt.Errorf("%w: no redis client", ErrUnavailable)
	}
	id := keyID(key)
	reply, err := l.script.Run(ctx, l.client,
		[]string{l.prefix + hex.EncodeToString(id[:])},
		strconv.FormatInt(l.now().UnixMicro(), 10),
		strconv.FormatInt(r.Per.Microseconds(), 10),
		strconv.Itoa(r.N),
	).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("%w: redis: %w", ErrUnavailable, err)
	}
	if len(reply) != 3 {
		return Decision{}, fmt.Errorf("%w: redis: unexpected reply %v", ErrUnavailable, reply)
	}
	return Decision{
		Allowed:    reply[0] == 1,
		RetryAfter: time.Duration(reply[1]) * time.Microsecond,
		Remaining:  int(reply[2]),
	}, nil
}

// Undo takes back the newest admitted hit on key (see Memory.Undo), in one command: the log's
// head is its newest hit. The key's expiry stays that of the hit taken back, a little long at
// worst. Failures wrap ErrUnavailable.
func (l *Redis) Undo(ctx context.Context, key string) error {
	if l.client == nil {
		return fmt.Errorf("%w: no redis client", ErrUnavailable)
	}
	id := keyID(key)
	if err := l.client.LPop(ctx, l.prefix+hex.EncodeToString(id[:])).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("%w: redis: %w", ErrUnavailable, err)
	}
	return nil
}
