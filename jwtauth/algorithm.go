package jwtauth

import (
	"crypto/elliptic"
	"fmt"
)

// algorithm is what a JWK must be to verify one JWS algorithm.
type algorithm struct {
	kty   string         // "oct", "RSA", "EC" or "OKP"
	curve elliptic.Curve // for ES*
}

// lookupAlgorithm returns the algorithms authgate signs with (RFC 7518 §3.1, RFC 8037 §3.1).
func lookupAlgorithm(name string) (algorithm, error) {
	switch name {
	case "HS256", "HS384", "HS512":
		return algorithm{kty: "oct"}, nil
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return algorithm{kty: "RSA"}, nil
	case "ES256":
		return algorithm{kty: "EC", curve: elliptic.P256()}, nil
	case "ES384":
		return algorithm{kty: "EC", curve: elliptic.P384()}, nil
	case "ES512":
		return algorithm{kty: "EC", curve: elliptic.P521()}, nil
	case "EdDSA":
		return algorithm{kty: "OKP"}, nil
	}
	return algorithm{}, fmt.Errorf("%w: unsupported algorithm %q", ErrConfig, name)
}
