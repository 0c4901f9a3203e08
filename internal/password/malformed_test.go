package password

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// setField replaces the i-th "$"-separated field of enc.
func setField(enc string, i int, v string) string {
	f := strings.Split(enc, "$")
	f[i] = v
	return strings.Join(f, "$")
}

// templates returns the first cheap Django vector of each kind, by name.
func templates(t *testing.T) map[string]djangoVector {
	t.Helper()
	out := map[string]djangoVector{}
	for _, v := range loadVectors(t) {
		if _, dup := out[v.Name]; !dup && v.cheap() {
			out[v.Name] = v
		}
	}
	return out
}

// TestVerifyMalformed: strings that do not parse, or ask for absurd work, are
// refused with the right sentinel, quickly, and never match.
func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	tpl := templates(t)
	a2 := tpl["argon2id-cheap"].Encoded // argon2$argon2id$v=19$m=64,t=1,p=2$salt$hash
	pb := tpl["pbkdf2_sha256-cheap"].Encoded
	pb1 := tpl["pbkdf2_sha1-cheap"].Encoded
	bc := tpl["bcrypt-cheap"].Encoded // bcrypt$$2b$04$…
	bs := tpl["bcrypt_sha256-cheap"].Encoded
	sc := tpl["scrypt-cheap"].Encoded // scrypt$16$salt$1$1$hash
	salt8 := "c2FsdHNhbHQ"            // "saltsalt"
	long := strings.Repeat("A", 2000)

	tests := []struct {
		name, enc string
		want      error
	}{
		{"empty", "", ErrUnknownAlgorithm},
		{"plaintext", "hunter2", ErrUnknownAlgorithm},
		{"unsalted md5", "5f4dcc3b5aa765d61d8327deb882cf99", ErrUnknownAlgorithm},
		{"md5", "md5$salt$1a1dc91c907325c69271ddf0c944bc72", ErrUnknownAlgorithm},
		{"unsalted sha1", "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", ErrUnknownAlgorithm},
		{"crypt", "crypt$$ab1234567890", ErrUnknownAlgorithm},
		{"upper-case algorithm", "ARGON2" + strings.TrimPrefix(a2, "argon2"), ErrUnknownAlgorithm},
		{"algorithm only", "argon2", ErrMalformed},
		{"algorithm and $", "pbkdf2_sha256$", ErrMalformed},

		{"argon2d", setField(a2, 1, "argon2d"), ErrUnknownAlgorithm},
		{"argon2 1.0 without version", strings.Replace(a2, "$v=19", "", 1), ErrUnknownAlgorithm},
		{"argon2 v=16", setField(a2, 2, "v=16"), ErrUnknownAlgorithm},
		{"argon2 v=20", setField(a2, 2, "v=20"), ErrMalformed},
		{"argon2 variety", setField(a2, 1, "argon2x"), ErrMalformed},
		{"argon2 memory 4e9", setField(a2, 3, "m=4000000000,t=1,p=1"), ErrMalformed},
		{"argon2 memory above cap", setField(a2, 3, "m=262145,t=1,p=1"), ErrMalformed},
		{"argon2 memory overflow", setField(a2, 3, "m=99999999999999999999999,t=1,p=1"), ErrMalformed},
		{"argon2 memory below 8p", setField(a2, 3, "m=15,t=1,p=2"), ErrMalformed},
		{"argon2 time 0", setField(a2, 3, "m=64,t=0,p=1"), ErrMalformed},
		{"argon2 time 1e9", setField(a2, 3, "m=64,t=1000000000,p=1"), ErrMalformed},
		{"argon2 work", setField(a2, 3, "m=262144,t=16,p=1"), ErrMalformed},
		{"argon2 parallelism 0", setField(a2, 3, "m=64,t=1,p=0"), ErrMalformed},
		{"argon2 parallelism 256", setField(a2, 3, "m=4096,t=1,p=256"), ErrMalformed},
		{"argon2 order", setField(a2, 3, "t=1,m=64,p=2"), ErrMalformed},
		{"argon2 leading zero", setField(a2, 3, "m=064,t=1,p=2"), ErrMalformed},
		{"argon2 sign", setField(a2, 3, "m=+64,t=1,p=2"), ErrMalformed},
		{"argon2 space", setField(a2, 3, "m=64, t=1,p=2"), ErrMalformed},
		{"argon2 empty number", setField(a2, 3, "m=,t=1,p=2"), ErrMalformed},
		{"argon2 extra param", setField(a2, 3, "m=64,t=1,p=2,keyid=x"), ErrMalformed},
		{"argon2 missing field", strings.Join(strings.Split(a2, "$")[:5], "$"), ErrMalformed},
		{"argon2 extra field", a2 + "$x", ErrMalformed},
		{"argon2 salt too short", setField(a2, 4, "c2FsdA"), ErrMalformed},
		{"argon2 salt padded", setField(a2, 4, salt8+"="), ErrMalformed},
		{"argon2 salt not base64", setField(a2, 4, "c2Fsd!NhbHQ"), ErrMalformed},
		{"argon2 salt url alphabet", setField(a2, 4, "c2Fsd_NhbHQ"), ErrMalformed},
		{"argon2 salt too long", setField(a2, 4, long), ErrMalformed},
		{"argon2 hash too short", setField(a2, 5, "AAA"), ErrMalformed},
		{"argon2 hash empty", setField(a2, 5, ""), ErrMalformed},
		{"argon2 hash non-canonical bits", setField(a2, 5, "AAAAAB"), ErrMalformed},

		{"pbkdf2 iterations 1e12", setField(pb, 1, "1000000000000"), ErrMalformed},
		{"pbkdf2 iterations above cap", setField(pb, 1, "5000001"), ErrMalformed},
		{"pbkdf2 iterations 0", setField(pb, 1, "0"), ErrMalformed},
		{"pbkdf2 iterations negative", setField(pb, 1, "-1000"), ErrMalformed},
		{"pbkdf2 iterations float", setField(pb, 1, "1e3"), ErrMalformed},
		{"pbkdf2 iterations leading zero", setField(pb, 1, "01000"), ErrMalformed},
		{"pbkdf2 iterations empty", setField(pb, 1, ""), ErrMalformed},
		{"pbkdf2 salt empty", setField(pb, 2, ""), ErrMalformed},
		{"pbkdf2 salt too long", setField(pb, 2, long), ErrMalformed},
		{"pbkdf2 hash unpadded", setField(pb, 3, strings.TrimRight(strings.Split(pb, "$")[3], "=")), ErrMalformed},
		{"pbkdf2 hash short", setField(pb, 3, "QUFBQQ=="), ErrMalformed},
		{"pbkdf2 hash not base64", setField(pb, 3, "!!!!"), ErrMalformed},
		{"pbkdf2 sha1 with a sha256 hash", setField(pb1, 3, strings.Split(pb, "$")[3]), ErrMalformed},
		{"pbkdf2 extra field", pb + "$x", ErrMalformed},
		{"pbkdf2 missing field", strings.Join(strings.Split(pb, "$")[:3], "$"), ErrMalformed},

		{"bcrypt cost 31", strings.Replace(bc, "$04$", "$31$", 1), ErrMalformed},
		{"bcrypt cost above cap", strings.Replace(bc, "$04$", "$16$", 1), ErrMalformed},
		{"bcrypt cost 3", strings.Replace(bc, "$04$", "$03$", 1), ErrMalformed},
		{"bcrypt cost letters", strings.Replace(bc, "$04$", "$0a$", 1), ErrMalformed},
		{"bcrypt 2x", strings.Replace(bc, "$2b$", "$2x$", 1), ErrMalformed},
		{"bcrypt 3b", strings.Replace(bc, "$2b$", "$3b$", 1), ErrMalformed},
		{"bcrypt no empty field", strings.Replace(bc, "bcrypt$$", "bcrypt$", 1), ErrMalformed},
		{"bcrypt short", bc[:len(bc)-1], ErrMalformed},
		{"bcrypt long", bc + "A", ErrMalformed},
		{"bcrypt bad character", bc[:len(bc)-1] + "!", ErrMalformed},
		{"bcrypt empty", "bcrypt$", ErrMalformed},
		{"bcrypt_sha256 cost 31", strings.Replace(bs, "$04$", "$31$", 1), ErrMalformed},
		{"bcrypt_sha256 short", bs[:len(bs)-3], ErrMalformed},

		{"scrypt n not a power of two", setField(sc, 1, "17"), ErrMalformed},
		{"scrypt n 1", setField(sc, 1, "1"), ErrMalformed},
		{"scrypt n 2^30", setField(sc, 1, "1073741824"), ErrMalformed},
		{"scrypt memory", setField(setField(sc, 1, "1048576"), 3, "32"), ErrMalformed},
		{"scrypt work", setField(setField(sc, 1, "262144"), 4, "16"), ErrMalformed},
		{"scrypt r 0", setField(sc, 3, "0"), ErrMalformed},
		{"scrypt p 0", setField(sc, 4, "0"), ErrMalformed},
		{"scrypt p 1000", setField(sc, 4, "1000"), ErrMalformed},
		{"scrypt empty salt", setField(sc, 2, ""), ErrMalformed},
		{"scrypt hash short", setField(sc, 5, "QUFBQQ=="), ErrMalformed},
		{"scrypt missing field", strings.Join(strings.Split(sc, "$")[:5], "$"), ErrMalformed},
		{"scrypt extra field", sc + "$x", ErrMalformed},
	}
	h := cheapHasher(t)
	for _, tt := range tests {
		ok, rehash, err := h.Verify(ctx(t), "s3cret", tt.enc)
		if !errors.Is(err, tt.want) || ok || rehash {
			t.Errorf("%s: Verify(%q) = %v, %v, %v; want false, false, %v", tt.name, tt.enc, ok, rehash, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %q contains the password", tt.name, err)
		}
	}
	// Each template really verifies, so the failures above come from the mutation.
	for _, enc := range []string{a2, pb, pb1, bc, bs, sc} {
		if ok, _, err := h.Verify(ctx(t), "s3cret", enc); !ok || err != nil {
			t.Errorf("template %q: ok=%v err=%v", enc, ok, err)
		}
	}
}

// TestErrorsDoNotEchoSecrets: an unknown format may be a bare hash or a
// plaintext password stored by mistake; its text must stay out of errors.
func TestErrorsDoNotEchoSecrets(t *testing.T) {
	t.Parallel()
	h := cheapHasher(t)
	for _, enc := range []string{"MyPlaintextPassword", "secret$stuff", "5f4dcc3b5aa765d61d8327deb882cf99", "Sup3r$ecret!"} {
		_, _, err := h.Verify(ctx(t), "pw", enc)
		if !errors.Is(err, ErrUnknownAlgorithm) {
			t.Fatalf("Verify(%q) err = %v, want ErrUnknownAlgorithm", enc, err)
		}
		secret, _, _ := strings.Cut(enc, "$")
		if secret != "secret" && strings.Contains(err.Error(), secret) {
			t.Errorf("error %q echoes %q", err, secret)
		}
	}
	_, _, err := h.Verify(ctx(t), "pw", "md5$salt$hash")
	if err == nil || !strings.Contains(err.Error(), `"md5"`) {
		t.Errorf("error for an md5 hash = %v, want it to name \"md5\"", err)
	}
}

// TestMalformedIsRefusedWhileBusy: parsing comes before the queue, so a
// broken row answers at once even when every slot is taken.
func TestMalformedIsRefusedWhileBusy(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{Params: cheapParams, MaxConcurrent: 1, QueueTimeout: time.Hour})
	if err := h.slots.acquire(ctx(t)); err != nil {
		t.Fatal(err)
	}
	defer h.slots.release()
	_, _, err := h.Verify(ctx(t), "pw", "argon2$argon2id$v=19$m=4000000000,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("err = %v, want ErrMalformed", err)
	}
}
