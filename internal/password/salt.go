package password

import (
	"fmt"
	"io"
)

// randomString returns n characters drawn uniformly from saltAlphabet, as
// Django's get_random_string does. Bytes at or above the largest multiple of
// the alphabet size are rejected so that no character is more likely.
func randomString(r io.Reader, n int) (string, error) {
	const limit = 256 - 256%len(saltAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("password: reading randomness: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, saltAlphabet[int(b)%len(saltAlphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}
