package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sign-in with external identity providers (issue #19): the service's side. The web layer talks
// to the provider (internal/social) and hands over what it proved, an ExternalIdentity; the
// service decides which user that is, and ends the sign-in in the same token pair a password
// login gives, through a one-time code (no token ever travels in a URL).

// ExternalIdentity is what a provider vouched for at a sign-in.
type ExternalIdentity struct {
	Provider      string
	Subject       string // the provider's stable id of the account
	Email         string
	EmailVerified bool // the provider says the address was proved to belong to the account
	FirstName     string
	LastName      string
}

// Lifetimes of the records of a sign-in in progress.
const (
	// OAuthStateTTL bounds the time a user may spend at the provider.
	OAuthStateTTL = 10 * time.Minute
	// LoginCodeTTL bounds the hop from the callback to the frontend's exchange.
	LoginCodeTTL = 2 * time.Minute
)

// Why a sign-in with a provider is refused; each is the error code the frontend receives.
var (
	ErrEmailUnverified = &ExternalError{"email_unverified", "The provider did not confirm this e-mail address, so it cannot be used to sign in."}
	ErrEmailInUse      = &ExternalError{"email_in_use", "An account with this e-mail address exists and cannot be linked automatically; log in and link the provider from your account."}
	ErrSignupNotOpen   = &ExternalError{"signup_closed", "There is no account for this identity, and sign-up is closed."}
	ErrIdentityInUse   = &ExternalError{"identity_in_use", "This identity is already linked to another account."}
	ErrAccountInactive = &ExternalError{"inactive", "This account is inactive."}
)

// ExternalError is a refused sign-in with a provider: Code is shown to the frontend.
type ExternalError struct {
	Code    string
	Message string
}

func (e *ExternalError) Error() string { return e.Message }

// FlowStart is what the browser carries through an authorization request: State goes to the
// provider and back, Binding into a cookie of this server's, so that a callback only works in
// the browser that started it (login CSRF, RFC 6749 §10.12); Verifier and Nonce stay here.
type FlowStart struct {
	State, Binding, Verifier, Nonce string
}

// hashBinding keys the browser binding of a flow at rest.
func (s *Service) hashBinding(v string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("oauth-binding:"))
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// StartOAuth records the state of an authorization request with the provider; linkUserID is
// the user linking (from a link intent), or "" for a sign-in.
func (s *Service) StartOAuth(ctx context.Context, provider, redirectTo, linkUserID string) (FlowStart, error) {
	fs := FlowStart{State: opaqueID(), Binding: opaqueID(), Verifier: opaqueID() + opaqueID(), Nonce: opaqueID()}
	now := s.now().UTC()
	err := s.store.PutOAuthFlow(ctx, OAuthFlow{
		ID: s.hashID(fs.State), Purpose: FlowState, Provider: provider, UserID: linkUserID, RedirectTo: redirectTo,
		Verifier: fs.Verifier, Nonce: fs.Nonce, Binding: s.hashBinding(fs.Binding), CreatedAt: now,
		ExpiresAt: now.Add(OAuthStateTTL),
	})
	if err != nil {
		return FlowStart{}, fmt.Errorf("auth: start oauth: %w", err)
	}
	return fs, nil
}

// Errors of a provider's answer (internal/social wraps them): one that proves nothing (a token
// that does not verify, a refused code), and a provider that cannot be reached.
var (
	ErrProviderRefused     = errors.New("the identity provider's answer was refused")
	ErrProviderUnavailable = errors.New("the identity provider is unavailable")
)

// ErrFlowInvalid is a callback whose state is unknown, used, expired, for another provider, or
// from another browser.
var ErrFlowInvalid = errors.New("the sign-in is invalid or expired")

// TakeOAuthState takes the state of an authorization request once: the callback in the
// browser that started it, for the same provider.
func (s *Service) TakeOAuthState(ctx context.Context, provider, state, binding string) (OAuthFlow, error) {
	if !validOpaque(state) || !validOpaque(binding) {
		return OAuthFlow{}, ErrFlowInvalid
	}
	f, err := s.store.TakeOAuthFlow(ctx, s.hashID(state), FlowState, s.now())
	if errors.Is(err, ErrNotFound) {
		return OAuthFlow{}, ErrFlowInvalid
	}
	if err != nil {
		return OAuthFlow{}, err
	}
	if subtle.ConstantTimeCompare([]byte(f.Binding), []byte(s.hashBinding(binding))) != 1 || f.Provider != provider {
		return OAuthFlow{}, ErrFlowInvalid
	}
	return f, nil
}

// CreateLinkIntent records that u, authenticated by an access token, wants to link an identity
// at the provider; the opaque value it returns starts the flow in the browser, where the access
// token is not (it must not travel in a URL).
func (s *Service) CreateLinkIntent(ctx context.Context, u User, provider, redirectTo string, c Client) (string, error) {
	opaque := opaqueID()
	now := s.now().UTC()
	err := s.store.PutOAuthFlow(ctx, OAuthFlow{ID: s.hashID(opaque), Purpose: FlowLink, Provider: provider,
		UserID: u.ID, RedirectTo: redirectTo, CreatedAt: now, ExpiresAt: now.Add(LoginCodeTTL)})
	if err != nil {
		return "", fmt.Errorf("auth: link intent: %w", err)
	}
	return opaque, nil
}

// TakeLinkIntent takes a link intent once.
func (s *Service) TakeLinkIntent(ctx context.Context, provider, opaque string) (OAuthFlow, error) {
	if !validOpaque(opaque) {
		return OAuthFlow{}, ErrFlowInvalid
	}
	f, err := s.store.TakeOAuthFlow(ctx, s.hashID(opaque), FlowLink, s.now())
	if errors.Is(err, ErrNotFound) || err == nil && f.Provider != provider {
		return OAuthFlow{}, ErrFlowInvalid
	}
	return f, err
}

// ExternalSignIn finds or makes the user an identity a provider vouched for, and returns the
// one-time code the frontend exchanges for tokens (ExchangeLoginCode). The identity is looked
// up by provider and subject; an unknown one is linked to the account with the same address
// only when the provider verified the address and the account's own address is verified
// (otherwise whoever registered the address first, or controls it at the provider, could take
// the account over); else an account is made when sign-up is open.
func (s *Service) ExternalSignIn(ctx context.Context, ext ExternalIdentity, c Client) (string, error) {
	u, err := s.userForExternal(ctx, ext, c)
	if err != nil {
		if xe := (*ExternalError)(nil); errors.As(err, &xe) {
			s.audit(ctx, "oauth_login_refused", u.ID, "", c, ext.Provider+": "+xe.Code)
		}
		return "", err
	}
	if !u.IsActive {
		s.audit(ctx, "oauth_login_refused", u.ID, "", c, ext.Provider+": inactive")
		return "", ErrAccountInactive
	}
	code := opaqueID()
	now := s.now().UTC()
	err = s.store.PutOAuthFlow(ctx, OAuthFlow{ID: s.hashID(code), Purpose: FlowCode, Provider: ext.Provider,
		UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(LoginCodeTTL)})
	if err != nil {
		return "", fmt.Errorf("auth: login code: %w", err)
	}
	return code, nil
}

func (s *Service) userForExternal(ctx context.Context, ext ExternalIdentity, c Client) (User, error) {
	id, err := s.store.IdentityBySubject(ctx, ext.Provider, ext.Subject)
	if err == nil {
		if err := s.store.TouchIdentity(ctx, id.ID, truncate(ext.Email, 254), s.now().UTC()); err != nil {
			return User{}, err
		}
		return s.store.UserByID(ctx, id.UserID)
	}
	if !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	email := NormalizeEmail(ext.Email)
	if !ext.EmailVerified || ValidateEmail(email) != nil {
		return User{}, ErrEmailUnverified
	}
	u, err := s.lookupEmail(ctx, email)
	switch {
	case err == nil:
		if u.VerifiedAt.IsZero() || u.ActivationPending {
			return u, ErrEmailInUse
		}
		if err := s.linkIdentity(ctx, u, ext, "", c); err != nil {
			return User{}, err
		}
		return u, nil
	case !errors.Is(err, ErrNotFound):
		return User{}, err
	case s.cfg.Accounts.Signup != SignupOpen:
		return User{}, ErrSignupNotOpen
	}
	first, last := truncate(strings.TrimSpace(ext.FirstName), MaxNameLength), truncate(strings.TrimSpace(ext.LastName), MaxNameLength)
	now := s.now().UTC()
	u = User{ID: NewUUID(), Email: email, PasswordHash: unusablePassword(), IsActive: true, DateJoined: now,
		TokensValidAfter: time.Unix(0, 0).UTC(), FirstName: first, LastName: last, VerifiedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrConflict) { // a parallel sign-up took the address
			return User{}, ErrEmailInUse
		}
		return User{}, err
	}
	s.audit(ctx, "user_signed_up", u.ID, "", c, "oauth "+ext.Provider)
	if err := s.linkIdentity(ctx, u, ext, "", c); err != nil {
		return User{}, err
	}
	return u, nil
}

// linkIdentity stores the identity as u's and audits it.
func (s *Service) linkIdentity(ctx context.Context, u User, ext ExternalIdentity, actorID string, c Client) error {
	now := s.now().UTC()
	err := s.store.CreateIdentity(ctx, Identity{ID: NewUUID(), UserID: u.ID, Provider: ext.Provider,
		Subject: ext.Subject, Email: truncate(ext.Email, 254), CreatedAt: now, LastUsedAt: now})
	if errors.Is(err, ErrConflict) {
		return ErrIdentityInUse
	}
	if err != nil {
		return fmt.Errorf("auth: link identity: %w", err)
	}
	s.audit(ctx, "identity_linked", u.ID, actorID, c, ext.Provider)
	return nil
}

// LinkExternal links an identity a provider vouched for to the user who asked to (a link
// intent). The provider's address does not matter here: the user proved both accounts.
func (s *Service) LinkExternal(ctx context.Context, userID string, ext ExternalIdentity, c Client) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.IsActive {
		return ErrAccountInactive
	}
	id, err := s.store.IdentityBySubject(ctx, ext.Provider, ext.Subject)
	switch {
	case err == nil && id.UserID == u.ID:
		return nil // linked already
	case err == nil:
		s.audit(ctx, "oauth_link_refused", u.ID, "", c, ext.Provider+": linked to another account")
		return ErrIdentityInUse
	case !errors.Is(err, ErrNotFound):
		return err
	}
	return s.linkIdentity(ctx, u, ext, u.ID, c)
}

// ExchangeLoginCode ends a sign-in with a provider: the one-time code becomes the token pair a
// password login gives (the same sessions, audit and last_login), or the same second-factor
// challenge when the user has one.
func (s *Service) ExchangeLoginCode(ctx context.Context, code string, c Client) (LoginResult, error) {
	if !validOpaque(code) {
		return LoginResult{}, ErrFlowInvalid
	}
	f, err := s.store.TakeOAuthFlow(ctx, s.hashID(code), FlowCode, s.now())
	if errors.Is(err, ErrNotFound) {
		s.audit(ctx, "login_failed", "", "", c, "oauth: unknown or used code")
		return LoginResult{}, ErrFlowInvalid
	}
	if err != nil {
		return LoginResult{}, err
	}
	u, err := s.store.UserByID(ctx, f.UserID)
	if errors.Is(err, ErrNotFound) {
		return LoginResult{}, ErrFlowInvalid
	}
	if err != nil {
		return LoginResult{}, err
	}
	if !u.IsActive {
		s.audit(ctx, "login_failed", u.ID, "", c, "oauth "+f.Provider+": inactive user")
		return LoginResult{}, ErrFlowInvalid
	}
	// The same second step as a password login (Login): every method the user has.
	methods, err := s.Methods(ctx, u)
	if err != nil {
		return LoginResult{}, err
	}
	if len(methods) > 0 {
		return s.loginChallenge(ctx, u, PurposeLogin, methods, c)
	}
	ev := s.event("login_ok", u.ID, "", c, "oauth "+f.Provider)
	p, err := s.issuePair(ctx, u, c, &ev)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Pair: p}, nil
}

// PasswordUsable reports whether u can log in with a password (Django's unusable password
// starts with "!").
func PasswordUsable(u User) bool {
	return u.PasswordHash != "" && !strings.HasPrefix(u.PasswordHash, "!")
}

// Identities lists u's identities.
func (s *Service) Identities(ctx context.Context, u User) ([]Identity, error) {
	return s.store.IdentitiesOfUser(ctx, u.ID)
}

// UnlinkIdentity removes one of u's identities unless it is u's last way to log in
// (ErrLastLogin); actorID is the administrator doing it, or "" for u.
func (s *Service) UnlinkIdentity(ctx context.Context, u User, id, actorID string, c Client) error {
	list, err := s.store.IdentitiesOfUser(ctx, u.ID)
	if err != nil {
		return err
	}
	provider := ""
	for _, i := range list {
		if i.ID == strings.ToLower(id) {
			provider = i.Provider
		}
	}
	if provider == "" {
		return ErrNotFound
	}
	if err := s.store.DeleteIdentity(ctx, u.ID, id, PasswordUsable(u)); err != nil {
		if errors.Is(err, ErrLastLogin) {
			s.audit(ctx, "identity_unlink_refused", u.ID, actorID, c, provider+": last way to log in")
		}
		return err
	}
	s.audit(ctx, "identity_unlinked", u.ID, actorID, c, provider)
	return nil
}

// OAuthFailed audits a sign-in with a provider that failed before an identity was known.
func (s *Service) OAuthFailed(ctx context.Context, userID, provider, reason string, c Client) {
	s.audit(ctx, "oauth_login_failed", userID, "", c, provider+": "+reason)
}
