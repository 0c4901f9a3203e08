package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestUnknownVariables: a misspelt or stray AUTHGATE_ variable is reported with the setting it
// most likely meant; settings, the tools' own variables and other variables are not.
func TestUnknownVariables(t *testing.T) {
	got := UnknownVariables([]string{
		"AUTHGATE_ACESS_TOKEN_LIFETIME=1h",
		"AUTHGATE_ACCESS_TOKEN_LIFETIME=1h",
		"AUTHGATE_THROTLE_LOGIN=5/min",
		"authgate_redis_url=redis://x",
		"AUTHGATE_REFRESH_TOKEN_LIFETME=1d",
		"AUTHGATE_TEST_POSTGRES_URL=postgres://x",
		"AUTHGATE_BENCH_CEILING_KEY=k",
		"AUTHGATE_PORT=8061",
		"AUTHGATE_THROTLE_LOGIN=6/min", // twice in the environment: reported once
		"PATH=/usr/bin",
		"SIMPLE_JWT_SIGNING_KEY=x",
		"AUTHGATE_SIGNING_KEY", // no "=": still a name
		"AUTHGATE_SIGNIN_KEY",
	})
	want := []Unknown{
		{"AUTHGATE_ACESS_TOKEN_LIFETIME", "AUTHGATE_ACCESS_TOKEN_LIFETIME"},
		{"AUTHGATE_REFRESH_TOKEN_LIFETME", "AUTHGATE_REFRESH_TOKEN_LIFETIME"},
		{"AUTHGATE_SIGNIN_KEY", "AUTHGATE_SIGNING_KEY"},
		{"AUTHGATE_THROTLE_LOGIN", "AUTHGATE_THROTTLE_LOGIN"},
		{"authgate_redis_url", "AUTHGATE_REDIS_URL"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("UnknownVariables = %v\nwant %v", got, want)
	}
	if s := got[0].String(); s != "AUTHGATE_ACESS_TOKEN_LIFETIME is not a setting and is ignored; did you mean AUTHGATE_ACCESS_TOKEN_LIFETIME?" {
		t.Errorf("warning %q", s)
	}
	got = UnknownVariables([]string{
		"AUTHGATE_OIDC_PROVIDERS=google,corp",
		"AUTHGATE_OIDC_GOOGLE_CLIENT_ID=x",
		"AUTHGATE_OIDC_CORP_ISSUER=https://idp.example.com",
		"AUTHGATE_OIDC_CORP_CLIENT_SECRET_FILE=/run/secrets/corp",
		"AUTHGATE_OIDC_GOOGEL_CLIENT_ID=y",
		"AUTHGATE_OIDC_GITHUB_CLIENT_ID=z", // a provider not declared
	})
	want = []Unknown{
		{"AUTHGATE_OIDC_GITHUB_CLIENT_ID", "AUTHGATE_OIDC_GOOGLE_CLIENT_ID"},
		{"AUTHGATE_OIDC_GOOGEL_CLIENT_ID", "AUTHGATE_OIDC_GOOGLE_CLIENT_ID"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("provider variables: UnknownVariables = %v\nwant %v", got, want)
	}
	if got := UnknownVariables(nil); len(got) != 0 {
		t.Errorf("an empty environment: %v", got)
	}
}

// TestEveryAuthgateVariableIsKnown: every AUTHGATE_ variable that the project's code, CI and
// deployment files use is a setting or one of nonSettings, so that nobody is warned about a
// variable authgate itself reads (a test-only one included). A helper adding such a variable
// adds it to nonSettings.
func TestEveryAuthgateVariableIsKnown(t *testing.T) {
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.env] = true
	}
	name := regexp.MustCompile(`AUTHGATE_[A-Z0-9_]*[A-Z0-9]\b`)
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "docs":
				return filepath.SkipDir
			}
			if rel == filepath.Join("internal", "config") { // the table itself, and typos as examples
				return filepath.SkipDir
			}
			return nil
		}
		base := d.Name()
		code := strings.HasSuffix(base, ".go") && !strings.HasSuffix(base, "_test.go")
		deploy := strings.HasPrefix(rel, "deploy"+string(filepath.Separator)) || rel == filepath.Join(".ci", "run") ||
			base == "Dockerfile" || strings.HasPrefix(base, "docker-compose")
		if !code && !deploy {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, v := range name.FindAllString(string(b), -1) {
			if !known[v] && nonSettings[v] == "" && !IsProviderVariable(v) {
				t.Errorf("%s uses %s, which is neither a setting nor in nonSettings (unknown.go)", rel, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d files checked: is the walk rooted at the repository?", checked)
	}
}

// TestLevenshtein pins the distance the suggestions rest on.
func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"AUTHGATE_ACESS", "AUTHGATE_ACCESS", 1}, {"flaw", "lawn", 2},
	} {
		if got := levenshtein(c.a, c.b); got != c.d {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
