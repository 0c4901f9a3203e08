package web

import (
	"strings"
	"testing"
)

// checkAuthFields holds authFields to strings.Fields, which it replaces on the hot path.
func checkAuthFields(t *testing.T, s string) {
	t.Helper()
	want := strings.Fields(s)
	first, second, n := authFields(s)
	var w1, w2 string
	if len(want) > 0 {
		w1 = want[0]
	}
	if len(want) > 1 {
		w2 = want[1]
	}
	if first != w1 || second != w2 || n != min(len(want), 3) {
		t.Errorf("authFields(%q) = %q %q %d, want %q %q %d", s, first, second, n, w1, w2, min(len(want), 3))
	}
}

func TestAuthFields(t *testing.T) {
	for _, s := range []string{"", " ", "Bearer", "Bearer abc", "  Bearer \t abc  ", "Bearer a b", "Bearer a b c d",
		"Bearer\u00a0abc", "Bearer\u2003abc", "Bearer\u0085abc", "Bearer\xffabc", "é ü", "Bearer\vx\fy\rz\n"} {
		checkAuthFields(t, s)
	}
}

func FuzzAuthFields(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")
	f.Add(" \u00a0Bearer\t\u3000x y\xff")
	f.Fuzz(checkAuthFields)
}
