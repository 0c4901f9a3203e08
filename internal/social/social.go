// Package social talks to external identity providers (issue #19): OpenID Connect providers
// (any, Google, Microsoft Entra ID) through go-oidc, and GitHub's OAuth 2.0 and REST API, each
// ending in the identity the provider vouched for (auth.ExternalIdentity).
package social

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/config"
)

// ErrRefused is an answer of the provider that proves nothing: a token that does not verify
// (signature, issuer, audience, expiry, nonce), a refused code, a missing subject.
var ErrRefused = auth.ErrProviderRefused

// ErrUnavailable is a provider that could not be reached or answered nonsense.
var ErrUnavailable = auth.ErrProviderUnavailable

// Provider is one configured identity provider.
type Provider struct {
	cfg         config.OIDCProvider
	redirectURI string
	client      *http.Client
	now         func() time.Time

	mu       sync.Mutex // guards the discovered parts, fetched on first use
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// New returns the provider; publicURL is this server as browsers reach it. Discovery waits for
// the first sign-in, so that a provider being down does not keep authgate from starting.
func New(cfg config.OIDCProvider, publicURL string, client *http.Client, now func() time.Time) *Provider {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Provider{cfg: cfg, redirectURI: RedirectURI(publicURL, cfg.Name), client: client, now: now}
}

// RedirectURI is the callback to register at the provider.
func RedirectURI(publicURL, name string) string {
	return strings.TrimSuffix(publicURL, "/") + "/api/oauth/" + name + "/callback"
}

// Name is the provider's name in URLs; Label its name on buttons; Preset its kind.
func (p *Provider) Name() string   { return p.cfg.Name }
func (p *Provider) Label() string  { return p.cfg.Label }
func (p *Provider) Preset() string { return p.cfg.Preset }

func (p *Provider) isGitHub() bool { return p.cfg.Preset == config.PresetGitHub }

func (p *Provider) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, p.client), p.client)
}

// setup returns the OAuth 2.0 client, discovering an OpenID Connect provider's endpoints and
// keys on first use (and again after a failure).
func (p *Provider) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	oc := &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.redirectURI, Scopes: p.cfg.Scopes}
	if p.isGitHub() {
		oc.Endpoint = oauth2.Endpoint{AuthURL: p.cfg.AuthURL, TokenURL: p.cfg.TokenURL}
		p.oauth = oc
		return oc, nil, nil
	}
	// The discovery and key set requests keep the client, not the request's cancellation: the
	// key set outlives this request.
	op, err := oidc.NewProvider(p.ctx(context.WithoutCancel(ctx)), p.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: discovery: %w", ErrUnavailable, p.cfg.Name, err)
	}
	oc.Endpoint = op.Endpoint()
	p.oauth = oc
	p.verifier = op.VerifierContext(p.ctx(context.Background()), &oidc.Config{ClientID: p.cfg.ClientID, Now: p.now})
	return p.oauth, p.verifier, nil
}

// AuthCodeURL is where the browser goes to sign in: the authorization code flow with PKCE
// (RFC 7636, S256), state, and for OpenID Connect a nonce.
func (p *Provider) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, err := p.setup(ctx)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if !p.isGitHub() {
		opts = append(opts, oidc.Nonce(nonce))
	}
	return oc.AuthCodeURL(state, opts...), nil
}

// Identity redeems the authorization code and returns the identity the provider vouches for:
// for OpenID Connect from the ID token, verified (signature by the issuer's published keys,
// issuer, audience, expiry) and bound to this sign-in by its nonce; for GitHub from its API.
func (p *Provider) Identity(ctx context.Context, code, verifier, nonce string) (auth.ExternalIdentity, error) {
	oc, v, err := p.setup(ctx)
	if err != nil {
		return auth.ExternalIdentity{}, err
	}
	tok, err := oc.Exchange(p.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return auth.ExternalIdentity{}, fmt.Errorf("%w: code exchange: %w", ErrRefused, err)
		}
		return auth.ExternalIdentity{}, fmt.Errorf("%w: code exchange: %w", ErrUnavailable, err)
	}
	if p.isGitHub() {
		return p.github(ctx, tok)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return auth.ExternalIdentity{}, fmt.Errorf("%w: no id_token in the token response", ErrRefused)
	}
	idt, err := v.Verify(p.ctx(ctx), raw)
	if err != nil {
		return auth.ExternalIdentity{}, fmt.Errorf("%w: id_token: %w", ErrRefused, err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return auth.ExternalIdentity{}, fmt.Errorf("%w: id_token: nonce does not match this sign-in", ErrRefused)
	}
	var c struct {
		Email         string   `json:"email"`
		EmailVerified flexBool `json:"email_verified"`
		DomainOwner   flexBool `json:"xms_edov"` // Entra ID: the address's domain is verified by the tenant
		GivenName     string   `json:"given_name"`
		FamilyName    string   `json:"family_name"`
		Name          string   `json:"name"`
	}
	if err := idt.Claims(&c); err != nil {
		return auth.ExternalIdentity{}, fmt.Errorf("%w: id_token claims: %w", ErrRefused, err)
	}
	if idt.Subject == "" {
		return auth.ExternalIdentity{}, fmt.Errorf("%w: id_token has no subject", ErrRefused)
	}
	verified := bool(c.EmailVerified)
	if p.cfg.Preset == config.PresetMicrosoft {
		// Entra ID's email claim is any address an administrator typed and carries no
		// email_verified; only a domain the tenant proved (xms_edov) makes it trustworthy.
		verified = bool(c.DomainOwner) || bool(c.EmailVerified)
	}
	first, last := c.GivenName, c.FamilyName
	if first == "" && last == "" {
		first, last = splitName(c.Name)
	}
	return auth.ExternalIdentity{Provider: p.cfg.Name, Subject: idt.Subject, Email: c.Email, EmailVerified: verified,
		FirstName: first, LastName: last}, nil
}

// flexBool reads a JSON boolean that some providers send as a string ("true").
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("not a boolean: %s", data)
	}
	*b = flexBool(v)
	return nil
}

func splitName(n string) (string, string) {
	first, last, _ := strings.Cut(strings.TrimSpace(n), " ")
	return first, strings.TrimSpace(last)
}

// github reads the user and their addresses from GitHub's REST API: the subject is the numeric
// account id (the login can be renamed), the address the primary one when GitHub verified it.
func (p *Provider) github(ctx context.Context, tok *oauth2.Token) (auth.ExternalIdentity, error) {
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := p.api(ctx, tok, "/user", &user); err != nil {
		return auth.ExternalIdentity{}, err
	}
	if user.ID <= 0 {
		return auth.ExternalIdentity{}, fmt.Errorf("%w: github: /user has no id", ErrRefused)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := p.api(ctx, tok, "/user/emails", &emails); err != nil {
		return auth.ExternalIdentity{}, err
	}
	ext := auth.ExternalIdentity{Provider: p.cfg.Name, Subject: strconv.FormatInt(user.ID, 10), Email: user.Email}
	ext.FirstName, ext.LastName = splitName(user.Name)
	for _, e := range emails {
		if e.Primary {
			ext.Email, ext.EmailVerified = e.Email, e.Verified
		}
	}
	if !ext.EmailVerified {
		for _, e := range emails {
			if e.Verified {
				ext.Email, ext.EmailVerified = e.Email, true
				break
			}
		}
	}
	return ext, nil
}

func (p *Provider) api(ctx context.Context, tok *oauth2.Token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.APIURL+path, nil)
	if err != nil {
		return fmt.Errorf("%w: github: %w", ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	tok.SetAuthHeader(req)
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: github %s: %w", ErrUnavailable, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: github %s: %w", ErrUnavailable, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: github %s: %s", ErrRefused, path, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: github %s: %s", ErrUnavailable, path, resp.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: github %s: %w", ErrUnavailable, path, err)
	}
	return nil
}
