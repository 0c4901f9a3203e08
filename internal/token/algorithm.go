package token

import (
	"crypto"
	"crypto/elliptic"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// family is the kind of key an algorithm signs with.
type family int

const (
	famHMAC family = iota
	famRSA
	famPSS
	famECDSA
	famEdDSA
)

// algorithm is one JWS algorithm (RFC 7518 §3.1, RFC 8037) authgate supports.
type algorithm struct {
	name   string
	family family
	hash   crypto.Hash // zero for EdDSA, which signs the message itself
	curve  elliptic.Curve
	method jwt.SigningMethod // verifies asymmetric signatures
}

// lookupAlgorithm returns the algorithm named name. The table is built on each call so that
// the package holds no mutable state; New calls it once per key.
func lookupAlgorithm(name string) (algorithm, error) {
	switch name {
	case "HS256":
		return algorithm{name: name, family: famHMAC, hash: crypto.SHA256}, nil
	case "HS384":
		return algorithm{name: name, family: famHMAC, hash: crypto.SHA384}, nil
	case "HS512":
		return algorithm{name: name, family: famHMAC, hash: crypto.SHA512}, nil
	case "RS256":
		return algorithm{name: name, family: famRSA, hash: crypto.SHA256, method: jwt.SigningMethodRS256}, nil
	case "RS384":
		return algorithm{name: name, family: famRSA, hash: crypto.SHA384, method: jwt.SigningMethodRS384}, nil
	case "RS512":
		return algorithm{name: name, family: famRSA, hash: crypto.SHA512, method: jwt.SigningMethodRS512}, nil
	case "PS256":
		return algorithm{name: name, family: famPSS, hash: crypto.SHA256, method: jwt.SigningMethodPS256}, nil
	case "PS384":
		return algorithm{name: name, family: famPSS, hash: crypto.SHA384, method: jwt.SigningMethodPS384}, nil
	case "PS512":
		return algorithm{name: name, family: famPSS, hash: crypto.SHA512, method: jwt.SigningMethodPS512}, nil
	case "ES256":
		return algorithm{name: name, family: famECDSA, hash: crypto.SHA256, curve: elliptic.P256(), method: jwt.SigningMethodES256}, nil
	case "ES384":
		return algorithm{name: name, family: famECDSA, hash: crypto.SHA384, curve: elliptic.P384(), method: jwt.SigningMethodES384}, nil
	case "ES512":
		return algorithm{name: name, family: famECDSA, hash: crypto.SHA512, curve: elliptic.P521(), method: jwt.SigningMethodES512}, nil
	case "EdDSA":
		return algorithm{name: name, family: famEdDSA, method: jwt.SigningMethodEdDSA}, nil
	}
	return algorithm{}, fmt.Errorf("%w: %q (want one of %v)", ErrAlgorithm, name, SupportedAlgorithms())
}

// SupportedAlgorithms lists the JWS algorithm names [New] and [GenerateKey] accept.
func SupportedAlgorithms() []string {
	return []string{
		"HS256", "HS384", "HS512",
		"RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512",
		"EdDSA",
	}
}
