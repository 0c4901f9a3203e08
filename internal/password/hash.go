package password

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Django marks a password that can never match with this prefix followed by
// 40 random characters (UNUSABLE_PASSWORD_PREFIX, set_unusable_password).
const (
	unusablePrefix    = "!"
	unusableSuffixLen = 40
)

// Hash returns password hashed with argon2id at the Hasher's parameters, in
// the form Django's Argon2PasswordHasher stores:
//
//	argon2$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// where salt and hash are standard base64 without padding, as argon2-cffi
// writes them. It waits for a free slot like Verify, so it can fail with
// ErrBusy or the context's error.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.slots.acquire(ctx); err != nil {
		return "", err
	}
	defer h.slots.release()
	salt, err := randomString(h.rand, h.params.SaltLen)
	if err != nil {
		return "", err
	}
	p := h.params
	key := argon2.IDKey([]byte(password), []byte(salt), p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return fmt.Sprintf("%s$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		algArgon2, argon2idVariety, argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64Raw.EncodeToString([]byte(salt)), b64Raw.EncodeToString(key)), nil
}

// Unusable returns a fresh encoded password that never verifies, in Django's
// form: "!" and 40 random characters. The randomness keeps unusable rows
// distinct, as Django does since ticket #20079.
func (h *Hasher) Unusable() (string, error) {
	s, err := randomString(h.rand, unusableSuffixLen)
	if err != nil {
		return "", err
	}
	return unusablePrefix + s, nil
}

// Usable reports whether encoded may verify at all, like Django's
// is_password_usable: false for the "!" form of Unusable.
func Usable(encoded string) bool {
	return !strings.HasPrefix(encoded, unusablePrefix)
}
