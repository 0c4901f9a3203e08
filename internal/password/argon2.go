package password

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2 varieties as argon2-cffi names them in the PHC string.
const (
	argon2idVariety = "argon2id"
	argon2iVariety  = "argon2i"
	argon2dVariety  = "argon2d"
)

// parseArgon2 reads what Django's Argon2PasswordHasher stores after
// "argon2$": argon2-cffi's PHC string without its leading "$",
//
//	argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
//
// with salt and hash in standard base64 without padding. The hash length is
// the decoded hash's, as argon2-cffi verifies it.
func (h *Hasher) parseArgon2(rest string) (check, error) {
	f := strings.SplitN(rest, "$", 6)
	if len(f) == 4 && strings.HasPrefix(f[1], "m=") {
		// argon2-cffi before 16.0 wrote no version: Argon2 1.0 (0x10), which
		// golang.org/x/crypto/argon2 does not implement.
		return check{}, fmt.Errorf("%w: argon2 version 16", ErrUnknownAlgorithm)
	}
	if len(f) != 5 {
		return check{}, fmt.Errorf("%w: argon2 needs 5 fields after the algorithm, got %d", ErrMalformed, len(f))
	}
	variety, version, params, salt64, hash64 := f[0], f[1], f[2], f[3], f[4]

	var derive func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	switch variety {
	case argon2idVariety:
		derive = argon2.IDKey
	case argon2iVariety:
		derive = argon2.Key
	case argon2dVariety:
		return check{}, fmt.Errorf("%w: argon2d is not supported", ErrUnknownAlgorithm)
	default:
		return check{}, fmt.Errorf("%w: argon2 variety is not argon2id, argon2i or argon2d", ErrMalformed)
	}
	switch version {
	case "v=19":
	case "v=16":
		return check{}, fmt.Errorf("%w: argon2 version 16", ErrUnknownAlgorithm)
	default:
		return check{}, fmt.Errorf("%w: argon2 version field is not v=19", ErrMalformed)
	}

	m, t, p, err := parseArgon2Params(params)
	if err != nil {
		return check{}, err
	}
	if err := h.limits.checkArgon2(t, m, p); err != nil {
		return check{}, err
	}
	salt, err := b64Raw.DecodeString(salt64)
	if err != nil || len(salt) < argon2MinSalt || len(salt) > maxSaltBytes {
		return check{}, fmt.Errorf("%w: argon2 salt is not %d to %d bytes of unpadded base64", ErrMalformed, argon2MinSalt, maxSaltBytes)
	}
	want, err := b64Raw.DecodeString(hash64)
	if err != nil || len(want) < argon2MinKey || len(want) > maxKeyBytes {
		return check{}, fmt.Errorf("%w: argon2 hash is not %d to %d bytes of unpadded base64", ErrMalformed, argon2MinKey, maxKeyBytes)
	}

	own := h.params
	current := variety == argon2idVariety &&
		t == uint64(own.Time) && m == uint64(own.MemoryKiB) && p == uint64(own.Threads) &&
		len(want) == int(own.KeyLen) && len(salt) >= own.SaltLen
	return check{
		current: current,
		run: func(password string) (bool, error) {
			got := derive([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
			return equal(got, want), nil
		},
	}, nil
}

// parseArgon2Params reads "m=<KiB>,t=<passes>,p=<lanes>" in argon2-cffi's order.
func parseArgon2Params(s string) (m, t, p uint64, err error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf("%w: argon2 parameters are not m=,t=,p=", ErrMalformed)
	}
	var out [3]uint64
	for i, key := range [3]string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(f[i], key)
		if !ok {
			return 0, 0, 0, fmt.Errorf("%w: argon2 parameters are not m=,t=,p=", ErrMalformed)
		}
		if out[i], err = parseDecimal(v, "argon2 "+key[:1]); err != nil {
			return 0, 0, 0, err
		}
	}
	return out[0], out[1], out[2], nil
}
