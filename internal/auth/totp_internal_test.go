package auth

import (
	"strings"
	"testing"
	"time"
)

// TestTOTPVectors: RFC 6238 Appendix B's SHA-1 vectors (the last six of their eight digits),
// each accepted at its own step and one step either side, not two.
func TestTOTPVectors(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, v := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		at := time.Unix(v.unix, 0)
		step, ok := matchTOTP(secret, v.code, at)
		if !ok || step != v.unix/30 {
			t.Errorf("%d: %s refused (step %d)", v.unix, v.code, step)
		}
		for _, d := range []time.Duration{-30 * time.Second, 30 * time.Second} {
			if _, ok := matchTOTP(secret, v.code, at.Add(d)); !ok {
				t.Errorf("%d: %s refused %v away", v.unix, v.code, d)
			}
		}
		for _, d := range []time.Duration{-61 * time.Second, 61 * time.Second} {
			if _, ok := matchTOTP(secret, v.code, at.Add(d)); ok {
				t.Errorf("%d: %s accepted %v away", v.unix, v.code, d)
			}
		}
	}
	for _, bad := range []string{"", "28708", "2870821", "abcdef"} {
		if _, ok := matchTOTP(secret, bad, time.Unix(59, 0)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTOTPSealing: the shared key is sealed with AES-GCM under a key of its own, bound to its
// user: it opens for that user under the same code secret only, and a changed byte is refused.
func TestTOTPSealing(t *testing.T) {
	s := &Service{secret: []byte(strings.Repeat("k", 32))}
	const user, key = "7d9b4b0c-2f5e-4c43-9a55-0b8f2d1f6e10", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	sealed, err := s.sealTOTP(user, key)
	if err != nil || strings.Contains(sealed, key) || !strings.HasPrefix(sealed, "v1.") {
		t.Fatalf("sealed %q: %v", sealed, err)
	}
	again, _ := s.sealTOTP(user, key)
	if again == sealed {
		t.Error("two seals of one key are equal: the nonce repeats")
	}
	if got, err := s.openTOTP(strings.ToUpper(user), sealed); err != nil || got != key {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.openTOTP("0d9b4b0c-2f5e-4c43-9a55-0b8f2d1f6e10", sealed); err == nil {
		t.Error("another user's row opens")
	}
	other := &Service{secret: []byte(strings.Repeat("x", 32))}
	if _, err := other.openTOTP(user, sealed); err == nil {
		t.Error("opens under another code secret")
	}
	b := []byte(sealed)
	b[len(b)-2] ^= 1
	if _, err := s.openTOTP(user, string(b)); err == nil {
		t.Error("a changed byte opens")
	}
	for _, bad := range []string{"", "v1.", "v2." + sealed[3:], "v1.!!"} {
		if _, err := s.openTOTP(user, bad); err == nil {
			t.Errorf("%q opens", bad)
		}
	}
}
