package config_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/config"
)

var update = flag.Bool("update", false, "rewrite the settings table in README.md")

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreTheTutorials(t *testing.T) {
	c, _, err := config.Load("t", nil, env(nil), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessTokenLifetime != 30*time.Minute || c.RefreshTokenLifetime != 72*time.Hour ||
		!c.RotateRefreshTokens || !c.BlacklistAfterRotation || c.Algorithm != "HS256" ||
		c.Addr != "127.0.0.1:8060" || c.DatabaseURL != "sqlite://authgate.db" || !c.ReuseDetection {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	c, rest, err := config.Load("t", []string{"--access-token-lifetime", "5m", "extra"},
		env(map[string]string{"AUTHGATE_ACCESS_TOKEN_LIFETIME": "10m", "AUTHGATE_REFRESH_TOKEN_LIFETIME": "3d"}), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessTokenLifetime != 5*time.Minute || c.RefreshTokenLifetime != 72*time.Hour || len(rest) != 1 {
		t.Fatalf("flag over env over default: %v %v %v", c.AccessTokenLifetime, c.RefreshTokenLifetime, rest)
	}
}

func TestSigningKeyNames(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SECRET_KEY": "s"}, "SECRET_KEY"},
		{map[string]string{"SECRET_KEY": "s", "SIMPLE_JWT_SIGNING_KEY": "j"}, "SIMPLE_JWT_SIGNING_KEY"},
		{map[string]string{"SECRET_KEY": "s", "SIMPLE_JWT_SIGNING_KEY": "j", "AUTHGATE_SIGNING_KEY": "a"}, "AUTHGATE_SIGNING_KEY"},
	} {
		cfg, _, err := config.Load("t", nil, env(c.env), io.Discard, nil)
		if err != nil || cfg.SigningKeySource != c.want || cfg.SigningKey != c.env[c.want] {
			t.Errorf("%v: source %q key %q err %v", c.env, cfg.SigningKeySource, cfg.SigningKey, err)
		}
	}
}

// TestErrorsNameTheVariable: a malformed value stops start-up with the variable's name.
func TestErrorsNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{
		"AUTHGATE_ACCESS_TOKEN_LIFETIME":      "soon",
		"AUTHGATE_ROTATE_REFRESH_TOKENS":      "perhaps",
		"AUTHGATE_TWO_FACTOR":                 "sometimes",
		"AUTHGATE_THROTTLE_LOGIN":             "lots",
		"AUTHGATE_TRUSTED_PROXIES":            "not-an-ip",
		"AUTHGATE_CORS_ALLOWED_ORIGINS":       "example.com",
		"AUTHGATE_TWO_FACTOR_CODE_LENGTH":     "3",
		"AUTHGATE_LOG_FORMAT":                 "xml",
		"AUTHGATE_SIGNUP":                     "sometimes",
		"AUTHGATE_EMAIL_VERIFICATION":         "maybe",
		"AUTHGATE_EMAIL_CHANGE":               "never",
		"AUTHGATE_ACTIVATION_URL":             "https://app.example.com/activate/{token}",
		"AUTHGATE_PASSWORD_RESET_CONFIRM_URL": "app/reset/{uid}/{token}",
		"AUTHGATE_INVITATION_URL":             "https://app.example.com/join",
		"AUTHGATE_PUBLIC_URL":                 "auth.example.com",
		"AUTHGATE_DJOSER_PREFIX":              "/api/auth/",
		"AUTHGATE_THROTTLE_SIGNUP":            "many",
		"AUTHGATE_ACTIVATION_TOKEN_LIFETIME":  "0s",
	} {
		_, _, err := config.Load("t", nil, env(map[string]string{k: v}), io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	_, _, err := config.Load("t", nil, env(map[string]string{"AUTHGATE_REFRESH_COOKIE": "true", "AUTHGATE_CORS_ALLOWED_ORIGINS": "*"}), io.Discard, nil)
	if err == nil {
		t.Error("credentials with * accepted")
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "3d": 72 * time.Hour, "1800": 30 * time.Minute, "1h30m": 90 * time.Minute} {
		if got, err := config.ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-5m", "x", "5 parsecs"} {
		if _, err := config.ParseDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestREADMESettings keeps the README's settings table equal to the settings the code knows.
func TestREADMESettings(t *testing.T) {
	const begin, end = "<!-- settings:begin -->\n", "<!-- settings:end -->"
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(readme, []byte(begin)), bytes.Index(readme, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q section", begin, end)
	}
	var table bytes.Buffer
	config.Document(&table)
	if got := readme[i+len(begin) : j]; !bytes.Equal(got, table.Bytes()) {
		if !*update {
			t.Fatalf("README.md settings table is out of date: go test ./internal/config -update")
		}
		out := append(append(append([]byte{}, readme[:i+len(begin)]...), table.Bytes()...), readme[j:]...)
		if err := os.WriteFile("../../README.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
