package password

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// scryptKeyLen is the dklen Django's ScryptPasswordHasher passes to hashlib.scrypt.
const scryptKeyLen = 64

// parseScrypt reads what Django 4's ScryptPasswordHasher stores after the
// algorithm:
//
//	<n>$<salt>$<r>$<p>$<base64 of a 64-byte key>
//
// The salt is used as the text it is; the key is padded standard base64.
func (h *Hasher) parseScrypt(rest string) (check, error) {
	f := strings.SplitN(rest, "$", 6)
	if len(f) != 5 {
		return check{}, fmt.Errorf("%w: scrypt needs 5 fields after the algorithm, got %d", ErrMalformed, len(f))
	}
	n, err := parseDecimal(f[0], "scrypt n")
	if err != nil {
		return check{}, err
	}
	r, err := parseDecimal(f[2], "scrypt r")
	if err != nil {
		return check{}, err
	}
	p, err := parseDecimal(f[3], "scrypt p")
	if err != nil {
		return check{}, err
	}
	if err := h.limits.checkScrypt(n, r, p); err != nil {
		return check{}, err
	}
	salt, hash64 := f[1], f[4]
	if salt == "" || len(salt) > maxSaltBytes {
		return check{}, fmt.Errorf("%w: scrypt salt is not 1 to %d bytes", ErrMalformed, maxSaltBytes)
	}
	if want, err := b64Std.DecodeString(hash64); err != nil || len(want) != scryptKeyLen {
		return check{}, fmt.Errorf("%w: scrypt hash is not %d bytes of padded base64", ErrMalformed, scryptKeyLen)
	}
	return check{run: func(password string) (bool, error) {
		key, err := scrypt.Key([]byte(password), []byte(salt), int(n), int(r), int(p), scryptKeyLen)
		if err != nil {
			return false, fmt.Errorf("%w: scrypt: %v", ErrMalformed, err)
		}
		return equal([]byte(b64Std.EncodeToString(key)), []byte(hash64)), nil
	}}, nil
}
