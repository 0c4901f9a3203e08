package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/token"
)

// open assembles authgate from environment variables the way the binary does.
func open(t *testing.T, vars map[string]string, o app.Options) (*app.App, error) {
	t.Helper()
	if vars["AUTHGATE_DATABASE_URL"] == "" {
		vars["AUTHGATE_DATABASE_URL"] = authtest.DatabaseURL(t, authtest.SQLite)
	}
	cfg, _, err := config.Load("test", nil, func(k string) string { return vars[k] }, io.Discard, nil)
	if err != nil {
		return nil, err
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	if a != nil {
		t.Cleanup(func() { a.Close() })
	}
	return a, err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKeyConfiguration checks which key wins and that every mistake stops start-up with an error
// naming the setting.
func TestKeyConfiguration(t *testing.T) {
	t.Parallel()
	ed, rsa := newKeyPair(t, "EdDSA"), newKeyPair(t, "RS256")
	edPriv, err := os.ReadFile(ed.priv)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("s", 40)
	secretFile := writeFile(t, "secret", secret+"\r\n")
	short := writeFile(t, "short", "too-short\n")

	cases := []struct {
		name    string
		vars    map[string]string
		wantErr string // empty: starts
		wantAlg string // of the signing key, when it starts
	}{
		{"HMAC key file, newline trimmed", map[string]string{"AUTHGATE_SIGNING_KEY_FILE": secretFile}, "", "HS256"},
		{"key file beats Django's SECRET_KEY fallback",
			map[string]string{"SECRET_KEY": secret, "AUTHGATE_ALGORITHM": "EdDSA", "AUTHGATE_SIGNING_KEY_FILE": ed.priv}, "", "EdDSA"},
		{"inline PEM key", map[string]string{"AUTHGATE_ALGORITHM": "EdDSA", "AUTHGATE_SIGNING_KEY": string(edPriv)}, "", "EdDSA"},
		{"inline key and file", map[string]string{"AUTHGATE_SIGNING_KEY": secret, "AUTHGATE_SIGNING_KEY_FILE": secretFile},
			"both AUTHGATE_SIGNING_KEY and AUTHGATE_SIGNING_KEY_FILE are set", ""},
		{"tutorial key and file", map[string]string{"SIMPLE_JWT_SIGNING_KEY": secret, "AUTHGATE_SIGNING_KEY_FILE": secretFile},
			"both SIMPLE_JWT_SIGNING_KEY and AUTHGATE_SIGNING_KEY_FILE are set", ""},
		{"missing key file", map[string]string{"AUTHGATE_SIGNING_KEY_FILE": "/nonexistent/key"}, "AUTHGATE_SIGNING_KEY_FILE", ""},
		{"empty key file", map[string]string{"AUTHGATE_SIGNING_KEY_FILE": writeFile(t, "empty", "\n")}, "is empty", ""},
		{"short HMAC key", map[string]string{"AUTHGATE_SIGNING_KEY_FILE": short}, "needs a key of at least 32 bytes", ""},
		{"secret for an asymmetric algorithm", map[string]string{"AUTHGATE_ALGORITHM": "ES256", "AUTHGATE_SIGNING_KEY_FILE": secretFile},
			"AUTHGATE_SIGNING_KEY_FILE", ""},
		{"key of another family", map[string]string{"AUTHGATE_ALGORITHM": "RS256", "AUTHGATE_SIGNING_KEY_FILE": ed.priv},
			"RS256 needs an RSA key", ""},
		{"verifying key with HMAC", map[string]string{"AUTHGATE_SIGNING_KEY": secret, "AUTHGATE_VERIFYING_KEY_FILE": ed.pub},
			"AUTHGATE_VERIFYING_KEY is for the asymmetric algorithms", ""},
		{"verifying key not of the signing key",
			map[string]string{"AUTHGATE_ALGORITHM": "RS256", "AUTHGATE_SIGNING_KEY_FILE": rsa.priv, "AUTHGATE_VERIFYING_KEY_FILE": newKeyPair(t, "RS256").pub},
			"AUTHGATE_VERIFYING_KEY is not the public key of AUTHGATE_SIGNING_KEY_FILE", ""},
		{"verifying key inline and file",
			map[string]string{"AUTHGATE_ALGORITHM": "EdDSA", "AUTHGATE_SIGNING_KEY_FILE": ed.priv, "AUTHGATE_VERIFYING_KEY": "x", "AUTHGATE_VERIFYING_KEY_FILE": ed.pub},
			"both AUTHGATE_VERIFYING_KEY and AUTHGATE_VERIFYING_KEY_FILE", ""},
		{"retired private key",
			map[string]string{"AUTHGATE_ALGORITHM": "EdDSA", "AUTHGATE_SIGNING_KEY_FILE": ed.priv, "AUTHGATE_OLD_VERIFYING_KEY_FILES": rsa.priv},
			"holds a private key", ""},
		{"retired key missing",
			map[string]string{"AUTHGATE_SIGNING_KEY": secret, "AUTHGATE_OLD_VERIFYING_KEY_FILES": "old=/nonexistent/old.pem"},
			"AUTHGATE_OLD_VERIFYING_KEY_FILES", ""},
		{"retired key without a path",
			map[string]string{"AUTHGATE_SIGNING_KEY": secret, "AUTHGATE_OLD_VERIFYING_KEY_FILES": "old="},
			"names no file", ""},
		{"retired short secret",
			map[string]string{"AUTHGATE_SIGNING_KEY": secret, "AUTHGATE_OLD_VERIFYING_KEY_FILES": short},
			"short is 9 bytes; HS256 needs a key of at least 32 bytes", ""},
		{"retired key is the signing key",
			map[string]string{"AUTHGATE_ALGORITHM": "EdDSA", "AUTHGATE_SIGNING_KEY_FILE": ed.priv, "AUTHGATE_OLD_VERIFYING_KEY_FILES": ed.pub},
			"two keys have kid", ""},
		{"retired RSA key beside EdDSA",
			map[string]string{"AUTHGATE_ALGORITHM": "EdDSA", "AUTHGATE_SIGNING_KEY_FILE": ed.priv, "AUTHGATE_OLD_VERIFYING_KEY_FILES": rsa.pub},
			"", "EdDSA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{}
			for k, v := range c.vars {
				vars[k] = v
			}
			a, err := open(t, vars, app.Options{})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				t.Logf("error: %v", err)
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if algs := a.Tokens.Algorithms(); algs[0] != c.wantAlg {
				t.Errorf("signing algorithm %v, want %s", algs, c.wantAlg)
			}
			tok, _, err := a.Tokens.Issue(token.TypeAccess, "5f0c3b0e-8a57-4b7a-9a53-6f8d1f0b2a11")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Tokens.Parse(tok, token.TypeAccess); err != nil {
				t.Errorf("own token refused: %v", err)
			}
		})
	}
}

// TestKeyFileSecretMatchesInline: a key read from a file signs exactly as the same key given
// inline (the trailing newline an editor adds is not part of it).
func TestKeyFileSecretMatchesInline(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("k", 48)
	inline, err := open(t, map[string]string{"AUTHGATE_SIGNING_KEY": secret}, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := open(t, map[string]string{"AUTHGATE_SIGNING_KEY_FILE": writeFile(t, "k", secret+"\n")}, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := inline.Tokens.Issue(token.TypeAccess, "5f0c3b0e-8a57-4b7a-9a53-6f8d1f0b2a11")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.Tokens.Parse(tok, token.TypeAccess); err != nil {
		t.Errorf("token of the inline key refused by the file key: %v", err)
	}
}

// TestDevelopmentKeyRace starts instances at once on one data directory with no key configured:
// they all end up with the one generated key, each reading it whole.
func TestDevelopmentKeyRace(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"HS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			const n = 4
			apps := make([]*app.App, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					apps[i], errs[i] = open(t, map[string]string{"AUTHGATE_ALGORITHM": alg, "AUTHGATE_DATA_DIR": dir},
						app.Options{GenerateKey: true})
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("instance %d: %v", i, err)
				}
			}
			tok, _, err := apps[0].Tokens.Issue(token.TypeAccess, "5f0c3b0e-8a57-4b7a-9a53-6f8d1f0b2a11")
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range apps[1:] {
				if _, err := a.Tokens.Parse(tok, token.TypeAccess); err != nil {
					t.Errorf("instance %d refuses instance 0's token: %v", i+1, err)
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("data directory holds %v, want the key file alone", names)
			}
			info, err := os.Stat(filepath.Join(dir, entries[0].Name()))
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("key file mode %v (%v), want 0600", info.Mode(), err)
			}
		})
	}
}
