package auth

import (
	"context"
	"time"
)

// Store is the persistence the Service needs. Implementations translate driver errors into
// ErrNotFound, ErrConflict and ErrUnavailable (wrapped with context), and run every method that
// writes more than one row in one transaction.
type Store interface {
	UserStore
	TokenStore
	ChallengeStore
	RecoveryCodeStore
	AuditStore
	AdminSessionStore
	SecondFactorStore
	TOTPStore
	AccountStore
	IdentityStore
	// Ping reports whether storage answers; ErrUnavailable when it does not.
	Ping(ctx context.Context) error
	Close() error
}

// UserStore keeps users. E-mails are unique and matched case-insensitively.
type UserStore interface {
	// CreateUser inserts u; ErrConflict when the e-mail (case-insensitively) or id exists.
	CreateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	// UpdateUser writes e-mail, flags, names, the verified state, last login and
	// tokens_valid_after (not the password hash).
	UpdateUser(ctx context.Context, u User) error
	// SetPasswordHash replaces the hash alone (re-hash on login: no token is revoked).
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// SetPassword replaces the hash, moves tokens_valid_after forward to validAfter, adds one to
	// the credentials generation and blacklists every live refresh token of the user with
	// ReasonPassword, in one transaction.
	SetPassword(ctx context.Context, userID, hash string, at, validAfter time.Time) error
	SetLastLogin(ctx context.Context, userID string, at time.Time) error
	HasSuperuser(ctx context.Context) (bool, error)
	// ListUsers pages by lower(email) ascending: users whose lower(email) > q.After.
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	CountUsers(ctx context.Context) (int, error)
	// DeleteUser removes the user; their tokens stay (user_id set to NULL), as Django does.
	DeleteUser(ctx context.Context, id string) error
}

// UserQuery selects a page of users.
type UserQuery struct {
	Search     string // case-insensitive substring of the e-mail
	Unverified bool   // only users whose address is not verified
	After      string // keyset cursor: lower(email) of the last row of the previous page
	Limit      int
}

// TokenStore keeps outstanding and blacklisted refresh tokens.
type TokenStore interface {
	// RecordOutstanding inserts an issued refresh token; ErrConflict when its jti exists.
	RecordOutstanding(ctx context.Context, t OutstandingToken) error
	// RecordLogin is RecordOutstanding and RecordEvent in one transaction: a login's first
	// refresh token and its audit event; on any error neither is recorded.
	RecordLogin(ctx context.Context, t OutstandingToken, e AuditEvent) error
	// TokenByJTI returns the token with its blacklist state, or ErrNotFound.
	TokenByJTI(ctx context.Context, jti string) (OutstandingToken, error)
	// Rotate, in one transaction: records old when absent (a token a peer SimpleJWT deployment
	// issued), blacklists old with ReasonRotated, and records next. The unique blacklist row
	// decides races: when old is already blacklisted it returns ErrBlacklisted and writes nothing.
	Rotate(ctx context.Context, old, next OutstandingToken, at time.Time) error
	// RotateRecorded is Rotate for a token believed recorded, without reading it first (the hot
	// path): it blacklists oldJTI with ReasonRotated and records next in oldJTI's family with
	// oldJTI as parent. ErrBlacklisted when oldJTI already was, ErrNotFound when it is not
	// recorded; both write nothing.
	RotateRecorded(ctx context.Context, oldJTI string, next OutstandingToken, at time.Time) error
	// Blacklist records t when absent and blacklists it; ErrBlacklisted when it already was.
	Blacklist(ctx context.Context, t OutstandingToken, reason string, at time.Time) error
	// EndSession ends a session: it records the session (family) ended, unless it already was,
	// and blacklists every not yet blacklisted token of it, in one transaction; it returns how
	// many tokens it blacklisted. userID is recorded with it ("" when unknown).
	EndSession(ctx context.Context, sessionID, userID, reason string, at time.Time) (int, error)
	// EndSessionsOfUser ends every session of the user that has a token not yet blacklisted,
	// but keep (which may be ""), as EndSession does; it returns how many sessions it ended.
	EndSessionsOfUser(ctx context.Context, userID, keep, reason string, at time.Time) (int, error)
	// EndedSessionsOfUser lists the user's ended sessions, the most recently ended first.
	EndedSessionsOfUser(ctx context.Context, userID string, limit int) ([]EndedSession, error)
	// SessionEnded reports whether the session is recorded ended.
	SessionEnded(ctx context.Context, sessionID string) (bool, error)
	// SessionStart is when the session's first token was recorded; ErrNotFound when it has none.
	SessionStart(ctx context.Context, sessionID string) (time.Time, error)
	// EndedSessions lists the sessions recorded ended at or after since, oldest first.
	EndedSessions(ctx context.Context, since time.Time) ([]EndedSession, error)
	// RevokeUser ends every session of the user, as EndSessionsOfUser does, and, in the same
	// transaction, moves tokens_valid_after forward to validAfter (never backward) and, but for
	// ReasonDeactivated, adds one to the credentials generation. It returns how many tokens it
	// blacklisted.
	RevokeUser(ctx context.Context, userID, reason string, at, validAfter time.Time) (int, error)
	// FlushExpired deletes up to batch outstanding tokens that expired before the instant, with
	// their blacklist rows, in short transactions; it returns how many tokens it deleted.
	FlushExpired(ctx context.Context, before time.Time, batch int) (int, error)
	// ListTokens pages newest first (id descending) with the blacklist state and user e-mail.
	ListTokens(ctx context.Context, q TokenQuery) ([]OutstandingToken, error)
	// Sessions lists the user's live families (at least one token neither blacklisted nor
	// expired at now), most recently used first.
	Sessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// TokenStats counts tokens for the dashboard.
	TokenStats(ctx context.Context, now time.Time) (TokenStats, error)
}

// TokenQuery selects a page of tokens.
type TokenQuery struct {
	UserID   string
	Search   string    // case-insensitive substring of the user's e-mail, or a jti prefix
	State    string    // "", "active" (not blacklisted, not expired), "blacklisted", "expired"
	Now      time.Time // for State
	BeforeID int64     // keyset cursor: ids below it; 0 starts at the newest
	Limit    int
}

// Session is one login: a refresh-token family with a live member. FamilyID is the session id,
// opaque and random, which the family's tokens carry in their sid claim.
type Session struct {
	FamilyID   string
	CreatedAt  time.Time // the family's first token
	LastUsedAt time.Time // the family's newest token
	ExpiresAt  time.Time // of the newest token
	ClientIP   string    // of the newest token
	UserAgent  string    // of the newest token
	CurrentJTI string    // the newest live token
}

// EndedSession is a session recorded ended: its access tokens are refused until they expire.
type EndedSession struct {
	ID      string
	UserID  string
	EndedAt time.Time
	Reason  string
}

// TokenStats are dashboard counts.
type TokenStats struct {
	Outstanding int // all recorded refresh tokens
	Blacklisted int
	Active      int // neither blacklisted nor expired
	Sessions    int // distinct live families
	Rotations   int // refresh tokens issued by rotation in the 24 hours before now
}

// ChallengeStore keeps two-factor challenges and password reset tokens. IDs reaching the store
// are already hashes of the opaque values clients hold.
type ChallengeStore interface {
	// CreateChallenge inserts c unless the user already has maxLive challenges of the same purpose
	// that are neither consumed nor expired at c.CreatedAt: then ErrThrottled.
	CreateChallenge(ctx context.Context, c Challenge, maxLive int) error
	ChallengeByID(ctx context.Context, id string) (Challenge, error)
	// AttemptChallenge atomically counts one try: it increments attempts only while attempts < max
	// and returns the updated challenge; ErrTooManyAttempts when max was already reached.
	AttemptChallenge(ctx context.Context, id string, max int) (Challenge, error)
	// ConsumeChallenge marks it used once; ErrConflict when it already was.
	ConsumeChallenge(ctx context.Context, id string, at time.Time) error
	// ResendChallenge replaces the code hash and expiry and counts one send, only while the
	// challenge is unconsumed and was sent exactly sentCount times (so parallel resends cannot
	// exceed the limit); tries are kept, so the limit is per challenge. ErrConflict otherwise.
	ResendChallenge(ctx context.Context, id, codeHash string, sentCount int, sentAt, expiresAt time.Time) error
	DeleteExpiredChallenges(ctx context.Context, before time.Time) (int, error)
}

// RecoveryCodeStore keeps hashed one-time recovery codes for two-factor login.
type RecoveryCodeStore interface {
	// ReplaceRecoveryCodes deletes the user's codes and stores these hashes.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error
	// UseRecoveryCode marks the unused code with that hash used; ErrNotFound when there is none.
	UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) error
	CountRecoveryCodes(ctx context.Context, userID string) (int, error) // unused ones
}

// SecondFactorStore keeps each account's count of consecutive failed second-factor checks.
type SecondFactorStore interface {
	// SpendSecondFactorCheck counts one second-factor check of the user before it runs, in one
	// atomic step, unless the user has max consecutive failures or more already: then
	// ErrSecondFactorLocked, and nothing changes. It returns the count with this check.
	SpendSecondFactorCheck(ctx context.Context, userID string, max int) (int, error)
	// ClearSecondFactorFailures sets the user's count back to zero.
	ClearSecondFactorFailures(ctx context.Context, userID string) error
}

// TOTPFactor is a user's authenticator app (RFC 6238). Secret is sealed (totp.go): the store
// never sees the shared key.
type TOTPFactor struct {
	UserID      string
	Secret      string
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero while enrolment is unfinished: the factor does not count yet
	LastUsedAt  time.Time
	LastStep    int64 // the highest time step whose code was accepted
}

// TOTPStore keeps authenticator apps, one per user.
type TOTPStore interface {
	// PutPendingTOTP stores an unconfirmed factor, replacing the user's unconfirmed one;
	// ErrConflict when the user has a confirmed factor, ErrNotFound when there is no such user.
	PutPendingTOTP(ctx context.Context, f TOTPFactor) error
	// TOTPByUser returns the user's factor, confirmed or not; ErrNotFound when there is none.
	TOTPByUser(ctx context.Context, userID string) (TOTPFactor, error)
	// UseTOTPStep records that the code of step was accepted, in one atomic step, only while the
	// factor's last step is below it and the factor is confirmed (or, with confirm, unconfirmed:
	// it is then confirmed at at). ErrConflict otherwise (a replay, or a race lost), ErrNotFound
	// when the user has no factor.
	UseTOTPStep(ctx context.Context, userID string, step int64, at time.Time, confirm bool) error
	// DeleteTOTP removes the user's factor; ErrNotFound when there is none.
	DeleteTOTP(ctx context.Context, userID string) error
}

// AuditStore keeps the audit log.
type AuditStore interface {
	RecordEvent(ctx context.Context, e AuditEvent) error
	// ListEvents pages newest first (id descending), with the user's e-mail filled.
	ListEvents(ctx context.Context, q EventQuery) ([]AuditEvent, error)
	// CountEvents counts events since the instant, by kind.
	CountEvents(ctx context.Context, since time.Time) (map[string]int, error)
}

// EventQuery selects a page of audit events.
type EventQuery struct {
	UserID   string
	Search   string // case-insensitive substring of the user's e-mail
	Kind     string
	BeforeID int64
	Limit    int
}

// AdminSessionStore keeps admin panel sessions.
type AdminSessionStore interface {
	CreateAdminSession(ctx context.Context, s AdminSession) error
	AdminSessionByID(ctx context.Context, id string) (AdminSession, error)
	TouchAdminSession(ctx context.Context, id string, at time.Time) error
	DeleteAdminSession(ctx context.Context, id string) error
	DeleteAdminSessionsOfUser(ctx context.Context, userID string) error
	DeleteExpiredAdminSessions(ctx context.Context, before time.Time) (int, error)
}

// Mailer delivers a message rendered from a named template ("two_factor_code", "password_reset",
// "two_factor_changed", "password_changed", "recovery_codes_regenerated", "second_factor_locked")
// to one address.
type Mailer interface {
	Send(ctx context.Context, to, template string, data map[string]any) error
}
