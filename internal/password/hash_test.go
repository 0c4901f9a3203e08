package password

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHashFormat checks the exact shape of a hash at the default parameters.
func TestHashFormat(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{})
	enc, err := h.Hash(ctx(t), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^argon2\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]{30})\$[A-Za-z0-9+/]{43}$`)
	m := re.FindStringSubmatch(enc)
	if m == nil {
		t.Fatalf("Hash = %q, not Django's argon2id form at the default parameters", enc)
	}
	salt, err := base64.RawStdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-zA-Z0-9]{22}$`).Match(salt) {
		t.Errorf("salt %q is not 22 characters of Django's alphabet", salt)
	}
	ok, rehash, err := h.Verify(ctx(t), "correct horse battery staple", enc)
	if !ok || rehash || err != nil {
		t.Errorf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, rehash, err = h.Verify(ctx(t), "correct horse battery stapl", enc)
	if ok || rehash || err != nil {
		t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

// TestHashKnownAnswer feeds the random bytes that make the salt of the
// fixed-salt Django vector and expects Django's string byte for byte.
func TestHashKnownAnswer(t *testing.T) {
	t.Parallel()
	var want string
	for _, v := range loadVectors(t) {
		if v.Name == "argon2id-authgate-fixed-salt" {
			want = v.Encoded
		}
	}
	if want == "" {
		t.Fatal("no argon2id-authgate-fixed-salt vector")
	}
	seq := make([]byte, 64)
	for i := range seq {
		seq[i] = byte(i % 22) // salt "abcdefghijklmnopqrstuv"
	}
	h := newHasher(t, Options{Params: Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}, Rand: bytes.NewReader(seq)})
	got, err := h.Hash(ctx(t), "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Hash = %q\nDjango  %q", got, want)
	}
}

func TestHashRoundTrip(t *testing.T) {
	t.Parallel()
	h := cheapHasher(t)
	for _, pw := range []string{"", "s3cret", "pässwörd ✓ 🔑", "a$b$c", "nul\x00byte", strings.Repeat("long", 300)} {
		enc1, err := h.Hash(ctx(t), pw)
		if err != nil {
			t.Fatal(err)
		}
		enc2, err := h.Hash(ctx(t), pw)
		if err != nil {
			t.Fatal(err)
		}
		if enc1 == enc2 {
			t.Errorf("two hashes of %q are equal: the salt is not random", pw)
		}
		ok, rehash, err := h.Verify(ctx(t), pw, enc1)
		if !ok || rehash || err != nil {
			t.Errorf("Verify(%q) = %v, %v, %v; want true, false, nil", pw, ok, rehash, err)
		}
		ok, _, err = h.Verify(ctx(t), pw+"x", enc1)
		if ok || err != nil {
			t.Errorf("Verify(%q+x) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

// TestNeedsRehash verifies a hash made at cheapParams with Hashers whose
// parameters differ in one respect each.
func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	enc, err := cheapHasher(t).Hash(ctx(t), "pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		params Params
		want   bool
	}{
		{"same", cheapParams, false},
		{"time", Params{Time: 2, MemoryKiB: 64, Threads: 1}, true},
		{"memory", Params{Time: 1, MemoryKiB: 128, Threads: 1}, true},
		{"threads", Params{Time: 1, MemoryKiB: 64, Threads: 2}, true},
		{"key length", Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 16}, true},
		{"longer salt wanted", Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 30}, true},
	}
	for _, tt := range tests {
		h := newHasher(t, Options{Params: tt.params})
		ok, rehash, err := h.Verify(ctx(t), "pw", enc)
		if !ok || err != nil || rehash != tt.want {
			t.Errorf("%s: Verify = %v, %v, %v; want true, %v, nil", tt.name, ok, rehash, err, tt.want)
		}
	}
}

// TestNeedsRehashArgon2i: an argon2i hash at the current parameters is
// still upgraded to argon2id.
func TestNeedsRehashArgon2i(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		if v.Name != "argon2i-cheap" {
			continue
		}
		// The vector is m=64,t=1,p=1 with a 16-byte hash and a 22-character salt.
		h := newHasher(t, Options{Params: Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 16}})
		ok, rehash, err := h.Verify(ctx(t), v.Checks[0].Password, v.Encoded)
		if !ok || !rehash || err != nil {
			t.Errorf("Verify(%s) = %v, %v, %v; want true, true, nil", v.Encoded, ok, rehash, err)
		}
		return
	}
	t.Fatal("no argon2i-cheap vector")
}

func TestUnusable(t *testing.T) {
	t.Parallel()
	h := cheapHasher(t)
	a, err := h.Unusable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Unusable()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^![a-zA-Z0-9]{40}$`).MatchString(a) || a == b {
		t.Errorf("Unusable = %q, %q; want distinct \"!\" + 40 characters", a, b)
	}
	if Usable(a) {
		t.Errorf("Usable(%q) = true", a)
	}
	real, err := h.Hash(ctx(t), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !Usable(real) {
		t.Errorf("Usable(%q) = false", real)
	}
	// "!" before a real hash is how some apps disable an account: it must not verify.
	for _, enc := range []string{a, "!", "!" + real, "!" + a} {
		for _, pw := range []string{"pw", "", a, enc} {
			ok, rehash, err := h.Verify(ctx(t), pw, enc)
			if ok || rehash || err != nil {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want false, false, nil", pw, enc, ok, rehash, err)
			}
		}
	}
}

// TestRandFailure: a failing source of randomness is reported, not papered over.
func TestRandFailure(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{Params: cheapParams, Rand: bytes.NewReader(make([]byte, 10))})
	if _, err := h.Hash(ctx(t), "pw"); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Hash with 10 random bytes: err = %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := h.Unusable(); !errors.Is(err, io.EOF) {
		t.Errorf("Unusable with no random bytes: err = %v, want io.EOF", err)
	}
	if h.InFlight() != 0 {
		t.Errorf("InFlight after a failed Hash = %d, want 0", h.InFlight())
	}
}

// TestSaltRejectsBiasedBytes: bytes from 248 up would make the first eight
// letters likelier (256 = 4×62 + 8), so they are skipped.
func TestSaltRejectsBiasedBytes(t *testing.T) {
	t.Parallel()
	s, err := randomString(bytes.NewReader(bytes.Repeat([]byte{0, 61, 62, 247, 248, 255}, 200)), 300)
	if err != nil {
		t.Fatal(err)
	}
	// 248 and 255 are skipped; 0→a, 61→9, 62→a (62 % 62 = 0), 247→9 (247 % 62 = 61).
	if want := strings.Repeat("a9a9", 75); s != want {
		t.Errorf("randomString = %q…, want %q…", s[:8], want[:8])
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	h := newHasher(t, Options{})
	if got := h.Params(); got != DefaultParams() {
		t.Errorf("Params() = %+v, want %+v", got, DefaultParams())
	}
	bad := []struct {
		name string
		opts Options
		want string
	}{
		{"threads", Options{Params: Params{Threads: 65, MemoryKiB: 1024}}, "Params.Threads 65"},
		{"memory below 8×threads", Options{Params: Params{Threads: 4, MemoryKiB: 16}}, "Params.MemoryKiB 16 below"},
		{"memory", Options{Params: Params{MemoryKiB: 4_000_000_000}}, "Params.MemoryKiB 4000000000 above"},
		{"time", Options{Params: Params{Time: 17}}, "Params.Time 17 above"},
		{"work", Options{Params: Params{Time: 16, MemoryKiB: 256 << 10}}, "Params.Time × Params.MemoryKiB"},
		{"key", Options{Params: Params{KeyLen: 8}}, "Params.KeyLen 8"},
		{"salt", Options{Params: Params{SaltLen: 16}}, "Params.SaltLen 16"},
		{"concurrency", Options{MaxConcurrent: -1}, "MaxConcurrent -1"},
		{"timeout", Options{QueueTimeout: -time.Second}, "QueueTimeout -1s"},
	}
	for _, tt := range bad {
		_, err := New(tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
