package admin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// secretLen is the size of every random secret the panel hands out (256 bits).
const secretLen = 32

// randomBytes reads n bytes from the panel's random source.
func (p *panel) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(p.rand, b); err != nil {
		return nil, fmt.Errorf("admin: random: %w", err)
	}
	return b, nil
}

// newCookieSecret returns a fresh secret in its cookie form (base64url, no padding).
func (p *panel) newCookieSecret() (string, []byte, error) {
	b, err := p.randomBytes(secretLen)
	if err != nil {
		return "", nil, err
	}
	return base64.RawURLEncoding.EncodeToString(b), b, nil
}

// parseCookieSecret decodes a cookie secret; ok is false unless it is exactly secretLen bytes.
func parseCookieSecret(v string) ([]byte, bool) {
	if len(v) != base64.RawURLEncoding.EncodedLen(secretLen) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) != secretLen {
		return nil, false
	}
	return b, true
}

// sessionID is what the store keys a session by: the SHA-256 of the cookie secret, in hex, so a
// copy of the database holds no usable session.
func sessionID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:])
}
