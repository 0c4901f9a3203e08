package auth

import "testing"

// TestPunycode checks the encoder against RFC 3492's samples and what Python's idna codec gives.
func TestPunycode(t *testing.T) {
	for in, want := range map[string]string{
		"bücher":            "bcher-kva",
		"münchen":           "mnchen-3ya",
		"ü":                 "tda",
		"例え":                "r8jz45g",
		"ليهمابتكلموشعربي؟": "egbpdaj6bu4bxfgehfvwxn",
	} {
		if got, ok := punycode(in); !ok || got != want {
			t.Errorf("punycode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestValidEmailDjango holds the validator to what Django 3.2's EmailValidator answers (the
// Djoser interop test compares the whole endpoint; these are the edges).
func TestValidEmailDjango(t *testing.T) {
	for v, want := range map[string]bool{
		"ada@example.com":            true,
		"Ada.Lovelace+x@Example.COM": true,
		"ada@localhost":              true,
		"ada@[127.0.0.1]":            true,
		"ada@[::1]":                  true,
		"ada@[300.0.0.1]":            false,
		"ada@bücher.de":              true,
		"ada@例え.jp":                  true,
		`"a.b"@example.com`:          true,
		`"a b"@example.com`:          false,
		"ada@a.-b":                   true,
		"ada@example":                false,
		"ada@example.c":              false,
		"ada@-example.com":           false,
		"ada@example.com-":           false,
		"ada@example..com":           false,
		"a..b@example.com":           false,
		".ab@example.com":            false,
		"ab@":                        false,
		"@example.com":               false,
		"not an address":             false,
		"a b@example.com":            false,
		"":                           false,
	} {
		if got := ValidEmailDjango(v); got != want {
			t.Errorf("ValidEmailDjango(%q) = %v, want %v", v, got, want)
		}
	}
}
