package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"hash"
	"io"
	"math/big"
	"sync"
)

// Key strength floors: RFC 7518 §3.3 (RSA) and, for HMAC, 256 bits as RFC 7518 §3.2 asks of
// HS256 (kept for HS384/512 too, so a Django SECRET_KEY of 50 characters keeps working).
const (
	minHMACSecret = 32
	minRSABits    = 2048
)

// key is one configured key, checked against its pinned algorithm.
type key struct {
	kid    string
	alg    algorithm
	secret []byte
	signer crypto.Signer    // nil for keys that only verify
	public crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	macs   sync.Pool        // of *macState, for HMAC keys
	self   []*key           // this key alone, so selecting it allocates nothing
}

// macState is a keyed HMAC with the buffers one verification needs.
type macState struct {
	h   hash.Hash
	in  []byte
	sum [64]byte
}

// newKey checks k for the algorithm it names (defaultAlg when it names none).
func newKey(k Key, defaultAlg string, signs bool) (*key, error) {
	name := k.Algorithm
	if name == "" {
		name = defaultAlg
	}
	alg, err := lookupAlgorithm(name)
	if err != nil {
		return nil, err
	}
	out := &key{alg: alg}
	if alg.family == famHMAC {
		if err := checkSecret(k, name); err != nil {
			return nil, err
		}
		out.secret = bytes.Clone(k.Secret)
		hashNew := alg.hash.New
		out.macs.New = func() any { return &macState{h: hmac.New(hashNew, out.secret)} }
	} else {
		if len(k.Secret) > 0 {
			return nil, fmt.Errorf("%w: %s takes a public/private key pair, not a secret", ErrKey, name)
		}
		pub := k.Public
		if k.Private != nil {
			pub = k.Private.Public()
			if k.Public != nil && !samePublic(k.Public, pub) {
				return nil, fmt.Errorf("%w: %s public key does not match the private key", ErrKey, name)
			}
			out.signer = k.Private
		}
		if signs && k.Private == nil {
			return nil, fmt.Errorf("%w: %s signing key needs a private key", ErrKey, name)
		}
		if pub == nil {
			return nil, fmt.Errorf("%w: %s key needs a public key", ErrKey, name)
		}
		if err := checkPublic(alg, pub); err != nil {
			return nil, err
		}
		out.public = pub
	}
	out.kid = k.ID
	if out.kid == "" {
		if out.kid, err = thumbprint(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkSecret refuses short HMAC secrets and, as PyJWT does, secrets that are really PEM or SSH
// keys: using a public key as an HMAC secret is the classic algorithm-confusion attack.
func checkSecret(k Key, name string) error {
	switch {
	case k.Private != nil || k.Public != nil:
		return fmt.Errorf("%w: %s takes a secret, not a public/private key", ErrKey, name)
	case len(k.Secret) < minHMACSecret:
		return fmt.Errorf("%w: %s secret is %d bytes, need at least %d", ErrKey, name, len(k.Secret), minHMACSecret)
	case bytes.Contains(k.Secret, []byte("-----BEGIN ")),
		bytes.HasPrefix(k.Secret, []byte("ssh-")),
		bytes.HasPrefix(k.Secret, []byte("ecdsa-sha2-")):
		return fmt.Errorf("%w: %s secret looks like a PEM or SSH key; asymmetric keys must not be HMAC secrets", ErrKey, name)
	}
	return nil
}

// checkPublic checks that pub is the kind and size of key alg verifies with.
func checkPublic(alg algorithm, pub crypto.PublicKey) error {
	switch alg.family {
	case famRSA, famPSS:
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an RSA key, got %T", ErrKey, alg.name, pub)
		}
		if bits := rk.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("%w: %s key has %d bits, need at least %d", ErrKey, alg.name, bits, minRSABits)
		}
	case famECDSA:
		ek, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an ECDSA key, got %T", ErrKey, alg.name, pub)
		}
		if ek.Curve != alg.curve {
			return fmt.Errorf("%w: %s needs curve %s, got %s", ErrKey, alg.name, alg.curve.Params().Name, ek.Curve.Params().Name)
		}
	case famEdDSA:
		if _, ok := pub.(ed25519.PublicKey); !ok {
			return fmt.Errorf("%w: %s needs an Ed25519 key, got %T", ErrKey, alg.name, pub)
		}
	}
	return nil
}

func samePublic(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// sign returns the JWS signature of input (RFC 7518 §3).
func (k *key) sign(rand io.Reader, input []byte) ([]byte, error) {
	switch k.alg.family {
	case famHMAC:
		st := k.macs.Get().(*macState)
		defer k.macs.Put(st)
		st.h.Reset()
		st.h.Write(input)
		return st.h.Sum(nil), nil
	case famEdDSA:
		return k.signer.Sign(rand, input, crypto.Hash(0))
	}
	h := k.alg.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	switch k.alg.family {
	case famPSS:
		// PyJWT signs and verifies PSS with a salt as long as the hash.
		return k.signer.Sign(rand, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: k.alg.hash})
	case famECDSA:
		der, err := k.signer.Sign(rand, digest, k.alg.hash)
		if err != nil {
			return nil, err
		}
		return ecdsaRaw(der, (k.alg.curve.Params().BitSize+7)/8)
	}
	return k.signer.Sign(rand, digest, k.alg.hash)
}

// ecdsaRaw turns an ASN.1 ECDSA signature into JWS's fixed-size R||S (RFC 7518 §3.4).
func ecdsaRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) > 0 || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 ||
		sig.R.BitLen() > size*8 || sig.S.BitLen() > size*8 {
		return nil, fmt.Errorf("token: signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}

// verify reports whether sig is input's signature under k. HMAC is computed here with pooled
// state (the hot path); the asymmetric algorithms use golang-jwt's verifiers.
func (k *key) verify(input string, sig []byte) bool {
	if k.alg.family != famHMAC {
		return k.alg.method.Verify(input, bytes.Clone(sig), k.public) == nil
	}
	st := k.macs.Get().(*macState)
	defer k.macs.Put(st)
	st.in = append(st.in[:0], input...)
	st.h.Reset()
	st.h.Write(st.in)
	return hmac.Equal(st.h.Sum(st.sum[:0]), sig)
}

// asymmetric reports whether k has a public key that may be published.
func (k *key) asymmetric() bool { return k.alg.family != famHMAC }
