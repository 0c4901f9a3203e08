package password

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Algorithm names as Django writes them before the first "$".
const (
	algArgon2       = "argon2"
	algPBKDF2SHA256 = "pbkdf2_sha256"
	algPBKDF2SHA1   = "pbkdf2_sha1"
	algBcryptSHA256 = "bcrypt_sha256"
	algBcrypt       = "bcrypt"
	algScrypt       = "scrypt"
)

var (
	b64Raw = base64.RawStdEncoding.Strict()
	b64Std = base64.StdEncoding.Strict()
)

// check is an encoded password whose parameters passed the limits; run does
// the expensive part and must be called while holding a slot.
type check struct {
	run func(password string) (bool, error)
	// current is true for argon2id at exactly the Hasher's parameters.
	current bool
}

// Verify reports whether password matches encoded, which may be in any form
// Django's default hashers write: argon2 (argon2id, argon2i), pbkdf2_sha256,
// pbkdf2_sha1, bcrypt_sha256, bcrypt and Django 4's scrypt.
//
// needsRehash is true when the password matched but encoded is not argon2id
// at the Hasher's parameters; the caller should then store Hash(password), as
// Django's check_password calls its setter.
//
// An unusable password ("!…") never matches and err is nil. An unknown
// algorithm gives ErrUnknownAlgorithm; both first spend the work of
// VerifyDummy so that their timing does not stand out, as Django does. A
// string that does not parse, or asks for more work than the limits allow,
// gives ErrMalformed at once. Waiting for a slot gives ErrBusy or the
// context's error. ok and needsRehash are false whenever err is not nil.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	if !Usable(encoded) {
		return false, false, h.VerifyDummy(ctx, password)
	}
	c, err := h.parse(encoded)
	if errors.Is(err, ErrUnknownAlgorithm) {
		if derr := h.VerifyDummy(ctx, password); derr != nil {
			return false, false, derr
		}
		return false, false, err
	}
	if err != nil {
		return false, false, err
	}
	if err := h.slots.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.slots.release()
	ok, err = c.run(password)
	if err != nil {
		return false, false, err
	}
	return ok, ok && !c.current, nil
}

// VerifyDummy spends the work of a Verify against an argon2id hash at the
// Hasher's parameters, and holds a slot like it. Call it when the user does
// not exist, so that a login for an unknown account takes as long as one for
// a known account and does not reveal which accounts exist. It returns the
// error a real Verify would return while waiting for a slot (ErrBusy or the
// context's), so that the caller can answer both cases alike.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	if err := h.slots.acquire(ctx); err != nil {
		return err
	}
	defer h.slots.release()
	p := h.params
	key := argon2.IDKey([]byte(password), []byte(dummySalt), p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	// The comparison is part of the work a real Verify does; its result is meaningless.
	subtle.ConstantTimeCompare(key, make([]byte, p.KeyLen))
	return nil
}

// dummySalt has the length of a default salt; no stored hash uses it.
const dummySalt = "authgateDummySalt00000"

// parse dispatches on the algorithm named before the first "$".
func (h *Hasher) parse(encoded string) (check, error) {
	alg, rest, _ := strings.Cut(encoded, "$")
	switch alg {
	case algArgon2:
		return h.parseArgon2(rest)
	case algPBKDF2SHA256:
		return h.parsePBKDF2(alg, rest)
	case algPBKDF2SHA1:
		return h.parsePBKDF2(alg, rest)
	case algBcryptSHA256:
		return h.parseBcrypt(true, rest)
	case algBcrypt:
		return h.parseBcrypt(false, rest)
	case algScrypt:
		return h.parseScrypt(rest)
	}
	return check{}, fmt.Errorf("%w: %s", ErrUnknownAlgorithm, algorithmOf(encoded))
}

// algorithmOf names the algorithm of encoded for an error message. Only a
// short lower-case identifier before a "$" is echoed: anything else may be a
// bare hash or even a plaintext password stored by mistake, and errors get logged.
func algorithmOf(encoded string) string {
	alg, _, found := strings.Cut(encoded, "$")
	if !found || alg == "" || len(alg) > 32 || strings.Trim(alg, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		return "unrecognised format"
	}
	return strconv.Quote(alg)
}

// parseDecimal parses a canonical unsigned decimal: digits only, no sign, no
// leading zero. Django writes numbers with %d, and compares the whole string
// it re-encodes, so a non-canonical number could never match there either.
func parseDecimal(s, what string) (uint64, error) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: %s is not a canonical decimal", ErrMalformed, what)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %s is not a canonical decimal", ErrMalformed, what)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s out of range", ErrMalformed, what)
	}
	return n, nil
}

// equal compares secrets in constant time.
func equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
