package app

import (
	"crypto/rand"
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
	raw, source := []byte(cfg.SigningKey), cfg.SigningKeySource
	if len(raw) == 0 && cfg.SigningKeyFile != "" {
		b, err := os.ReadFile(cfg.SigningKeyFile)
		if err != nil {
			return ks, fmt.Errorf("AUTHGATE_SIGNING_KEY_FILE: %w", err)
		}
		raw, source = b, "AUTHGATE_SIGNING_KEY_FILE"
		if hmacAlg(alg) {
			raw = []byte(strings.TrimRight(string(raw), "\r\n"))
		}
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
	if hmacAlg(alg) {
		if len(raw) < 32 {
			return ks, fmt.Errorf("%s is %d bytes; %s needs a key of at least 32 bytes", source, len(raw), alg)
		}
		ks.signing.Secret = raw
	} else {
		priv, err := token.ParsePrivateKeyPEM(raw)
		if err != nil {
			return ks, fmt.Errorf("%s: %w", source, err)
		}
		ks.signing.Private = priv
		pubPEM := []byte(cfg.VerifyingKey)
		if len(pubPEM) == 0 && cfg.VerifyingKeyFile != "" {
			if pubPEM, err = os.ReadFile(cfg.VerifyingKeyFile); err != nil {
				return ks, fmt.Errorf("AUTHGATE_VERIFYING_KEY_FILE: %w", err)
			}
		}
		if len(pubPEM) > 0 {
			pub, err := token.ParsePublicKeyPEM(pubPEM)
			if err != nil {
				return ks, fmt.Errorf("AUTHGATE_VERIFYING_KEY: %w", err)
			}
			ks.signing.Public = pub
		}
	}
	for _, f := range cfg.ExtraVerifyKeys {
		kid, path, ok := strings.Cut(f, "=")
		if !ok {
			kid, path = "", f
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return ks, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES: %w", err)
		}
		k := token.Key{ID: kid, Algorithm: alg}
		if hmacAlg(alg) {
			k.Secret = []byte(strings.TrimRight(string(b), "\r\n"))
		} else if k.Public, err = token.ParsePublicKeyPEM(b); err != nil {
			return ks, fmt.Errorf("AUTHGATE_OLD_VERIFYING_KEY_FILES %s: %w", path, err)
		}
		ks.verifying = append(ks.verifying, k)
	}
	return ks, nil
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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another instance won the race: use its key
		b, err := os.ReadFile(path)
		return []byte(strings.TrimSpace(string(b))), path, err
	}
	if err != nil {
		return nil, "", fmt.Errorf("signing key file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return nil, "", fmt.Errorf("signing key file: %w", err)
	}
	return b, path, f.Close()
}
