package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"strings"
)

// parsePBKDF2 reads what Django's PBKDF2PasswordHasher and
// PBKDF2SHA1PasswordHasher store after the algorithm:
//
//	<iterations>$<salt>$<base64 of the key>
//
// The salt is used as the text it is; the key is as long as the digest
// (Django's pbkdf2 with dklen=None) in padded standard base64.
func (h *Hasher) parsePBKDF2(alg, rest string) (check, error) {
	f := strings.SplitN(rest, "$", 4)
	if len(f) != 3 {
		return check{}, fmt.Errorf("%w: %s needs 3 fields after the algorithm, got %d", ErrMalformed, alg, len(f))
	}
	iter, err := parseDecimal(f[0], alg+" iterations")
	if err != nil {
		return check{}, err
	}
	if iter < 1 || iter > h.limits.pbkdf2MaxIter {
		return check{}, fmt.Errorf("%w: %s iterations %d outside [1, %d]", ErrMalformed, alg, iter, h.limits.pbkdf2MaxIter)
	}
	salt, hash64 := f[1], f[2]
	if salt == "" || len(salt) > maxSaltBytes {
		return check{}, fmt.Errorf("%w: %s salt is not 1 to %d bytes", ErrMalformed, alg, maxSaltBytes)
	}
	var digest func() hash.Hash
	var size int
	if alg == algPBKDF2SHA1 {
		digest, size = sha1.New, sha1.Size
	} else {
		digest, size = sha256.New, sha256.Size
	}
	if want, err := b64Std.DecodeString(hash64); err != nil || len(want) != size {
		return check{}, fmt.Errorf("%w: %s hash is not %d bytes of padded base64", ErrMalformed, alg, size)
	}
	return check{run: func(password string) (bool, error) {
		key, err := pbkdf2.Key(digest, password, []byte(salt), int(iter), size)
		if err != nil {
			return false, fmt.Errorf("password: %s: %w", alg, err)
		}
		// Django compares its re-encoded string; comparing the base64 text
		// is the same test.
		return equal([]byte(b64Std.EncodeToString(key)), []byte(hash64)), nil
	}}, nil
}
