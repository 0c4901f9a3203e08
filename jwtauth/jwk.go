package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// minRSABits is RFC 7518 §3.3's floor, which authgate enforces too.
const minRSABits = 2048

// jwk is one member of a JWK Set (RFC 7517 §4), public members only.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// errSkip marks a key that is fine but not for the pinned algorithm.
var errSkip = errors.New("not for this algorithm")

// publicKey returns the key j describes if it verifies alg, errSkip if it is for something
// else, or an error if it is malformed. Symmetric ("oct") keys are never taken from a key set.
func (j jwk) publicKey(name string, alg algorithm) (crypto.PublicKey, error) {
	if (j.Use != "" && j.Use != "sig") || (j.Alg != "" && j.Alg != name) || j.Kty != alg.kty || j.Kty == "oct" {
		return nil, errSkip
	}
	b64 := base64.RawURLEncoding.Strict()
	switch j.Kty {
	case "RSA":
		n, err1 := b64.DecodeString(j.N)
		e, err2 := b64.DecodeString(j.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("RSA key: n or e is not base64url")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < minRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil, fmt.Errorf("RSA key: %d bits, exponent %d", pub.N.BitLen(), pub.E)
		}
		return pub, nil
	case "EC":
		if j.Crv != alg.curve.Params().Name {
			return nil, errSkip
		}
		size := (alg.curve.Params().BitSize + 7) / 8
		x, err1 := b64.DecodeString(j.X)
		y, err2 := b64.DecodeString(j.Y)
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, fmt.Errorf("EC key: x and y must be %d bytes of base64url", size)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(alg.curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("EC key: %w", err)
		}
		return pub, nil
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, errSkip
		}
		x, err := b64.DecodeString(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("Ed25519 key: x must be 32 bytes of base64url")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, errSkip
}

// parsedSet is a key set reduced to the keys that verify the pinned algorithm.
type parsedSet struct {
	byKID map[string]crypto.PublicKey
	all   []crypto.PublicKey
}

// parseSet reads a JWK Set document. Malformed keys are reported through bad and skipped; a
// set with no usable key is an error.
func parseSet(doc []byte, name string, alg algorithm, bad func(kid string, err error)) (parsedSet, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return parsedSet{}, fmt.Errorf("key set is not a JWK Set: %w", err)
	}
	out := parsedSet{byKID: map[string]crypto.PublicKey{}}
	for _, raw := range set.Keys {
		var j jwk
		if err := json.Unmarshal(raw, &j); err != nil {
			bad("", err)
			continue
		}
		pub, err := j.publicKey(name, alg)
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			bad(j.Kid, err)
			continue
		}
		if j.Kid != "" {
			if _, dup := out.byKID[j.Kid]; dup {
				bad(j.Kid, errors.New("kid appears again; the first key with it is used"))
				continue
			}
			out.byKID[j.Kid] = pub
		}
		out.all = append(out.all, pub)
	}
	if len(out.all) == 0 {
		return parsedSet{}, fmt.Errorf("key set has no %s key", name)
	}
	return out, nil
}
