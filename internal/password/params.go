package password

// Params are argon2id parameters (RFC 9106).
type Params struct {
	// Time is the number of passes over memory.
	Time uint32
	// MemoryKiB is the memory used per hash, in KiB.
	MemoryKiB uint32
	// Threads is the degree of parallelism (argon2's lanes).
	Threads uint8
	// KeyLen is the length of the derived hash in bytes.
	KeyLen uint32
	// SaltLen is the salt length in characters of [a-zA-Z0-9], as Django makes
	// salts; Django asks for 128 bits of entropy (salt_entropy), so at least 22
	// characters, and flags shorter salts for an update.
	SaltLen int
}

// DefaultParams returns OWASP's argon2id recommendation: m=19456 KiB (19 MiB),
// t=2, p=1, a 32-byte hash and Django's 22-character salt.
func DefaultParams() Params {
	return Params{Time: 2, MemoryKiB: 19456, Threads: 1, KeyLen: 32, SaltLen: minSaltChars}
}

// minSaltChars is the shortest salt with 128 bits of entropy from a
// 62-letter alphabet: ceil(128 / log2(62)), Django's must_update_salt.
const minSaltChars = 22

// saltAlphabet is Django's RANDOM_STRING_CHARS.
const saltAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (p Params) withDefaults() Params {
	d := DefaultParams()
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.MemoryKiB == 0 {
		p.MemoryKiB = d.MemoryKiB
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	return p
}
