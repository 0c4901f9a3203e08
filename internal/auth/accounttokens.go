package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Purposes of account tokens. A token serves its purpose only: an activation token cannot
// reset a password (Djoser's one generator serves all three of its links).
const (
	PurposeActivation  = "activation"
	PurposeEmailReset  = "email_reset"  // Djoser's reset_email: change a forgotten login address
	PurposeEmailChange = "email_change" // confirms a new address (AUTHGATE_EMAIL_CHANGE=verify)
	PurposeInvitation  = "invitation"
	// PurposeReset (twofactor.go) is the password reset.
)

// AccountToken is a single-use token mailed in a link. Only the keyed hash of the value the
// link holds is stored (ID), as for reset tokens and two-factor challenges.
type AccountToken struct {
	ID         string
	Purpose    string
	UserID     string // empty for invitations
	Email      string // the address the token is about: the user's when issued, the new one for an e-mail change, the invited one
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ConsumedAt time.Time // zero while usable
	CreatedBy  string    // the administrator who sent an invitation
	ClientIP   string
	UserAgent  string
	Generation int64 // the user's CredentialsGeneration when it was issued (stale)
}

// AccountTokenQuery selects a page of tokens of one purpose, newest first.
type AccountTokenQuery struct {
	Purpose string
	Before  time.Time // keyset cursor: created before this instant; zero starts at the newest
	Limit   int
}

// ErrTokenUsed is an account token consumed already (by a parallel request, say).
var ErrTokenUsed = errors.New("account token already used")

// AccountStore keeps account tokens and the account changes the Djoser endpoints make, each
// change in one transaction with the token that allows it.
type AccountStore interface {
	// CreateAccountToken inserts t. When its user (for an invitation: its address) already has
	// maxLive live tokens of the purpose, the oldest are consumed first: the newest link always
	// works and no more than maxLive do (maxLive <= 0: no bound). ErrNotFound when the user
	// does not exist.
	CreateAccountToken(ctx context.Context, t AccountToken, maxLive int) error
	AccountTokenByID(ctx context.Context, id string) (AccountToken, error)
	// ConsumeAccountToken marks the token used once; ErrTokenUsed when it already was.
	ConsumeAccountToken(ctx context.Context, id string, at time.Time) error
	// ListAccountTokens pages the tokens of one purpose, newest first (the admin's invitations).
	ListAccountTokens(ctx context.Context, q AccountTokenQuery) ([]AccountToken, error)
	// DeleteExpiredAccountTokens deletes tokens that expired before the instant.
	DeleteExpiredAccountTokens(ctx context.Context, before time.Time) (int, error)

	// ActivateUser consumes the token (ErrTokenUsed when it was already) and marks the user
	// verified at the instant; an account awaiting activation becomes active. One transaction.
	ActivateUser(ctx context.Context, userID, tokenID string, at time.Time) error
	// SetNames writes first_name and last_name.
	SetNames(ctx context.Context, userID, first, last string) error
	// ReplacePassword sets the hash and consumes every live account token and pending two-factor
	// challenge of the user, in one transaction. Sessions are left alone: the caller ends the
	// others (set_password).
	ReplacePassword(ctx context.Context, userID, hash string, at time.Time) error
	// ChangeEmail sets the user's address, verified at verifiedAt (unverified when zero),
	// consumes tokenID unless it is empty (ErrTokenUsed when it was already) and every other
	// live account token of the user, in one transaction. ErrConflict when another user has
	// the address; then nothing changes.
	ChangeEmail(ctx context.Context, userID, email, tokenID string, verifiedAt, at time.Time) error
}

// EncodeUID is Djoser's encode_uid: URL-safe base64 without padding of the user id string.
func EncodeUID(userID string) string { return base64.RawURLEncoding.EncodeToString([]byte(userID)) }

// link fills a link template's {uid} and {token}.
func link(tmpl, userID, token string) string {
	if tmpl == "" {
		return ""
	}
	return strings.NewReplacer("{uid}", EncodeUID(userID), "{token}", token).Replace(tmpl)
}

// Answers of Djoser's uid/token checks (CONTRACT "Accounts": activation, reset confirmations).
var (
	errInvalidUID   = fieldError("uid", "Invalid user id or user doesn't exist.")
	errInvalidToken = fieldError("token", "Invalid token for given user.")
)

// ErrStaleToken is Djoser's 403 "Stale token for given user.": an activation link for an
// account that is active (or verified) already.
var ErrStaleToken = errors.New("stale token for given user")

// userFromUID decodes a Djoser uid and loads its user, answering as Djoser does: a uid that is
// not base64 of UTF-8, or names nobody, is the uid field's error; one that decodes to
// something Django's UUIDField refuses is its non-field error.
func (s *Service) userFromUID(ctx context.Context, uid string) (User, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(uid, "="))
	if err != nil || !utf8.Valid(raw) || len(raw) > 256 {
		return User{}, errInvalidUID
	}
	id, ok := pythonUUID(string(raw))
	if !ok {
		return User{}, fieldError("non_field_errors", "“"+string(raw)+"” is not a valid UUID.")
	}
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return User{}, errInvalidUID
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: user of uid: %w", err)
	}
	return u, nil
}

// pythonUUID is what Python's uuid.UUID(hex=s) accepts (Django's UUIDField.to_python): braces,
// "urn:" and "uuid:" and dashes are dropped, and 32 hex digits must remain. It returns the
// canonical form.
func pythonUUID(s string) (string, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	s = strings.ReplaceAll(strings.Trim(s, "{}"), "-", "")
	if len(s) != 32 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	s = strings.ToLower(s)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:], true
}

// errTokenConsumed is a token that was right but is used up; callers tell their story.
var errTokenConsumed = errors.New("account token consumed")

// userToken checks a token a link carried for the user: of this purpose and user, unexpired,
// not older than the user's last password change or logout everywhere, and (but for an
// e-mail change, which names the new address) issued to the user's current address. It
// returns the token, and errTokenConsumed with it when the token is right but used up.
func (s *Service) userToken(ctx context.Context, opaque, purpose string, u User) (AccountToken, error) {
	if !validOpaque(opaque) {
		return AccountToken{}, errInvalidToken
	}
	t, err := s.store.AccountTokenByID(ctx, s.hashID(opaque))
	if errors.Is(err, ErrNotFound) {
		return AccountToken{}, errInvalidToken
	}
	if err != nil {
		return AccountToken{}, fmt.Errorf("auth: account token: %w", err)
	}
	switch {
	case t.Purpose != purpose || t.UserID != u.ID:
		return AccountToken{}, errInvalidToken
	case !s.now().Before(t.ExpiresAt), stale(t.CreatedAt, t.Generation, u):
		return AccountToken{}, errInvalidToken
	case purpose != PurposeEmailChange && !strings.EqualFold(t.Email, u.Email):
		return AccountToken{}, errInvalidToken
	case !t.ConsumedAt.IsZero():
		return t, errTokenConsumed
	}
	return t, nil
}

// issueToken stores a new token of the purpose for u (or, for an invitation, the address) and
// returns the value for the link.
func (s *Service) issueToken(ctx context.Context, purpose string, u User, email, actorID string, ttl time.Duration, c Client) (string, error) {
	opaque := opaqueID()
	now := s.now().UTC()
	t := AccountToken{ID: s.hashID(opaque), Purpose: purpose, UserID: u.ID, Email: email,
		CreatedAt: now, ExpiresAt: now.Add(ttl), CreatedBy: actorID, ClientIP: c.IP,
		UserAgent: truncate(c.UserAgent, 512), Generation: u.CredentialsGeneration}
	if err := s.store.CreateAccountToken(ctx, t, s.cfg.MaxLiveChallenges); err != nil {
		return "", fmt.Errorf("auth: store %s token: %w", purpose, err)
	}
	return opaque, nil
}

// discardToken consumes a token whose mail never left, so nothing usable is left behind.
func (s *Service) discardToken(ctx context.Context, opaque string) {
	err := s.store.ConsumeAccountToken(context.WithoutCancel(ctx), s.hashID(opaque), s.now().UTC())
	if err != nil && !errors.Is(err, ErrTokenUsed) {
		s.log.Error("undelivered account token not discarded", "err", err)
	}
}
