package password

import (
	"errors"
	"strings"
	"testing"
)

// TestDjangoVectors checks every hash Django made against Django's own
// verdicts: the right password, near misses, and for raw bcrypt the
// passwords that differ only past byte 72, which Django also accepts.
func TestDjangoVectors(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{QueueTimeout: 0}) // default params: the authgate-default vector is current
	seen := map[string]bool{}
	for _, v := range loadVectors(t) {
		seen[strings.SplitN(v.Encoded, "$", 3)[0]+"/"+v.Name] = true
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			for _, c := range v.Checks {
				ok, rehash, err := h.Verify(ctx(t), c.Password, v.Encoded)
				if err != nil {
					t.Fatalf("Verify(%q, %s): %v", c.Password, v.Encoded, err)
				}
				if ok != c.Accepts {
					t.Errorf("Verify(%q, %s) = %v, Django says %v", c.Password, v.Encoded, ok, c.Accepts)
				}
				wantRehash := ok && v.Name != "argon2id-authgate-default"
				if rehash != wantRehash {
					t.Errorf("Verify(%q, %s) needsRehash = %v, want %v", c.Password, v.Encoded, rehash, wantRehash)
				}
			}
		})
	}
	// The vector file must keep covering every format Verify accepts.
	for _, alg := range []string{"argon2/argon2id-", "argon2/argon2i-", "pbkdf2_sha256/", "pbkdf2_sha1/", "bcrypt_sha256/", "bcrypt/", "scrypt/"} {
		found := false
		for k := range seen {
			found = found || strings.HasPrefix(k, alg)
		}
		if !found {
			t.Errorf("no Django vector for %s", alg)
		}
	}
}

// TestDjangoVectorsTampered flips one character of each cheap vector's hash
// and expects a mismatch or ErrMalformed, never a match.
func TestDjangoVectorsTampered(t *testing.T) {
	t.Parallel()
	h := cheapHasher(t)
	for _, v := range loadVectors(t) {
		if !v.cheap() {
			continue
		}
		enc := []byte(v.Encoded)
		i := len(enc) - 5 // inside the hash, before any base64 padding
		if enc[i] == 'A' {
			enc[i] = 'B'
		} else {
			enc[i] = 'A'
		}
		ok, _, err := h.Verify(ctx(t), v.Checks[0].Password, string(enc))
		if ok || (err != nil && !errors.Is(err, ErrMalformed)) {
			t.Errorf("%s tampered: ok=%v err=%v", v.Name, ok, err)
		}
	}
}
