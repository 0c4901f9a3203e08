package password

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt's modular crypt string: "$2b$12$" then 22 characters of salt and 31
// of checksum in bcrypt's own base64 alphabet.
const (
	bcryptLen      = 60
	bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	bcryptMinCost  = 4
	bcryptMaxInput = 72 // bcrypt reads no further
)

// parseBcrypt reads what Django's BCryptSHA256PasswordHasher (preHash) and
// BCryptPasswordHasher store after the algorithm: an empty field and the
// bcrypt string, as in "bcrypt_sha256$$2b$12$…". The SHA-256 variant feeds
// bcrypt the hex SHA-256 digest of the password (Django ticket #20138); the
// plain one the password itself, of which bcrypt reads only 72 bytes.
func (h *Hasher) parseBcrypt(preHash bool, rest string) (check, error) {
	alg := algBcrypt
	if preHash {
		alg = algBcryptSHA256
	}
	if len(rest) != bcryptLen || rest[0] != '$' || rest[1] != '2' || !strings.ContainsRune("aby", rune(rest[2])) ||
		rest[3] != '$' || rest[6] != '$' {
		return check{}, fmt.Errorf("%w: %s is not \"$$2b$<cost>$\" and 53 characters", ErrMalformed, alg)
	}
	cost, err := parseDecimal(strings.TrimPrefix(rest[4:6], "0"), alg+" cost")
	if err != nil {
		return check{}, err
	}
	if cost < bcryptMinCost || cost > uint64(h.limits.bcryptMaxCost) {
		return check{}, fmt.Errorf("%w: %s cost %d outside [%d, %d]", ErrMalformed, alg, cost, bcryptMinCost, h.limits.bcryptMaxCost)
	}
	if strings.Trim(rest[7:], bcryptAlphabet) != "" {
		return check{}, fmt.Errorf("%w: %s salt and checksum are not bcrypt base64", ErrMalformed, alg)
	}
	stored := []byte(rest)
	return check{run: func(password string) (bool, error) {
		in := []byte(password)
		if preHash {
			sum := sha256.Sum256(in)
			in = []byte(hex.EncodeToString(sum[:]))
		} else if strings.IndexByte(password, 0) >= 0 {
			// Python's bcrypt refuses NUL bytes, so no stored hash has one.
			return false, nil
		}
		if len(in) > bcryptMaxInput {
			in = in[:bcryptMaxInput]
		}
		// CompareHashAndPassword compares with subtle.ConstantTimeCompare.
		err := bcrypt.CompareHashAndPassword(stored, in)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		default:
			return false, fmt.Errorf("%w: %s: %v", ErrMalformed, alg, err)
		}
	}}, nil
}
