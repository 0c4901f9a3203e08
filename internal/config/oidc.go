package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
)

// OIDCProvider is one external identity provider users may sign in with (issue #19), declared
// by name in AUTHGATE_OIDC_PROVIDERS and set by the AUTHGATE_OIDC_{NAME}_… variables. The
// per-provider variables have no flags: their names depend on the provider's.
type OIDCProvider struct {
	Name         string // as declared, lower case: the {provider} of /api/oauth/{provider}/…
	Label        string // shown on "Sign in with …" buttons
	Preset       string // google, microsoft, github or oidc
	Issuer       string // OpenID Connect issuer (discovery at Issuer/.well-known/openid-configuration)
	ClientID     string
	ClientSecret string
	Scopes       []string
	Tenant       string // Microsoft Entra ID directory (tenant) ID
	// AuthURL, TokenURL and APIURL are GitHub's OAuth 2.0 endpoints and REST API; overridable
	// for GitHub Enterprise Server (and for tests).
	AuthURL, TokenURL, APIURL string
}

// Provider presets.
const (
	PresetOIDC      = "oidc"
	PresetGoogle    = "google"
	PresetMicrosoft = "microsoft"
	PresetGitHub    = "github"
)

// providerSuffixes are the per-provider settings: AUTHGATE_OIDC_{NAME}_{SUFFIX}.
var providerSuffixes = []string{"PRESET", "ISSUER", "CLIENT_ID", "CLIENT_SECRET", "CLIENT_SECRET_FILE",
	"SCOPES", "TENANT", "LABEL", "AUTH_URL", "TOKEN_URL", "API_URL"}

var providerName = regexp.MustCompile(`^[a-z][a-z0-9]{0,31}$`)

// providerEnv is the variable of one provider's setting.
func providerEnv(name, suffix string) string {
	return "AUTHGATE_OIDC_" + strings.ToUpper(name) + "_" + suffix
}

// declaredProviders splits AUTHGATE_OIDC_PROVIDERS into lower-case names.
func declaredProviders(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// providerVariables are the names every declared provider may set.
func providerVariables(names []string) []string {
	var out []string
	for _, n := range names {
		for _, s := range providerSuffixes {
			out = append(out, providerEnv(n, s))
		}
	}
	return out
}

// IsProviderVariable reports whether name has the shape of a per-provider setting,
// AUTHGATE_OIDC_{NAME}_{SUFFIX} with a known suffix, whatever the provider's name.
func IsProviderVariable(name string) bool {
	rest, ok := strings.CutPrefix(name, "AUTHGATE_OIDC_")
	if !ok {
		return false
	}
	for _, s := range providerSuffixes {
		if n, ok := strings.CutSuffix(rest, "_"+s); ok && providerName.MatchString(strings.ToLower(n)) {
			return true
		}
	}
	return false
}

var multiTenant = []string{"common", "organizations", "consumers"}

// loadProviders reads the providers AUTHGATE_OIDC_PROVIDERS declares; every error names the
// variable at fault, so a misconfigured provider stops start-up with a message saying which.
func loadProviders(c *Config, getenv func(string) string) error {
	var errs []error
	seen := map[string]bool{}
	for _, name := range declaredProviders(c.OIDCProvidersList) {
		if !providerName.MatchString(name) {
			errs = append(errs, fmt.Errorf("AUTHGATE_OIDC_PROVIDERS: %q is not a provider name (a letter, then up to 31 letters or digits)", name))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("AUTHGATE_OIDC_PROVIDERS: %q is declared twice", name))
			continue
		}
		seen[name] = true
		p, err := loadProvider(name, getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.OIDCProviders = append(c.OIDCProviders, p)
	}
	if len(c.OIDCProviders) > 0 && len(c.OIDCRedirectURLs) == 0 {
		errs = append(errs, errors.New("AUTHGATE_OIDC_REDIRECT_URLS is required with AUTHGATE_OIDC_PROVIDERS: list the frontend pages a sign-in may return to"))
	}
	for _, u := range c.OIDCRedirectURLs {
		if !absoluteHTTP(u) {
			errs = append(errs, fmt.Errorf("AUTHGATE_OIDC_REDIRECT_URLS: %q is not an absolute http or https URL without a fragment", u))
		}
	}
	return errors.Join(errs...)
}

func absoluteHTTP(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Fragment == "" &&
		u.User == nil && !strings.Contains(v, "#")
}

func loadProvider(name string, getenv func(string) string) (OIDCProvider, error) {
	get := func(s string) string { return strings.TrimSpace(getenv(providerEnv(name, s))) }
	p := OIDCProvider{Name: name, Preset: strings.ToLower(get("PRESET")), Issuer: get("ISSUER"),
		ClientID: get("CLIENT_ID"), ClientSecret: get("CLIENT_SECRET"), Tenant: get("TENANT"), Label: get("LABEL"),
		AuthURL: get("AUTH_URL"), TokenURL: get("TOKEN_URL"), APIURL: get("API_URL")}
	if p.Preset == "" {
		p.Preset = PresetOIDC
		if slices.Contains([]string{PresetGoogle, PresetMicrosoft, PresetGitHub}, name) {
			p.Preset = name // a provider named after a preset is that preset
		}
	}
	env := func(s string) string { return providerEnv(name, s) }
	var errs []error
	if f := get("CLIENT_SECRET_FILE"); f != "" {
		if p.ClientSecret != "" {
			errs = append(errs, fmt.Errorf("%s and %s are both set; set one", env("CLIENT_SECRET"), env("CLIENT_SECRET_FILE")))
		}
		b, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", env("CLIENT_SECRET_FILE"), err))
		}
		p.ClientSecret = strings.TrimSpace(string(b))
		if err == nil && p.ClientSecret == "" {
			errs = append(errs, fmt.Errorf("%s: %s is empty", env("CLIENT_SECRET_FILE"), f))
		}
	}
	if p.ClientID == "" {
		errs = append(errs, fmt.Errorf("%s is required (provider %q)", env("CLIENT_ID"), name))
	}
	if p.ClientSecret == "" && get("CLIENT_SECRET_FILE") == "" {
		errs = append(errs, fmt.Errorf("%s or %s is required (provider %q)", env("CLIENT_SECRET"), env("CLIENT_SECRET_FILE"), name))
	}
	if s := get("SCOPES"); s != "" {
		p.Scopes = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	}
	switch p.Preset {
	case PresetOIDC:
		if p.Issuer == "" {
			errs = append(errs, fmt.Errorf("%s is required (provider %q, preset oidc)", env("ISSUER"), name))
		}
	case PresetGoogle:
		if p.Issuer == "" {
			p.Issuer = "https://accounts.google.com"
		}
		p.Label = cmpOr(p.Label, "Google")
	case PresetMicrosoft:
		switch {
		case p.Tenant == "" && p.Issuer == "":
			errs = append(errs, fmt.Errorf("%s is required (provider %q, preset microsoft): the directory (tenant) ID", env("TENANT"), name))
		case slices.Contains(multiTenant, strings.ToLower(p.Tenant)):
			errs = append(errs, fmt.Errorf("%s: %q is a multi-tenant endpoint, whose tokens each name their own issuer; give one tenant's directory (tenant) ID", env("TENANT"), p.Tenant))
		case p.Issuer == "":
			p.Issuer = "https://login.microsoftonline.com/" + url.PathEscape(p.Tenant) + "/v2.0"
		}
		p.Label = cmpOr(p.Label, "Microsoft")
	case PresetGitHub:
		if p.Issuer != "" {
			errs = append(errs, fmt.Errorf("%s: GitHub is not an OpenID Connect provider; set %s, %s and %s to move its endpoints", env("ISSUER"), env("AUTH_URL"), env("TOKEN_URL"), env("API_URL")))
		}
		p.AuthURL = cmpOr(p.AuthURL, "https://github.com/login/oauth/authorize")
		p.TokenURL = cmpOr(p.TokenURL, "https://github.com/login/oauth/access_token")
		p.APIURL = strings.TrimSuffix(cmpOr(p.APIURL, "https://api.github.com"), "/")
		for _, s := range []string{"AUTH_URL", "TOKEN_URL", "API_URL"} {
			if v := get(s); v != "" && !absoluteHTTP(v) {
				errs = append(errs, fmt.Errorf("%s: %q is not an absolute http or https URL", env(s), v))
			}
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"read:user", "user:email"}
		}
		p.Label = cmpOr(p.Label, "GitHub")
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not one of google, microsoft, github, oidc", env("PRESET"), p.Preset))
	}
	if p.Preset != PresetGitHub {
		for _, s := range []string{"AUTH_URL", "TOKEN_URL", "API_URL"} {
			if get(s) != "" {
				errs = append(errs, fmt.Errorf("%s is only for the github preset (provider %q discovers its endpoints from its issuer)", env(s), name))
			}
		}
		if p.Issuer != "" && !absoluteHTTP(p.Issuer) {
			errs = append(errs, fmt.Errorf("%s: %q is not an absolute http or https URL", env("ISSUER"), p.Issuer))
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"openid", "email", "profile"}
		}
		if !slices.Contains(p.Scopes, "openid") {
			errs = append(errs, fmt.Errorf("%s: OpenID Connect needs the openid scope", env("SCOPES")))
		}
	}
	if p.Preset != PresetMicrosoft && p.Tenant != "" {
		errs = append(errs, fmt.Errorf("%s is only for the microsoft preset", env("TENANT")))
	}
	p.Label = cmpOr(p.Label, name)
	return p, errors.Join(errs...)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
