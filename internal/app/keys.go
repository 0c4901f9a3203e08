package app

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/token"
)

type keySet struct {
	signing   token.Key
	verifying []token.Key
	material  []byte // secret bytes the Service's at-rest HMAC key is derived from
}

func hmacAlg(alg string) bool { return strings.HasPrefix(alg, "HS") }

// loadKeys reads the signing key (AUTHGATE_SIGNING_KEY, SIMPLE_JWT_SIGNING_KEY or SECRET_KEY, or a
// file), the verifying key and retired keys. With none configured and generate set, it makes a
// key, keeps it in the data directory (0600) and says so in the log.
func loadKeys(cfg config.Config, log *slog.Logger, generate bool) (keySet, error) {
	alg := cfg.Algorithm
	var ks keySet
	raw, source, err := signingMaterial(cfg)
	if err != nil {
		return ks, err
	}
	if len(raw) == 0 {
		if !generate {
			return ks, fmt.Errorf("AUTHGATE_SIGNING_KEY is required when ALGORITHM is %s (or SIMPLE_JWT_SIGNING_KEY, SECRET_KEY, AUTHGATE_SIGNING_KEY_FILE)", alg)
		}
		b, path, err := devKey(cfg, alg)
		if err != nil {
			return ks, err
		}
		log.Warn("no signing key configured: using a generated development key; set AUTHGATE_SIGNING_KEY in production", "file", path)
		raw, source = b, path
	}
	ks.material = raw
	ks.signing = token.Key{ID: cfg.SigningKeyID, Algorithm: alg}
	pub, err := verifyingKey(cfg)
	if err != nil {
		return ks, err
	}
	if hmacAlg(alg) {
		if pub != nil {
			// SimpleJWT ignores VERIFYING_KEY for HMAC; a key given here was meant for something.
			return ks, fmt.Errorf("AUTHGATE_VERIFYING_KEY is for the asymmetric algorithms; %s verifies with the signing key", alg)
		}
		if len(raw) < 32 {
			return ks, fmt.Errorf("%s is %d bytes; %s needs a key of at least 32 bytes", source, len(raw), alg)
		}
		ks.signing.Secret = raw
	} else {
		priv, err := token.ParsePrivateKeyPEM(raw)
		if err != nil {
			return ks, fmt.Errorf("%s: %w", source, err)
		}
		if eq, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && pub != nil && !eq.Equal(pub) {
			return ks, fmt.Errorf("AUTHGATE_VERIFYING_KEY is not the public key of %s", source)
		}
		ks.signing.Private, ks.signing.Public = priv, pub
	}
	if ks.verifying, err = retiredKeys(cfg.ExtraVerifyKeys, alg); err != nil {
		return ks, err
	}
	return ks, nil
}

// signingMaterial returns the configured signing key and where it came from, or nothing. The
// key may be given inline (AUTHGATE_SIGNING_KEY, SIMPLE_JWT_SIGNING_KEY) or as a file, not both;
// Django's generic SECRET_KEY is only a fallback, so an explicit file beats it.
func signingMaterial(cfg config.Config) ([]byte, string, error) {
	inline, source := []byte(cfg.SigningKey), cfg.SigningKeySource
	if cfg.SigningKeyFile == "" {
		return inline, source, nil
	}
	if len(inline) > 0 && source != "SECRET_KEY" {
		return nil, "", fmt.Errorf("both %s and AUTHGATE_SIGNING_KEY_FILE are set: set one", source)
	}
	b, err := os.ReadFile(cfg.SigningKeyFile)
	if err != nil {
		return nil, "", fmt.Errorf("AUTHGATE_SIGNING_KEY_FILE: %w", err)
	}
	if hmacAlg(cfg.Algorithm) {
		b = bytes.TrimRight(b, "\r\n")
	}
	if len(b) == 0 {
		return nil, "", fmt.Errorf("AUTHGATE_SIGNING_KEY_FILE: %s is empty", cfg.SigningKeyFile)
	}
	return b, "AUTHGATE_SIGNING_KEY_FILE", nil
}

// verifyingKey returns SimpleJWT's VERIFYING_KEY (inline or from a file, not both), or nil.
func verifyingKey(cfg config.Config) (crypto.PublicKey, error) {
	inline, file := cfg.VerifyingKey, cfg.VerifyingKeyFile
	var data []byte
	switch {
	case inline != "" && file != "":
		return nil, errors.New("both AUTHGATE_VERIFYING_KEY and AUTHGATE_VERIFYING_KEY_FILE are set: set one")
	case inline != "":
		data = []byte(inline)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("AUTHGATE_VERIFYING_KEY_FILE: %w", err)
		}
		data = b
	default:
		return nil, nil
	}
	pub, err := token.ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("AUTHGATE_VERIFYING_KEY: %w", err)
	}
	return pub, nil
}

// retiredKeys reads AUTHGATE_OLD_VERIFYING_KEY_FILES: entries "path" or "kid=path", each a PEM
// public key or an HMAC secret that verifies but never signs. Without a kid, a key gets the one
// authgate derived for it while it signed (the RFC 7638 thumbprint), so tokens it signed still
// name it. The algorithm follows from the key (see retiredAlgorithm), so a deployment can move
// from Django's HS256 to EdDSA, say, while the HS256 tokens already out keep working.
func retiredKeys(entries []string, current string) ([]token.Key, error) {
	var out []token.Key
	for _, entry := range entries {
		kid, path, ok := strings.Cut(entry, "=")
		if !ok {
			kid, path = "", entry
		}
		if path == "" {
			return nil, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES: %q names no file (want path or kid=path)", entry)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES: %w", err)
		}
		k := token.Key{ID: kid}
		switch {
		case !bytes.Contains(b, []byte("-----BEGIN ")):
			k.Secret = bytes.TrimRight(b, "\r\n")
			k.Algorithm = current
			if !hmacAlg(current) {
				k.Algorithm = "HS256" // SimpleJWT's default
			}
			if len(k.Secret) < 32 {
				return nil, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES: %s is %d bytes; %s needs a key of at least 32 bytes", path, len(k.Secret), k.Algorithm)
			}
		case bytes.Contains(b, []byte("PRIVATE KEY-----")):
			return nil, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES: %s holds a private key; a retired key only verifies, give its public key (the .pub.pem file of `authgate keys generate`)", path)
		default:
			if k.Public, err = token.ParsePublicKeyPEM(b); err != nil {
				return nil, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES %s: %w", path, err)
			}
			k.Algorithm = retiredAlgorithm(current, k.Public)
		}
		out = append(out, k)
	}
	return out, nil
}

// retiredAlgorithm is the algorithm a retired public key verifies: the current one when the key
// fits it, else the one its type implies (RS256 for RSA, the curve's ES* for ECDSA, EdDSA).
func retiredAlgorithm(current string, pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(current, "RS") || strings.HasPrefix(current, "PS") {
			return current
		}
		return "RS256"
	case *ecdsa.PublicKey:
		switch k.Curve.Params().Name {
		case "P-384":
			return "ES384"
		case "P-521":
			return "ES512"
		}
		return "ES256"
	case ed25519.PublicKey:
		return "EdDSA"
	}
	return current
}

// DataDir is where generated files live: AUTHGATE_DATA_DIR, else the SQLite file's directory, else ".".
func DataDir(cfg config.Config) string {
	if cfg.DataDir != "" {
		return cfg.DataDir
	}
	if rest, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite://"); ok && rest != ":memory:" {
		rest, _, _ = strings.Cut(rest, "?")
		return filepath.Dir(rest)
	}
	return "."
}

// devKey reads or creates the development key file in the data directory.
func devKey(cfg config.Config, alg string) ([]byte, string, error) {
	dir := DataDir(cfg)
	name := "authgate-signing-key"
	if !hmacAlg(alg) {
		name = "authgate-signing-key-" + strings.ToLower(alg) + ".pem"
	}
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		if hmacAlg(alg) {
			b = []byte(strings.TrimSpace(string(b)))
		}
		return b, path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("signing key file: %w", err)
	}
	var b []byte
	if hmacAlg(alg) {
		var k [48]byte
		if _, err := rand.Read(k[:]); err != nil {
			return nil, "", err
		}
		b = []byte(hex.EncodeToString(k[:]))
	} else {
		priv, _, err := token.GenerateKey(alg)
		if err != nil {
			return nil, "", fmt.Errorf("generate %s key: %w", alg, err)
		}
		b = priv
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("data directory: %w", err)
	}
	if err := publish(dir, path, append(b, '\n')); errors.Is(err, os.ErrExist) {
		// Another instance won the race: use its key, complete since it was linked whole.
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("signing key file: %w", err)
		}
		if hmacAlg(alg) {
			b = bytes.TrimSpace(b)
		}
		return b, path, nil
	} else if err != nil {
		return nil, "", fmt.Errorf("signing key file: %w", err)
	}
	return b, path, nil
}

// publish writes data (0600) to a temporary file and links it to path, so that a concurrent
// reader sees the whole key or no file; os.ErrExist when path exists.
func publish(dir, path string, data []byte) error {
	f, err := os.CreateTemp(dir, ".authgate-key-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(tmp, path)
}

// introspectionClients reads AUTHGATE_INTROSPECTION_CLIENTS and the file of
// AUTHGATE_INTROSPECTION_CLIENTS_FILE into client id → secret.
func introspectionClients(cfg config.Config) (map[string]string, error) {
	pairs := []struct{ src, v string }{}
	for _, p := range cfg.IntrospectionClients {
		pairs = append(pairs, struct{ src, v string }{"AUTHGATE_INTROSPECTION_CLIENTS", p})
	}
	if cfg.IntrospectionClientsFile != "" {
		b, err := os.ReadFile(cfg.IntrospectionClientsFile)
		if err != nil {
			return nil, fmt.Errorf("AUTHGATE_INTROSPECTION_CLIENTS_FILE: %w", err)
		}
		for _, line := range strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				pairs = append(pairs, struct{ src, v string }{"AUTHGATE_INTROSPECTION_CLIENTS_FILE", line})
			}
		}
	}
	out := map[string]string{}
	for _, p := range pairs {
		id, secret, ok := strings.Cut(p.v, ":")
		id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
		switch {
		case !ok || id == "":
			return nil, fmt.Errorf("%s: an entry is not client_id:secret", p.src)
		case len(secret) < 16:
			return nil, fmt.Errorf("%s: the secret of client %q has %d characters; it needs at least 16", p.src, id, len(secret))
		case out[id] != "":
			return nil, fmt.Errorf("%s: client %q is given twice", p.src, id)
		}
		out[id] = secret
	}
	return out, nil
}
