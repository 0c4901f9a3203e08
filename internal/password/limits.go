package password

import (
	"fmt"
	"math"
)

// limits bound the work one verification may cost, whatever the stored
// string says, so a corrupt or hostile row cannot exhaust CPU or memory.
// Each default leaves room above the strongest setting a Django release ships
// and keeps one verification near or under two seconds of one core.
type limits struct {
	argon2MaxTime      uint32 // passes
	argon2MaxMemoryKiB uint32 // per hash
	argon2MaxWork      uint64 // passes × KiB
	argon2MaxThreads   uint32
	pbkdf2MaxIter      uint64
	bcryptMaxCost      int
	scryptMaxN         uint64
	scryptMaxR         uint64
	scryptMaxP         uint64
	scryptMaxMemory    uint64 // bytes, 128 × N × r
	scryptMaxWork      uint64 // bytes, 128 × N × r × p
}

func defaultLimits() limits {
	return limits{
		argon2MaxTime:      16,
		argon2MaxMemoryKiB: 256 << 10, // Django's default is 100 MiB
		argon2MaxWork:      1 << 20,   // 1 GiB-passes; Django's default is 200 MiB-passes
		argon2MaxThreads:   64,
		pbkdf2MaxIter:      5_000_000, // Django 5.2 uses 1,000,000
		bcryptMaxCost:      15,        // Django uses 12; each step doubles the work
		scryptMaxN:         1 << 20,
		scryptMaxR:         32,
		scryptMaxP:         16,
		scryptMaxMemory:    128 << 20, // Django's default is 16 MiB, OpenSSL's maxmem 32 MiB
		scryptMaxWork:      256 << 20, // Django's default is 80 MiB (p=5)
	}
}

// Sizes: argon2's minimum salt and tag (RFC 9106 section 3.1), the largest
// salt and hash a stored string may carry, and the shortest hash New accepts.
const (
	argon2MinSalt = 8
	argon2MinKey  = 4
	maxSaltBytes  = 1024
	maxKeyBytes   = 1024
	minOwnKeyLen  = 16
)

// checkParams validates the parameters of new hashes against the same limits
// Verify applies, so every hash this package makes it can also check.
func (l limits) checkParams(p Params) error {
	switch {
	case p.Time > l.argon2MaxTime:
		return fmt.Errorf("password: Params.Time %d above the limit of %d", p.Time, l.argon2MaxTime)
	case uint32(p.Threads) > l.argon2MaxThreads:
		return fmt.Errorf("password: Params.Threads %d above the limit of %d", p.Threads, l.argon2MaxThreads)
	case p.MemoryKiB < 8*uint32(p.Threads):
		return fmt.Errorf("password: Params.MemoryKiB %d below 8 × Params.Threads (%d)", p.MemoryKiB, 8*uint32(p.Threads))
	case p.MemoryKiB > l.argon2MaxMemoryKiB:
		return fmt.Errorf("password: Params.MemoryKiB %d above the limit of %d", p.MemoryKiB, l.argon2MaxMemoryKiB)
	case uint64(p.Time)*uint64(p.MemoryKiB) > l.argon2MaxWork:
		return fmt.Errorf("password: Params.Time × Params.MemoryKiB %d above the limit of %d", uint64(p.Time)*uint64(p.MemoryKiB), l.argon2MaxWork)
	case p.KeyLen < minOwnKeyLen || p.KeyLen > maxKeyBytes:
		return fmt.Errorf("password: Params.KeyLen %d outside [%d, %d]", p.KeyLen, minOwnKeyLen, maxKeyBytes)
	case p.SaltLen < minSaltChars || p.SaltLen > maxSaltBytes:
		return fmt.Errorf("password: Params.SaltLen %d outside [%d, %d] (Django wants 128 bits of salt)", p.SaltLen, minSaltChars, maxSaltBytes)
	}
	return nil
}

// checkArgon2 validates argon2 parameters read from a stored string.
func (l limits) checkArgon2(t, m, p uint64) error {
	switch {
	case t < 1 || t > uint64(l.argon2MaxTime):
		return fmt.Errorf("%w: argon2 time %d outside [1, %d]", ErrMalformed, t, l.argon2MaxTime)
	case p < 1 || p > uint64(l.argon2MaxThreads):
		return fmt.Errorf("%w: argon2 parallelism %d outside [1, %d]", ErrMalformed, p, l.argon2MaxThreads)
	case m < 8*p:
		return fmt.Errorf("%w: argon2 memory %d KiB below 8 × parallelism", ErrMalformed, m)
	case m > uint64(l.argon2MaxMemoryKiB):
		return fmt.Errorf("%w: argon2 memory %d KiB above the limit of %d", ErrMalformed, m, l.argon2MaxMemoryKiB)
	case t*m > l.argon2MaxWork:
		return fmt.Errorf("%w: argon2 time × memory %d above the limit of %d", ErrMalformed, t*m, l.argon2MaxWork)
	}
	return nil
}

// checkScrypt validates scrypt parameters read from a stored string.
func (l limits) checkScrypt(n, r, p uint64) error {
	switch {
	case n < 2 || n&(n-1) != 0 || n > l.scryptMaxN:
		return fmt.Errorf("%w: scrypt n %d is not a power of two in [2, %d]", ErrMalformed, n, l.scryptMaxN)
	case r < 1 || r > l.scryptMaxR:
		return fmt.Errorf("%w: scrypt r %d outside [1, %d]", ErrMalformed, r, l.scryptMaxR)
	case p < 1 || p > l.scryptMaxP:
		return fmt.Errorf("%w: scrypt p %d outside [1, %d]", ErrMalformed, p, l.scryptMaxP)
	}
	// n ≤ 2^20 and r ≤ 32 keep these products far from overflow; the guard
	// is for limits a test may loosen.
	if n > math.MaxUint64/128/r/p {
		return fmt.Errorf("%w: scrypt parameters overflow", ErrMalformed)
	}
	if mem := 128 * n * r; mem > l.scryptMaxMemory {
		return fmt.Errorf("%w: scrypt memory %d bytes above the limit of %d", ErrMalformed, mem, l.scryptMaxMemory)
	}
	if work := 128 * n * r * p; work > l.scryptMaxWork {
		return fmt.Errorf("%w: scrypt work %d above the limit of %d", ErrMalformed, work, l.scryptMaxWork)
	}
	return nil
}
