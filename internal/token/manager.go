package token

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
)

// Manager mints and verifies tokens for one configuration. It is safe for concurrent use and
// must not be copied.
type Manager struct {
	cfg    Config
	signer *key
	keys   []*key            // the signing key first, then the verifying keys in order
	byKID  map[string]*key   // every key by its kid
	byAlg  map[string][]*key // the keys a token without kid may be checked against
	// known maps the encoded headers authgate and PyJWT write for the configured keys to the
	// keys they select (one by kid, or all of the alg), so the usual token skips header decoding.
	known      map[string][]*key
	signHeader string // encoded header of new tokens, with the trailing '.'
	jwks       []byte
	scratch    sync.Pool // of *[]byte for decoding
}

// New checks cfg and returns its Manager. Errors wrap ErrConfig, ErrAlgorithm or ErrKey.
func New(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Manager{
		byKID: map[string]*key{},
		byAlg: map[string][]*key{},
		known: map[string][]*key{},
	}
	signer, err := newKey(cfg.Signing, "HS256", true)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	m.signer = signer
	m.keys = append(m.keys, signer)
	for i, v := range cfg.Verifying {
		k, err := newKey(v, signer.alg.name, false)
		if err != nil {
			return nil, fmt.Errorf("verifying key %d: %w", i, err)
		}
		m.keys = append(m.keys, k)
	}
	for _, k := range m.keys {
		if _, dup := m.byKID[k.kid]; dup {
			return nil, fmt.Errorf("%w: two keys have kid %q", ErrKey, k.kid)
		}
		m.byKID[k.kid] = k
		m.byAlg[k.alg.name] = append(m.byAlg[k.alg.name], k)
		k.self = []*key{k}
	}
	for _, k := range m.keys {
		m.known[encodeHeader(k.alg.name, "")] = m.byAlg[k.alg.name]
		m.known[encodeHeader(k.alg.name, k.kid)] = k.self
	}
	// SimpleJWT's single HMAC key writes no kid; anything that needs telling keys apart does.
	kid := ""
	if signer.asymmetric() || cfg.Signing.ID != "" || len(cfg.Verifying) > 0 {
		kid = signer.kid
	}
	m.signHeader = encodeHeader(signer.alg.name, kid) + "."
	if m.jwks, _, err = jwksDocument(m.keys); err != nil {
		return nil, err
	}
	bufSize := decodedLen(cfg.MaxTokenSize/4*4) + 3
	m.scratch.New = func() any { b := make([]byte, 0, bufSize); return &b }
	m.cfg = cfg
	return m, nil
}

// encodeHeader is the base64url JOSE header PyJWT writes: members sorted by name.
func encodeHeader(alg, kid string) string {
	b := append([]byte(`{"alg":`), appendPyString(nil, alg)...)
	if kid != "" {
		b = append(b, `,"kid":`...)
		b = appendPyString(b, kid)
	}
	b = append(b, `,"typ":"JWT"}`...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// JWKS returns the RFC 7517 JWK Set of the public keys that verify tokens, each with its kid,
// alg and use "sig". ok is false when every key is an HMAC secret: those are never published.
func (m *Manager) JWKS() (doc []byte, ok bool) {
	return bytes.Clone(m.jwks), m.jwks != nil
}

// Algorithms lists the algorithms of the configured keys, the signing key's first.
func (m *Manager) Algorithms() []string {
	var out []string
	for _, k := range m.keys {
		if !slices.Contains(out, k.alg.name) {
			out = append(out, k.alg.name)
		}
	}
	return out
}

// KeyID returns the kid of the signing key (written in headers when keys are told apart).
func (m *Manager) KeyID() string { return m.signer.kid }
