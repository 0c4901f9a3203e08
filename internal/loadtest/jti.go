package loadtest

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// jtiSet remembers every refresh-token jti handed out during a run, in 16 bytes each, so that a
// server handing out one twice is caught.
type jtiSet struct {
	mu   sync.Mutex
	seen map[[16]byte]struct{}
}

func newJTISet() *jtiSet { return &jtiSet{seen: map[[16]byte]struct{}{}} }

// add records jti and reports whether it was new.
func (s *jtiSet) add(jti string) bool {
	var k [16]byte
	if len(jti) != 32 {
		h := sha256.Sum256([]byte(jti))
		copy(k[:], h[:])
	} else if _, err := hex.Decode(k[:], []byte(jti)); err != nil {
		h := sha256.Sum256([]byte(jti))
		copy(k[:], h[:])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[k]; dup {
		return false
	}
	s.seen[k] = struct{}{}
	return true
}
