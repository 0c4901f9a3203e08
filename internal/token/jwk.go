package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// jwk is a public JSON Web Key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2).
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Crv string `json:"crv,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// publicJWK describes k's public key; it never describes an HMAC secret.
func publicJWK(k *key) (jwk, error) {
	j := jwk{Use: "sig", Alg: k.alg.name, Kid: k.kid}
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := k.public.(type) {
	case *rsa.PublicKey:
		j.Kty, j.N, j.E = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes() // 0x04 || X || Y, each padded to the curve size
		if err != nil {
			return j, fmt.Errorf("%w: %v", ErrKey, err)
		}
		size := (len(raw) - 1) / 2
		j.Kty, j.Crv = "EC", pub.Curve.Params().Name
		j.X, j.Y = b64(raw[1:1+size]), b64(raw[1+size:])
	case ed25519.PublicKey:
		j.Kty, j.Crv, j.X = "OKP", "Ed25519", b64(pub)
	default:
		return j, fmt.Errorf("%w: no public key to publish", ErrKey)
	}
	return j, nil
}

// thumbprint is k's RFC 7638 JWK thumbprint (SHA-256, base64url), the default kid. For an HMAC
// key it hashes the secret, which reveals nothing the token's own signature does not: both let
// a guess be checked offline, and the secret must resist that anyway.
func thumbprint(k *key) (string, error) {
	var canonical string
	if !k.asymmetric() {
		canonical = `{"k":"` + base64.RawURLEncoding.EncodeToString(k.secret) + `","kty":"oct"}`
	} else {
		j, err := publicJWK(k)
		if err != nil {
			return "", err
		}
		// Members in lexicographic order, no whitespace (RFC 7638 §3.2, RFC 8037 §2).
		switch j.Kty {
		case "RSA":
			canonical = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
		case "EC":
			canonical = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
		default:
			canonical = `{"crv":"` + j.Crv + `","kty":"OKP","x":"` + j.X + `"}`
		}
	}
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// jwksDocument is the JWK Set of the asymmetric keys among keys; ok is false when there is none.
func jwksDocument(keys []*key) (doc []byte, ok bool, err error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range keys {
		if !k.asymmetric() {
			continue
		}
		j, err := publicJWK(k)
		if err != nil {
			return nil, false, err
		}
		set.Keys = append(set.Keys, j)
	}
	if len(set.Keys) == 0 {
		return nil, false, nil
	}
	doc, err = json.Marshal(set)
	return doc, true, err
}
