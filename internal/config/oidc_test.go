package config_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/config"
)

// TestOIDCProviders: each preset fills its defaults, and a misconfigured provider stops
// start-up with an error naming the variable at fault.
func TestOIDCProviders(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"AUTHGATE_OIDC_PROVIDERS":               "google, Corp,github,entra",
		"AUTHGATE_OIDC_REDIRECT_URLS":           "https://app.example.com/login",
		"AUTHGATE_OIDC_GOOGLE_CLIENT_ID":        "g",
		"AUTHGATE_OIDC_GOOGLE_CLIENT_SECRET":    "gs",
		"AUTHGATE_OIDC_CORP_ISSUER":             "https://idp.example.com/realms/x",
		"AUTHGATE_OIDC_CORP_CLIENT_ID":          "c",
		"AUTHGATE_OIDC_CORP_CLIENT_SECRET_FILE": secret,
		"AUTHGATE_OIDC_CORP_SCOPES":             "openid email",
		"AUTHGATE_OIDC_GITHUB_CLIENT_ID":        "h",
		"AUTHGATE_OIDC_GITHUB_CLIENT_SECRET":    "hs",
		"AUTHGATE_OIDC_ENTRA_PRESET":            "microsoft",
		"AUTHGATE_OIDC_ENTRA_TENANT":            "contoso.onmicrosoft.com",
		"AUTHGATE_OIDC_ENTRA_CLIENT_ID":         "m",
		"AUTHGATE_OIDC_ENTRA_CLIENT_SECRET":     "ms",
	}
	c, _, err := config.Load("t", nil, env(base), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OIDCProviders) != 4 {
		t.Fatalf("providers: %+v", c.OIDCProviders)
	}
	g, corp, gh, ms := c.OIDCProviders[0], c.OIDCProviders[1], c.OIDCProviders[2], c.OIDCProviders[3]
	if g.Preset != "google" || g.Issuer != "https://accounts.google.com" || !slices.Equal(g.Scopes, []string{"openid", "email", "profile"}) || g.Label != "Google" {
		t.Errorf("google: %+v", g)
	}
	if corp.Name != "corp" || corp.Preset != "oidc" || corp.ClientSecret != "s3cret" || !slices.Equal(corp.Scopes, []string{"openid", "email"}) {
		t.Errorf("corp: %+v", corp)
	}
	if gh.Preset != "github" || gh.APIURL != "https://api.github.com" || gh.TokenURL != "https://github.com/login/oauth/access_token" || gh.Issuer != "" {
		t.Errorf("github: %+v", gh)
	}
	if ms.Issuer != "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0" || ms.Label != "Microsoft" {
		t.Errorf("microsoft: %+v", ms)
	}

	for _, tc := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"AUTHGATE_OIDC_GOOGLE_CLIENT_ID": ""}, "AUTHGATE_OIDC_GOOGLE_CLIENT_ID is required"},
		{map[string]string{"AUTHGATE_OIDC_GOOGLE_CLIENT_SECRET": ""}, "AUTHGATE_OIDC_GOOGLE_CLIENT_SECRET or AUTHGATE_OIDC_GOOGLE_CLIENT_SECRET_FILE is required"},
		{map[string]string{"AUTHGATE_OIDC_CORP_ISSUER": ""}, "AUTHGATE_OIDC_CORP_ISSUER is required"},
		{map[string]string{"AUTHGATE_OIDC_CORP_ISSUER": "idp.example.com"}, "AUTHGATE_OIDC_CORP_ISSUER: \"idp.example.com\" is not an absolute"},
		{map[string]string{"AUTHGATE_OIDC_CORP_CLIENT_SECRET_FILE": "/nonexistent/x"}, "AUTHGATE_OIDC_CORP_CLIENT_SECRET_FILE:"},
		{map[string]string{"AUTHGATE_OIDC_CORP_SCOPES": "email"}, "AUTHGATE_OIDC_CORP_SCOPES: OpenID Connect needs the openid scope"},
		{map[string]string{"AUTHGATE_OIDC_CORP_PRESET": "okta"}, "AUTHGATE_OIDC_CORP_PRESET: \"okta\" is not one of"},
		{map[string]string{"AUTHGATE_OIDC_ENTRA_TENANT": "common"}, "AUTHGATE_OIDC_ENTRA_TENANT: \"common\" is a multi-tenant"},
		{map[string]string{"AUTHGATE_OIDC_ENTRA_TENANT": ""}, "AUTHGATE_OIDC_ENTRA_TENANT is required"},
		{map[string]string{"AUTHGATE_OIDC_GITHUB_ISSUER": "https://github.com"}, "AUTHGATE_OIDC_GITHUB_ISSUER: GitHub is not an OpenID Connect provider"},
		{map[string]string{"AUTHGATE_OIDC_GITHUB_API_URL": "api"}, "AUTHGATE_OIDC_GITHUB_API_URL: \"api\" is not an absolute"},
		{map[string]string{"AUTHGATE_OIDC_PROVIDERS": "google,google"}, "AUTHGATE_OIDC_PROVIDERS: \"google\" is declared twice"},
		{map[string]string{"AUTHGATE_OIDC_PROVIDERS": "my-idp"}, "AUTHGATE_OIDC_PROVIDERS: \"my-idp\" is not a provider name"},
		{map[string]string{"AUTHGATE_OIDC_REDIRECT_URLS": ""}, "AUTHGATE_OIDC_REDIRECT_URLS is required"},
		{map[string]string{"AUTHGATE_OIDC_REDIRECT_URLS": "/login"}, "AUTHGATE_OIDC_REDIRECT_URLS: \"/login\" is not an absolute"},
	} {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range tc.set {
			m[k] = v
		}
		_, _, err := config.Load("t", nil, env(m), io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want it to contain %q", tc.set, err, tc.want)
		}
	}
}
