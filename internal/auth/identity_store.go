package auth

import (
	"context"
	"errors"
	"time"
)

// Identity is a user's account at an external identity provider (issue #19), known by the
// provider's name and its subject, the provider's stable id of the account.
type Identity struct {
	ID         string // UUID
	UserID     string
	Provider   string
	Subject    string
	Email      string // the address the provider gave at the last sign-in, for display
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used to sign in
}

// OAuthFlow is a short-lived, single-use record of a sign-in with a provider in progress:
// the state of an authorization request, an intent to link, or a one-time login code.
type OAuthFlow struct {
	ID         string // keyed hash of the opaque value the browser holds
	Purpose    string // FlowState, FlowLink or FlowCode
	Provider   string
	UserID     string // the user linking (FlowLink, FlowState of a link) or signing in (FlowCode)
	RedirectTo string
	Verifier   string // PKCE code verifier (RFC 7636)
	Nonce      string // OpenID Connect nonce
	Binding    string // keyed hash of the browser cookie the callback must present
	Detail     string // for FlowCode: the audit detail of the sign-in it completes
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Purposes of OAuthFlow records.
const (
	FlowState = "state"
	FlowLink  = "link"
	FlowCode  = "code"
)

// ErrLastLogin refuses to unlink the identity that is a user's last way to log in.
var ErrLastLogin = errors.New("the last way to log in cannot be removed")

// IdentityStore keeps external identities and the records of sign-ins in progress.
type IdentityStore interface {
	// CreateIdentity inserts i; ErrConflict when the provider and subject are linked already,
	// ErrNotFound when the user does not exist.
	CreateIdentity(ctx context.Context, i Identity) error
	// IdentityBySubject returns the identity, or ErrNotFound.
	IdentityBySubject(ctx context.Context, provider, subject string) (Identity, error)
	// IdentitiesOfUser lists the user's identities, oldest first.
	IdentitiesOfUser(ctx context.Context, userID string) ([]Identity, error)
	// TouchIdentity records a sign-in with the identity and the address it came with.
	TouchIdentity(ctx context.Context, id, email string, at time.Time) error
	// DeleteIdentity removes the user's identity, in one statement, unless it is their only one
	// and passwordUsable is false: then ErrLastLogin. ErrNotFound when the user has no such
	// identity.
	DeleteIdentity(ctx context.Context, userID, id string, passwordUsable bool) error
	// PutOAuthFlow inserts f; ErrConflict when its id exists.
	PutOAuthFlow(ctx context.Context, f OAuthFlow) error
	// TakeOAuthFlow deletes the record of the purpose and returns it: of concurrent takes one
	// wins. ErrNotFound when there is none, or it expired at now.
	TakeOAuthFlow(ctx context.Context, id, purpose string, now time.Time) (OAuthFlow, error)
	// DeleteExpiredOAuthFlows deletes records that expired before the instant; it returns how many.
	DeleteExpiredOAuthFlows(ctx context.Context, before time.Time) (int, error)
}
