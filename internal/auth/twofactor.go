package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Challenge purposes.
const (
	PurposeLogin  = "login"
	PurposeEnable = "enable"
	PurposeReset  = "reset"
)

// ThrottledError is ErrThrottled with the time after which a retry may succeed.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string { return "request was throttled" }
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// hashID maps an opaque identifier a client holds to the key it is stored under, so that a copy
// of the database does not hold usable challenge or reset identifiers.
func (s *Service) hashID(opaque string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("id:"))
	m.Write([]byte(opaque))
	return hex.EncodeToString(m.Sum(nil))
}

// hashCode binds a code to its challenge: HMAC(secret, challenge id, code).
func (s *Service) hashCode(id, code string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("code:"))
	m.Write([]byte(id))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) hashRecovery(userID, code string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("recovery:"))
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(normalizeCode(code)))
	return hex.EncodeToString(m.Sum(nil))
}

func opaqueID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Service) newCode() string { return randomString(s.cfg.CodeLength, "0123456789") }

func normalizeCode(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	return strings.NewReplacer(" ", "", "-", "").Replace(c)
}

// startChallenge stores a challenge and e-mails its code. When the mail cannot be delivered the
// challenge is consumed at once, so nothing usable is left behind.
func (s *Service) startChallenge(ctx context.Context, u User, purpose string, c Client) (string, error) {
	opaque := opaqueID()
	id := s.hashID(opaque)
	code := s.newCode()
	now := s.now().UTC()
	ch := Challenge{
		ID: id, UserID: u.ID, Purpose: purpose, CodeHash: s.hashCode(id, code), CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.CodeTTL), SentCount: 1, LastSentAt: now, ClientIP: c.IP,
		UserAgent: truncate(c.UserAgent, 512),
	}
	if err := s.store.CreateChallenge(ctx, ch, s.cfg.MaxLiveChallenges); err != nil {
		if errors.Is(err, ErrThrottled) {
			return "", &ThrottledError{RetryAfter: s.cfg.CodeTTL}
		}
		return "", err
	}
	if err := s.sendCode(ctx, u, purpose, code); err != nil {
		_ = s.store.ConsumeChallenge(context.WithoutCancel(ctx), id, now)
		return "", err
	}
	s.audit(ctx, "two_factor_sent", u.ID, "", c, purpose)
	return opaque, nil
}

func (s *Service) sendCode(ctx context.Context, u User, purpose, code string) error {
	if s.mailer == nil {
		return fmt.Errorf("auth: no mailer configured: %w", ErrMailFailed)
	}
	err := s.mailer.Send(ctx, u.Email, "two_factor_code", map[string]any{
		"code": code, "minutes": int(s.cfg.CodeTTL.Minutes()), "email": u.Email, "purpose": purpose,
	})
	if err != nil {
		s.log.Error("verification code not delivered", "user_id", u.ID, "err", err)
		if !errors.Is(err, ErrMailFailed) {
			err = fmt.Errorf("%w: %v", ErrMailFailed, err)
		}
		return err
	}
	return nil
}

// checkCode counts one attempt on a live challenge of the given purpose and checks the code (or,
// for logins, a recovery code). It returns the challenge when the code is right; the challenge is
// then consumed, exactly once even under parallel requests.
func (s *Service) checkCode(ctx context.Context, opaque, code, purpose string, c Client) (Challenge, error) {
	if opaque == "" || len(opaque) > 128 {
		return Challenge{}, ErrChallengeInvalid
	}
	id := s.hashID(opaque)
	ch, err := s.store.ChallengeByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Challenge{}, ErrChallengeInvalid
	}
	if err != nil {
		return Challenge{}, err
	}
	if ch.Purpose != purpose || !ch.ConsumedAt.IsZero() {
		return Challenge{}, ErrChallengeInvalid
	}
	if !s.now().Before(ch.ExpiresAt) {
		return Challenge{}, ErrCodeExpired
	}
	ch, err = s.store.AttemptChallenge(ctx, id, s.cfg.CodeMaxAttempts)
	if errors.Is(err, ErrTooManyAttempts) {
		return Challenge{}, ErrTooManyAttempts
	}
	if err != nil {
		return Challenge{}, err
	}
	norm := normalizeCode(code)
	ok := hmac.Equal([]byte(s.hashCode(id, norm)), []byte(ch.CodeHash))
	if !ok && (purpose == PurposeLogin || purpose == PurposeStaffLogin) && len(norm) != s.cfg.CodeLength {
		err := s.store.UseRecoveryCode(ctx, ch.UserID, s.hashRecovery(ch.UserID, norm), s.now().UTC())
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Challenge{}, err
		}
		if ok = err == nil; ok {
			s.audit(ctx, "recovery_code_used", ch.UserID, "", c, "")
		}
	}
	if !ok {
		detail := fmt.Sprintf("%s: attempt %d of %d", purpose, ch.Attempts, s.cfg.CodeMaxAttempts)
		s.audit(ctx, "two_factor_failed", ch.UserID, "", c, detail)
		if ch.Attempts >= s.cfg.CodeMaxAttempts {
			s.audit(ctx, "two_factor_lockout", ch.UserID, "", c, purpose)
		}
		return Challenge{}, ErrCodeInvalid
	}
	if err := s.store.ConsumeChallenge(ctx, id, s.now().UTC()); err != nil {
		if errors.Is(err, ErrConflict) {
			return Challenge{}, ErrChallengeInvalid
		}
		return Challenge{}, err
	}
	return ch, nil
}

// FinishTwoFactor completes a login with the e-mailed code (POST /api/token/2fa/).
func (s *Service) FinishTwoFactor(ctx context.Context, challenge, code string, c Client) (Pair, error) {
	ch, err := s.checkCode(ctx, challenge, code, PurposeLogin, c)
	if err != nil {
		return Pair{}, err
	}
	u, err := s.store.UserByID(ctx, ch.UserID)
	if errors.Is(err, ErrNotFound) || err == nil && !u.IsActive {
		return Pair{}, ErrChallengeInvalid
	}
	if err != nil {
		return Pair{}, err
	}
	p, err := s.issuePair(ctx, u, c)
	if err != nil {
		return Pair{}, err
	}
	s.audit(ctx, "login_ok", u.ID, "", c, "two-factor")
	return p, nil
}

// ResendCode e-mails a fresh code for a live challenge, at most MaxResends times and not more often
// than ResendInterval.
func (s *Service) ResendCode(ctx context.Context, challenge string, c Client) error {
	if challenge == "" || len(challenge) > 128 {
		return ErrChallengeInvalid
	}
	id := s.hashID(challenge)
	ch, err := s.store.ChallengeByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return ErrChallengeInvalid
	}
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if !ch.ConsumedAt.IsZero() || !now.Before(ch.ExpiresAt) || ch.Purpose == PurposeReset {
		return ErrChallengeInvalid
	}
	if wait := ch.LastSentAt.Add(s.cfg.ResendInterval).Sub(now); wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	if ch.SentCount > s.cfg.MaxResends {
		return &ThrottledError{RetryAfter: ch.ExpiresAt.Sub(now)}
	}
	u, err := s.store.UserByID(ctx, ch.UserID)
	if err != nil {
		return ErrChallengeInvalid
	}
	code := s.newCode()
	if err := s.store.ResendChallenge(ctx, id, s.hashCode(id, code), now, now.Add(s.cfg.CodeTTL)); err != nil {
		return err
	}
	if err := s.sendCode(ctx, u, ch.Purpose, code); err != nil {
		return err
	}
	s.audit(ctx, "two_factor_sent", u.ID, "", c, ch.Purpose+" (resend)")
	return nil
}

// EnableTwoFactor e-mails a confirmation code; ConfirmTwoFactor with it turns two-factor on.
func (s *Service) EnableTwoFactor(ctx context.Context, u User, c Client) (string, error) {
	if u.TwoFactorEnabled {
		return "", fieldError("non_field_errors", "Two-factor authentication is already enabled.")
	}
	return s.startChallenge(ctx, u, PurposeEnable, c)
}

// ConfirmTwoFactor turns two-factor on with the confirmation code and returns fresh recovery codes
// (shown once).
func (s *Service) ConfirmTwoFactor(ctx context.Context, u User, challenge, code string, c Client) ([]string, error) {
	ch, err := s.checkCode(ctx, challenge, code, PurposeEnable, c)
	if err != nil {
		return nil, err
	}
	if ch.UserID != u.ID {
		return nil, ErrChallengeInvalid
	}
	if err := s.setTwoFactor(ctx, u, true, "", c); err != nil {
		return nil, err
	}
	return s.RegenerateRecoveryCodes(ctx, u, c)
}

// DisableTwoFactor turns two-factor off after checking the password.
func (s *Service) DisableTwoFactor(ctx context.Context, u User, pw string, c Client) error {
	ok, _, err := s.hasher.Verify(ctx, pw, u.PasswordHash)
	if err != nil && !ok && ctx.Err() != nil {
		return err
	}
	if !ok {
		s.audit(ctx, "two_factor_failed", u.ID, "", c, "disable: wrong password")
		return fieldError("password", "Your password was entered incorrectly. Please enter it again.")
	}
	if err := s.setTwoFactor(ctx, u, false, "", c); err != nil {
		return err
	}
	return s.store.ReplaceRecoveryCodes(ctx, u.ID, nil)
}

// SetTwoFactor is the admin's switch.
func (s *Service) SetTwoFactor(ctx context.Context, u User, on bool, actorID string, c Client) error {
	return s.setTwoFactor(ctx, u, on, actorID, c)
}

func (s *Service) setTwoFactor(ctx context.Context, u User, on bool, actorID string, c Client) error {
	cur, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	cur.TwoFactorEnabled = on
	err = s.store.UpdateUser(ctx, cur)
	s.users.forget(u.ID)
	if err != nil {
		return err
	}
	kind := "two_factor_disabled"
	if on {
		kind = "two_factor_enabled"
	}
	s.audit(ctx, kind, u.ID, actorID, c, "")
	if s.mailer != nil {
		if err := s.mailer.Send(ctx, u.Email, "two_factor_changed", map[string]any{"enabled": on, "email": u.Email}); err != nil {
			s.log.Warn("two-factor change notice not sent", "user_id", u.ID, "err", err)
		}
	}
	return nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with ten new ones, returned once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, u User, c Client) ([]string, error) {
	codes := make([]string, 10)
	hashes := make([]string, 10)
	for i := range codes {
		raw := randomString(10, "abcdefghjkmnpqrstuvwxyz23456789")
		codes[i] = raw[:5] + "-" + raw[5:]
		hashes[i] = s.hashRecovery(u.ID, codes[i])
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, err
	}
	s.audit(ctx, "recovery_codes_generated", u.ID, "", c, "")
	return codes, nil
}

// TwoFactorStatus is GET /api/2fa/.
type TwoFactorStatus struct {
	Enabled       bool
	Mode          string
	RecoveryCodes int
}

// TwoFactorStatus reports the user's two-factor state.
func (s *Service) TwoFactorStatus(ctx context.Context, u User) (TwoFactorStatus, error) {
	n, err := s.store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	return TwoFactorStatus{Enabled: u.TwoFactorEnabled || s.cfg.TwoFactor == "required", Mode: s.cfg.TwoFactor, RecoveryCodes: n}, nil
}
