// Package password hashes and verifies passwords in Django's encoded "algorithm$…" form.
package password

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"
)

var (
	// ErrBusy reports that no hashing slot came free within the queue timeout;
	// the caller should answer "try again later", not "wrong password".
	ErrBusy = errors.New("password: too many password checks in flight")
	// ErrUnknownAlgorithm reports an encoded password of an algorithm, variant or
	// version this package cannot check; the caller should treat it as a wrong password.
	ErrUnknownAlgorithm = errors.New("password: unknown hashing algorithm")
	// ErrMalformed reports an encoded password that does not parse or whose
	// parameters are outside the limits this package is willing to spend.
	ErrMalformed = errors.New("password: malformed encoded password")
)

// DefaultQueueTimeout is the QueueTimeout of Options that leave it zero.
const DefaultQueueTimeout = 5 * time.Second

// Options configures a Hasher. Zero fields take their defaults.
type Options struct {
	// Params are the argon2id parameters of new hashes; see DefaultParams.
	Params Params
	// MaxConcurrent bounds the hashes and verifications computed at once, so
	// memory stays at MaxConcurrent × Params.MemoryKiB under a login flood.
	// Default runtime.GOMAXPROCS(0).
	MaxConcurrent int
	// QueueTimeout is how long a call waits for a free slot before it fails
	// with ErrBusy. Default DefaultQueueTimeout.
	QueueTimeout time.Duration
	// Rand is the source of salts and unusable passwords. Default crypto/rand.Reader.
	Rand io.Reader
}

// Hasher makes argon2id hashes and verifies every format Django's default
// hashers produce. It is safe for concurrent use.
type Hasher struct {
	params Params
	limits limits
	slots  *slots
	rand   io.Reader
}

// New returns a Hasher for opts, or an error naming the first invalid option.
func New(opts Options) (*Hasher, error) {
	h := &Hasher{
		params: opts.Params.withDefaults(),
		limits: defaultLimits(),
		rand:   opts.Rand,
	}
	if err := h.limits.checkParams(h.params); err != nil {
		return nil, err
	}
	if h.rand == nil {
		h.rand = rand.Reader
	}
	n := opts.MaxConcurrent
	switch {
	case n < 0:
		return nil, fmt.Errorf("password: Options.MaxConcurrent %d is negative", n)
	case n == 0:
		n = runtime.GOMAXPROCS(0)
	}
	timeout := opts.QueueTimeout
	switch {
	case timeout < 0:
		return nil, fmt.Errorf("password: Options.QueueTimeout %s is negative", timeout)
	case timeout == 0:
		timeout = DefaultQueueTimeout
	}
	h.slots = newSlots(n, timeout)
	return h, nil
}

// Params returns the argon2id parameters of new hashes, defaults filled in.
func (h *Hasher) Params() Params { return h.params }

// InFlight returns how many hashes and verifications are being computed now,
// for metrics; it never exceeds Options.MaxConcurrent.
func (h *Hasher) InFlight() int { return h.slots.inFlight() }

// Queued returns how many calls are waiting for a slot, for metrics: a
// growing queue means logins arrive faster than they can be checked.
func (h *Hasher) Queued() int { return h.slots.queued() }
