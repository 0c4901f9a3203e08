package auth

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func testService(codeLength int, secret string) *Service {
	return &Service{cfg: Config{CodeLength: codeLength}, secret: []byte(secret)}
}

// TestNewCode: codes are the configured number of decimal digits, from crypto/rand.
func TestNewCode(t *testing.T) {
	for _, n := range []int{6, 8, 12} {
		s := testService(n, strings.Repeat("k", 32))
		digits := regexp.MustCompile(fmt.Sprintf(`^[0-9]{%d}$`, n))
		seen := map[string]bool{}
		var first [10]int // how often each digit leads: all must turn up
		for range 500 {
			c := s.newCode()
			if !digits.MatchString(c) {
				t.Fatalf("length %d: code %q", n, c)
			}
			seen[c] = true
			first[c[0]-'0']++
		}
		// 500 draws from 10^6 or more values: a repeat or two is chance, many are a broken source.
		if len(seen) < 490 {
			t.Errorf("length %d: only %d distinct codes in 500", n, len(seen))
		}
		for d, k := range first {
			if k == 0 {
				t.Errorf("length %d: no code starts with %d in 500", n, d)
			}
		}
	}
}

// TestNormalizeCode: what people do when copying a code does not make it wrong.
func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{
		"123456":        "123456",
		" 123 456 ":     "123456",
		"123-456":       "123456",
		"ABCDE-FGHJK":   "abcdefghjk",
		"abcde fghjk\n": "abcdefghjk",
		"":              "",
	} {
		if got := normalizeCode(in); got != want {
			t.Errorf("normalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHashBinding: a code's hash is bound to its challenge, a recovery code's to its user, both
// to the server's secret, and none of them holds the code.
func TestHashBinding(t *testing.T) {
	s := testService(6, strings.Repeat("k", 32))
	other := testService(6, strings.Repeat("x", 32))
	h := s.hashCode("challenge-1", "123456")
	for name, h2 := range map[string]string{
		"another challenge": s.hashCode("challenge-2", "123456"),
		"another code":      s.hashCode("challenge-1", "123457"),
		"another secret":    other.hashCode("challenge-1", "123456"),
		"an id, not a code": s.hashID("123456"),
	} {
		if h == h2 {
			t.Errorf("%s: same hash", name)
		}
	}
	if strings.Contains(h, "123456") || len(h) != 64 {
		t.Errorf("code hash %q", h)
	}
	r := s.hashRecovery("user-1", "abcde-fghjk")
	if r != s.hashRecovery("user-1", "ABCDE FGHJK") {
		t.Error("a recovery code typed differently hashes differently")
	}
	if r == s.hashRecovery("user-2", "abcde-fghjk") || r == other.hashRecovery("user-1", "abcde-fghjk") {
		t.Error("a recovery code's hash is not bound to its user and the secret")
	}
}

// TestRecoveryCodeShape: the alphabet has no look-alikes and a code is recoveryLen long, as
// checkOwnedCode expects.
func TestRecoveryCodeShape(t *testing.T) {
	if strings.ContainsAny(recoveryAlphabet, "01ilo") {
		t.Errorf("alphabet %q has look-alike characters", recoveryAlphabet)
	}
	for range 100 {
		c := randomString(recoveryLen, recoveryAlphabet)
		if len(normalizeCode(c[:5]+"-"+c[5:])) != recoveryLen {
			t.Fatalf("recovery code %q", c)
		}
	}
}

// TestStale: a challenge or reset token issued under an older generation of the user's
// credentials is stale however close in time (the same millisecond included); one issued under the
// current generation is not, unless the old whole-second test already says so (challenges from
// before migration 0002 all have generation 0).
func TestStale(t *testing.T) {
	change := time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	u := User{TokensValidAfter: nextSecond(change), CredentialsGeneration: 3}
	for _, c := range []struct {
		created    time.Time
		generation int64
		stale      bool
	}{
		{change.Add(-30 * time.Millisecond), 2, true}, // issue #13: same second, before the change
		{change, 2, true},
		{change.Add(time.Hour), 2, true}, // the generation decides, not the clocks
		{change.Add(-30 * time.Millisecond), 3, false},
		{change.Add(time.Millisecond), 3, false},
		{change.Add(-2 * time.Second), 3, true}, // the old test, for generation-0 challenges
		{change.Add(-2 * time.Second), 0, true},
		{change.Add(time.Hour), 4, true}, // from the future (a restored backup): not trusted
	} {
		if got := stale(c.created, c.generation, u); got != c.stale {
			t.Errorf("created %v under generation %d, change %v (generation 3): stale = %v, want %v",
				c.created, c.generation, change, got, c.stale)
		}
	}
}
