package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// GenerateKey makes a new key pair for alg (RS*, PS*: RSA 2048; ES256/384/512: P-256/384/521;
// EdDSA: Ed25519) as PEM: PKCS #8 "PRIVATE KEY" and PKIX "PUBLIC KEY", the forms PyJWT and
// SimpleJWT load. HMAC algorithms have no key pair: use 32 or more random bytes as the secret.
func GenerateKey(alg string) (privatePEM, publicPEM []byte, err error) {
	a, err := lookupAlgorithm(alg)
	if err != nil {
		return nil, nil, err
	}
	var priv crypto.Signer
	switch a.family {
	case famRSA, famPSS:
		priv, err = rsa.GenerateKey(rand.Reader, minRSABits)
	case famECDSA:
		priv, err = ecdsa.GenerateKey(a.curve, rand.Reader)
	case famEdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, nil, fmt.Errorf("%w: %s uses a shared secret, not a key pair", ErrAlgorithm, alg)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("token: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("token: encode %s private key: %w", alg, err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("token: encode %s public key: %w", alg, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), nil
}

// ParsePrivateKeyPEM reads one RSA, ECDSA or Ed25519 private key from PEM: PKCS #8
// ("PRIVATE KEY"), PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY", optionally after an
// "EC PARAMETERS" block, as openssl writes it). Encrypted keys are refused.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, err := onePEM(data, "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParseECPrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrKey, block.Type, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%w: unsupported private key type %T", ErrKey, key)
}

// ParsePublicKeyPEM reads one RSA, ECDSA or Ed25519 public key from PEM: PKIX ("PUBLIC KEY")
// or PKCS #1 ("RSA PUBLIC KEY").
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, err := onePEM(data, "PUBLIC KEY", "RSA PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	var key any
	if block.Type == "RSA PUBLIC KEY" {
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	} else {
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrKey, block.Type, err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		return k, nil
	case *ecdsa.PublicKey:
		return k, nil
	case ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("%w: unsupported public key type %T", ErrKey, key)
}

// onePEM returns the single block of one of the types in data. "EC PARAMETERS" blocks are
// skipped; any other block, a second key or trailing non-PEM text is an error.
func onePEM(data []byte, types ...string) (*pem.Block, error) {
	var found *pem.Block
	rest := data
	for {
		block, next := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = next
		if block.Type == "EC PARAMETERS" {
			continue
		}
		ok := false
		for _, t := range types {
			ok = ok || block.Type == t
		}
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: PEM block %q, want one of %q", ErrKey, block.Type, types)
		case len(block.Headers) > 0:
			return nil, fmt.Errorf("%w: encrypted or annotated PEM blocks are not supported", ErrKey)
		case found != nil:
			return nil, fmt.Errorf("%w: more than one key in PEM data", ErrKey)
		}
		found = block
	}
	if found == nil {
		return nil, fmt.Errorf("%w: no PEM %q block found", ErrKey, types)
	}
	for _, c := range rest {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return nil, fmt.Errorf("%w: unexpected text after the PEM block", ErrKey)
		}
	}
	return found, nil
}
