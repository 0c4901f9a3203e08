package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestStrictJSON(t *testing.T) {
	t.Parallel()
	many := func(n int, dup bool) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		if dup {
			b.WriteString(`,"k\u0030":1`)
		}
		b.WriteString("}")
		return b.String()
	}
	nested := func(depth int) string {
		return `{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{}`, true},
		{` {"a" : 1 } `, true},
		{`{"a":1,}`, false},
		{`{,}`, false},
		{`{"a"}`, false},
		{`{"a":}`, false},
		{`{'a':1}`, false},
		{`{"a":1}}`, false},
		{`{"a":tru}`, false},
		{`{"a":nul}`, false},
		{`{"a":-}`, false},
		{`{"a":1.}`, false},
		{`{"a":.5}`, false},
		{`{"a":1e}`, false},
		{`{"a":+1}`, false},
		{`{"a":0x10}`, false},
		{`{"a":"\x"}`, false},
		{`{"a":"\u12"}`, false},
		{`{"a":"\u00e9\uD83D\uDE00"}`, true},
		{`{"a":[1,[2,{"b":[]}]]}`, true},
		{`{"a":[1,]}`, false},
		{`{"a":{"b":1,"b":1}}`, false},
		{`{"a":[{"b":1},{"b":1}]}`, true}, // same name in sibling objects is fine
		{"{\"a\":1}\x00", false},
		{"\ufeff{}", false}, // no byte order mark
		{many(20, false), true},
		{many(20, true), false},
		{many(3, true), false},
		{nested(maxDepth), true},
		{nested(maxDepth + 1), false},
	} {
		_, ok := parseObject([]byte(tc.in), nil)
		if ok != tc.ok {
			t.Errorf("parseObject(%.60q) = %v, want %v", tc.in, ok, tc.ok)
		}
		if ok && !json.Valid([]byte(tc.in)) {
			t.Errorf("accepted %q, which encoding/json refuses", tc.in)
		}
	}
}

func TestBase64Strict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		out string
		ok  bool
	}{
		{"", "", true},
		{"YQ", "a", true},
		{"YR", "", false}, // trailing bits set
		{"YWI", "ab", true},
		{"YWJ", "", false},
		{"YWJj", "abc", true},
		{"Y", "", false},
		{"YQ==", "", false},
		{"Y Q", "", false},
		{"-_8", "\xfb\xff", true},
		{"+/8", "", false},
	} {
		got, ok := appendB64(nil, tc.in)
		if ok != tc.ok || (ok && string(got) != tc.out) {
			t.Errorf("appendB64(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.out, tc.ok)
		}
	}
}

// TestBase64MatchesStdlib compares the decoder with encoding/base64's strict one on random text.
func TestBase64MatchesStdlib(t *testing.T) {
	t.Parallel()
	const chars = "AQgw_-9zB+/=.\x00\xff" // includes characters with unused bits set and foreign ones
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(14))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		want, err := base64.RawURLEncoding.Strict().DecodeString(string(b))
		got, ok := appendB64([]byte("x"), string(b))
		if ok != (err == nil) || (ok && string(got) != "x"+string(want)) || (!ok && string(got) != "x") {
			t.Fatalf("appendB64(%q) = %q, %v; encoding/base64: %q, %v", b, got, ok, want, err)
		}
	}
}
