// Package auth is authgate's domain: users, refresh-token families, the blacklist and two-factor
// challenges, with the Service that enforces SimpleJWT's rules and authgate's fixes.
package auth

import (
	"errors"
	"time"
)

// User mirrors Django's user model as the tutorial sets it up (UUID primary key, e-mail login).
type User struct {
	ID               string // canonical lowercase UUID with dashes
	Email            string // as given; compared case-insensitively
	PasswordHash     string // Django form: "algorithm$params$salt$hash"
	IsActive         bool
	IsStaff          bool
	IsSuperuser      bool
	TwoFactorEnabled bool
	DateJoined       time.Time
	LastLogin        time.Time // zero when never
	// TokensValidAfter: access and refresh tokens whose iat is before this instant are refused.
	// A password change or logout-all moves it forward (whole seconds, since iat is in seconds).
	TokensValidAfter time.Time
	FirstName        string    // Django's first_name, at most 150 characters
	LastName         string    // Django's last_name, at most 150 characters
	VerifiedAt       time.Time // when the address was verified; zero while it is not
	// ActivationPending: signed up and inactive until the activation link is followed (accounts.go).
	ActivationPending bool
	// CredentialsGeneration counts the events that void pending challenges and account tokens:
	// a password change, a logout everywhere (not a deactivation: an inactive user can use none
	// of them anyway). A challenge or token keeps the generation it was issued under, so
	// staleness needs no clock.
	CredentialsGeneration int64
	// SecondFactorFailures counts consecutive failed second-factor checks, any challenge, any
	// door; at Config.MaxFactorFailures the account's codes are refused (SecondFactorLocked).
	SecondFactorFailures int
}

// Reasons a refresh token is blacklisted.
const (
	ReasonRotated       = "rotated"
	ReasonLogout        = "logout"
	ReasonLogoutAll     = "logout_all"
	ReasonReuseDetected = "reuse_detected"
	ReasonPassword      = "password_change"
	ReasonAdmin         = "admin"
	ReasonBlacklist     = "blacklist" // POST /api/token/blacklist/
	ReasonSession       = "session_revoked"
	ReasonDeactivated   = "deactivated"
	ReasonDeleted       = "account_deleted"
	ReasonIdleTimeout   = "idle_timeout"  // AUTHGATE_SESSION_IDLE_TIMEOUT
	ReasonMaxAge        = "max_age"       // AUTHGATE_SESSION_MAX_AGE
	ReasonSessionLimit  = "session_limit" // AUTHGATE_SESSIONS_PER_USER
)

// OutstandingToken is a refresh token authgate issued (or accepted from a peer SimpleJWT
// deployment), as in SimpleJWT's token_blacklist app, plus the family it descends from.
type OutstandingToken struct {
	ID        int64
	UserID    string // empty when the token named no user
	JTI       string
	Token     string
	CreatedAt time.Time
	ExpiresAt time.Time
	FamilyID  string // the session: an opaque random id, carried by the tokens' sid claim
	ParentJTI string // empty for the first token of a family
	ClientIP  string
	UserAgent string

	// Filled by reads that join the blacklist.
	Blacklisted   bool
	BlacklistedAt time.Time
	Reason        string
	UserEmail     string // filled by admin listings
}

// Challenge is a pending second factor: an e-mailed code bound to one user and one login attempt.
// Purpose says what finishing it does ("login", "enable", "admin_login").
type Challenge struct {
	ID         string // opaque, random, URL-safe; only its hash is the primary key in storage
	UserID     string
	Purpose    string
	CodeHash   string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	Attempts   int
	ConsumedAt time.Time // zero while usable
	SentCount  int
	LastSentAt time.Time
	ClientIP   string
	UserAgent  string
	Generation int64 // the user's CredentialsGeneration when it was issued
}

// AuditEvent is one security-relevant event. Detail never holds a secret.
type AuditEvent struct {
	ID        int64
	At        time.Time
	UserID    string
	ActorID   string // the admin acting, when not the user
	Kind      string
	ClientIP  string
	UserAgent string
	Detail    string
	UserEmail string // filled by listings
}

// AdminSession is a server-side admin panel session. ID is the hash of the cookie secret.
type AdminSession struct {
	ID         string
	UserID     string
	CSRFSecret string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	ClientIP   string
	UserAgent  string
}

// Sentinel errors. The web layer maps each to one status and body, once.
var (
	ErrNotFound           = errors.New("not found")
	ErrConflict           = errors.New("conflict")
	ErrUnavailable        = errors.New("storage unavailable")
	ErrInvalidCredentials = errors.New("no active account found with the given credentials")
	ErrTokenInvalid       = errors.New("token is invalid or expired")
	ErrTokenWrongType     = errors.New("token has wrong type")
	ErrTokenNoID          = errors.New("token has no id")
	ErrTokenNoType        = errors.New("token has no type")
	ErrTokenNoExp         = errors.New("token has no 'exp' claim")
	ErrTokenNoUser        = errors.New("token contained no recognizable user identification")
	ErrBlacklisted        = errors.New("token is blacklisted")
	ErrTokenRevoked       = errors.New("token was revoked") // iat before the user's tokens_valid_after
	ErrUserNotFound       = errors.New("user not found")
	ErrUserInactive       = errors.New("user is inactive")
	ErrNoActiveAccount    = errors.New("no active account found for the given token")
	ErrNotOwner           = errors.New("token does not belong to the caller")
	ErrThrottled          = errors.New("request was throttled")
	ErrChallengeInvalid   = errors.New("challenge is invalid")
	ErrCodeInvalid        = errors.New("code is invalid")
	ErrCodeExpired        = errors.New("code has expired")
	ErrTooManyAttempts    = errors.New("too many attempts")
	ErrMailFailed         = errors.New("mail could not be delivered")
	// ErrSecondFactorLocked: the account had too many consecutive failed second-factor checks;
	// no code is accepted until a password reset or an admin's unlock.
	ErrSecondFactorLocked = errors.New("second factor locked")
)
