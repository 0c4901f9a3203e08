package password

import (
	"errors"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary encoded strings and passwords to Verify: it must
// never panic, and its results must keep their documented shape. The limits
// are tightened so that a mutated but valid string stays cheap to check.
func FuzzVerify(f *testing.F) {
	for _, v := range loadVectors(f) {
		if v.cheap() {
			f.Add(v.Checks[0].Password, v.Encoded)
		}
	}
	for _, enc := range []string{
		"", "!", "$", "$$$$$", "argon2", "argon2$", "argon2$argon2id$v=19$m=,t=,p=$$",
		"argon2$argon2id$v=19$m=4000000000,t=4000000000,p=255$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"pbkdf2_sha256$1000000000000$salt$AAAA", "pbkdf2_sha1$$$", "bcrypt$$2b$31$" + "A", "bcrypt_sha256$",
		"scrypt$1073741824$salt$8$1$AAAA", "scrypt$16$s$1$1$", "md5$salt$hash", "\x00\xff$\x00",
	} {
		f.Add("pw", enc)
	}
	h := newHasher(f, Options{Params: cheapParams, MaxConcurrent: 1, QueueTimeout: time.Minute})
	h.limits = limits{
		argon2MaxTime: 2, argon2MaxMemoryKiB: 1024, argon2MaxWork: 1024, argon2MaxThreads: 4,
		pbkdf2MaxIter: 2000, bcryptMaxCost: 5,
		scryptMaxN: 1024, scryptMaxR: 8, scryptMaxP: 2, scryptMaxMemory: 1 << 20, scryptMaxWork: 1 << 20,
	}
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, rehash, err := h.Verify(t.Context(), password, encoded)
		switch {
		case err != nil && (ok || rehash):
			t.Fatalf("Verify(%q, %q) = %v, %v with error %v", password, encoded, ok, rehash, err)
		case err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownAlgorithm):
			t.Fatalf("Verify(%q, %q): unexpected error %v", password, encoded, err)
		case rehash && !ok:
			t.Fatalf("Verify(%q, %q): needsRehash without a match", password, encoded)
		case !Usable(encoded) && (ok || err != nil):
			t.Fatalf("Verify(%q, %q) of an unusable password = %v, %v", password, encoded, ok, err)
		}
		if h.InFlight() != 0 {
			t.Fatalf("InFlight = %d after Verify returned", h.InFlight())
		}
	})
}
