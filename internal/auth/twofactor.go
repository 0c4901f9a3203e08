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
	PurposeLogin         = "login"
	PurposeEnable        = "enable"
	PurposeReset         = "reset"
	PurposeRecoveryCodes = "recovery_codes" // new recovery codes, proved by an e-mailed code
)

// Recovery codes: ten per user, each ten characters of an alphabet without look-alikes (about
// 49 bits), handed out as "xxxxx-xxxxx".
const (
	recoveryCount    = 10
	recoveryLen      = 10
	recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"
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

// hashRecovery binds a recovery code to its user: HMAC(secret, user id, normalized code).
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

// normalizeCode forgives what people do when copying a code: spaces, dashes and capitals.
func normalizeCode(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	return strings.NewReplacer(" ", "", "-", "").Replace(c)
}

// validOpaque reports whether a client-held identifier is worth a storage lookup.
func validOpaque(opaque string) bool { return opaque != "" && len(opaque) <= 128 }

// stale reports whether a pending challenge or account token of u, created at created under the
// credentials generation generation, predates u's last password change or logout everywhere. The generation decides, however close in time the two events were (issue #13,
// finding 3): comparing instants could only go to whole seconds, since TokensValidAfter must
// (iat has seconds), and would trust several instances' clocks to agree. The time test stays
// for what was issued before migrations 0002 and 0007, by instances that moved no generation.
func stale(created time.Time, generation int64, u User) bool {
	return generation != u.CredentialsGeneration || created.Before(u.TokensValidAfter.Add(-time.Second))
}

// startChallenge stores a challenge and e-mails its code. When the mail cannot be delivered the
// challenge is consumed at once, so nothing usable is left behind (and it does not count against
// MaxLiveChallenges).
// Without mail (a login of a user who answers with another method) the challenge holds no code
// and nothing is sent.
func (s *Service) startChallenge(ctx context.Context, u User, purpose string, mail bool, c Client) (string, error) {
	if s.SecondFactorLocked(u) {
		s.audit(ctx, "two_factor_failed", u.ID, "", c, purpose+": codes are locked")
		return "", ErrSecondFactorLocked
	}
	opaque := opaqueID()
	id := s.hashID(opaque)
	code, codeHash := "", ""
	if mail {
		code = s.newCode()
		codeHash = s.hashCode(id, code)
	}
	now := s.now().UTC()
	ch := Challenge{
		ID: id, UserID: u.ID, Purpose: purpose, CodeHash: codeHash, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.CodeTTL), SentCount: 1, LastSentAt: now, ClientIP: c.IP,
		UserAgent: truncate(c.UserAgent, 512), Generation: u.CredentialsGeneration,
	}
	if err := s.store.CreateChallenge(ctx, ch, s.cfg.MaxLiveChallenges); err != nil {
		if errors.Is(err, ErrThrottled) {
			s.audit(ctx, "two_factor_throttled", u.ID, "", c, purpose+": too many live challenges")
			return "", &ThrottledError{RetryAfter: s.cfg.CodeTTL}
		}
		return "", fmt.Errorf("auth: start challenge: %w", err)
	}
	if !mail {
		s.audit(ctx, "two_factor_challenged", u.ID, "", c, purpose)
		return opaque, nil
	}
	if err := s.sendCode(ctx, u, purpose, code); err != nil {
		s.discardChallenge(ctx, id, u.ID, purpose, c)
		return "", err
	}
	s.audit(ctx, "two_factor_sent", u.ID, "", c, purpose)
	return opaque, nil
}

// discardChallenge consumes a challenge whose code never reached the user.
func (s *Service) discardChallenge(ctx context.Context, id, userID, purpose string, c Client) {
	if err := s.store.ConsumeChallenge(context.WithoutCancel(ctx), id, s.now().UTC()); err != nil && !errors.Is(err, ErrConflict) {
		s.log.Error("undelivered challenge not discarded", "user_id", userID, "err", err)
	}
	s.audit(ctx, "two_factor_send_failed", userID, "", c, purpose)
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
			err = fmt.Errorf("%w: %w", ErrMailFailed, err)
		}
		return err
	}
	return nil
}

// checkCode is checkOwnedCode for a challenge of any user (logins, where the code names the user).
func (s *Service) checkCode(ctx context.Context, opaque string, a Answer, purpose string, c Client) (Challenge, error) {
	return s.checkOwnedCode(ctx, opaque, a, purpose, "", c)
}

// checkOwnedCode counts one attempt on a live challenge of the given purpose (and, when owner is
// set, of that user) and checks the answer (methods.go): the e-mailed code, or for logins a
// recovery code or a code of another method the user has. It returns the challenge when the
// answer is right; the challenge is then consumed, exactly once even under parallel requests.
// A challenge of another purpose or user, or an answer by a method the user lacks, is refused
// before any attempt is counted, so nobody can use up someone else's tries.
func (s *Service) checkOwnedCode(ctx context.Context, opaque string, a Answer, purpose, owner string, c Client) (Challenge, error) {
	if !validOpaque(opaque) {
		return Challenge{}, ErrChallengeInvalid
	}
	id := s.hashID(opaque)
	ch, err := s.store.ChallengeByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Challenge{}, ErrChallengeInvalid
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("auth: check code: %w", err)
	}
	if ch.Purpose != purpose || owner != "" && ch.UserID != owner {
		return Challenge{}, ErrChallengeInvalid
	}
	if !ch.ConsumedAt.IsZero() {
		s.audit(ctx, "two_factor_failed", ch.UserID, "", c, purpose+": challenge already used")
		return Challenge{}, ErrChallengeInvalid
	}
	if !s.now().Before(ch.ExpiresAt) {
		s.audit(ctx, "two_factor_failed", ch.UserID, "", c, purpose+": code expired")
		return Challenge{}, ErrCodeExpired
	}
	if err := s.methodAllowed(ctx, ch, a); err != nil {
		return Challenge{}, err
	}
	tried, err := s.store.AttemptChallenge(ctx, id, s.cfg.CodeMaxAttempts)
	if errors.Is(err, ErrTooManyAttempts) {
		s.audit(ctx, "two_factor_failed", ch.UserID, "", c, purpose+": too many attempts")
		return Challenge{}, ErrTooManyAttempts
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("auth: check code: %w", err)
	}
	ch = tried
	used, err := s.checkAnswer(ctx, ch, a, c)
	if err != nil {
		return Challenge{}, err
	}
	if used == MethodRecovery {
		s.audit(ctx, "recovery_code_used", ch.UserID, "", c, purpose)
	}
	if used == "" {
		detail := fmt.Sprintf("%s: wrong code, attempt %d of %d", purpose, ch.Attempts, s.cfg.CodeMaxAttempts)
		if a.Method != "" {
			detail = fmt.Sprintf("%s: wrong %s code, attempt %d of %d", purpose, a.Method, ch.Attempts, s.cfg.CodeMaxAttempts)
		}
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
		return Challenge{}, fmt.Errorf("auth: consume challenge: %w", err)
	}
	return ch, nil
}

// challengeUser returns the active user a finished challenge belongs to; a challenge created
// before the user's last password change or logout everywhere no longer counts.
func (s *Service) challengeUser(ctx context.Context, ch Challenge) (User, error) {
	u, err := s.store.UserByID(ctx, ch.UserID)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrChallengeInvalid
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: challenge user: %w", err)
	}
	if !u.IsActive || stale(ch.CreatedAt, ch.Generation, u) {
		return User{}, ErrChallengeInvalid
	}
	return u, nil
}

// FinishTwoFactor completes a login with the e-mailed code or a recovery code
// (POST /api/token/2fa/ without a method).
func (s *Service) FinishTwoFactor(ctx context.Context, challenge, code string, c Client) (Pair, error) {
	return s.FinishTwoFactorWith(ctx, challenge, Answer{Code: code}, c)
}

// FinishTwoFactorWith completes a login with an answer by any of the user's methods
// (POST /api/token/2fa/).
func (s *Service) FinishTwoFactorWith(ctx context.Context, challenge string, a Answer, c Client) (Pair, error) {
	ch, err := s.checkCode(ctx, challenge, a, PurposeLogin, c)
	if err != nil {
		return Pair{}, err
	}
	u, err := s.challengeUser(ctx, ch)
	if err != nil {
		return Pair{}, err
	}
	detail := "two-factor"
	if a.Method != "" {
		detail = "two-factor: " + a.Method
	}
	ev := s.event("login_ok", u.ID, "", c, detail)
	return s.issuePair(ctx, u, c, &ev)
}

// ResendCode e-mails a fresh code for a live challenge, replacing the previous one, at most
// MaxResends times and not more often than ResendInterval. A locked challenge stays locked; an
// undeliverable resend ends the challenge (the old code is gone, the new one reached nobody).
func (s *Service) ResendCode(ctx context.Context, challenge string, c Client) error {
	if !validOpaque(challenge) {
		return ErrChallengeInvalid
	}
	id := s.hashID(challenge)
	ch, err := s.store.ChallengeByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return ErrChallengeInvalid
	}
	if err != nil {
		return fmt.Errorf("auth: resend code: %w", err)
	}
	now := s.now().UTC()
	if !ch.ConsumedAt.IsZero() || !now.Before(ch.ExpiresAt) || ch.Purpose == PurposeReset {
		return ErrChallengeInvalid
	}
	if ch.CodeHash == "" {
		return fieldError("challenge", "No code is e-mailed for this login: answer with another method.")
	}
	if ch.Attempts >= s.cfg.CodeMaxAttempts {
		return ErrTooManyAttempts
	}
	if wait := ch.LastSentAt.Add(s.cfg.ResendInterval).Sub(now); wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	if ch.SentCount > s.cfg.MaxResends {
		return &ThrottledError{RetryAfter: ch.ExpiresAt.Sub(now)}
	}
	u, err := s.challengeUser(ctx, ch)
	if err != nil {
		return err
	}
	if s.SecondFactorLocked(u) {
		return ErrSecondFactorLocked // no more codes to a mailbox whose codes are refused anyway
	}
	code := s.newCode()
	err = s.store.ResendChallenge(ctx, id, s.hashCode(id, code), ch.SentCount, now, now.Add(s.cfg.CodeTTL))
	if errors.Is(err, ErrConflict) { // a parallel resend won
		return &ThrottledError{RetryAfter: s.cfg.ResendInterval}
	}
	if err != nil {
		return fmt.Errorf("auth: resend code: %w", err)
	}
	if err := s.sendCode(ctx, u, ch.Purpose, code); err != nil {
		s.discardChallenge(ctx, id, u.ID, ch.Purpose, c)
		return err
	}
	s.audit(ctx, "two_factor_sent", u.ID, "", c, ch.Purpose+" (resend)")
	return nil
}

// EnableTwoFactor e-mails a confirmation code; ConfirmTwoFactor with it turns two-factor on.
func (s *Service) EnableTwoFactor(ctx context.Context, u User, c Client) (string, error) {
	if s.cfg.TwoFactor == "off" {
		return "", fieldError("non_field_errors", "Two-factor authentication is turned off on this server.")
	}
	if u.TwoFactorEnabled {
		return "", fieldError("non_field_errors", "Two-factor authentication is already enabled.")
	}
	if !s.MethodEnabled(MethodEmail) {
		return "", fieldError("non_field_errors", "E-mailed codes are not offered on this server.")
	}
	return s.startChallenge(ctx, u, PurposeEnable, true, c)
}

// ConfirmTwoFactor turns two-factor on with the confirmation code and returns fresh recovery codes
// (shown once).
func (s *Service) ConfirmTwoFactor(ctx context.Context, u User, challenge, code string, c Client) ([]string, error) {
	ch, err := s.checkOwnedCode(ctx, challenge, Answer{Code: code}, PurposeEnable, u.ID, c)
	if err != nil {
		return nil, err
	}
	if u, err = s.challengeUser(ctx, ch); err != nil {
		return nil, err
	}
	if err := s.setTwoFactor(ctx, u, true, "", c); err != nil {
		return nil, err
	}
	return s.newRecoveryCodes(ctx, u, c)
}

// DisableTwoFactor turns two-factor off after checking the password.
func (s *Service) DisableTwoFactor(ctx context.Context, u User, pw string, c Client) error {
	ok, err := s.verifyPassword(ctx, u, pw, "two-factor disable", c)
	if err != nil {
		return err
	}
	if !ok {
		s.audit(ctx, "two_factor_failed", u.ID, "", c, "disable: wrong password")
		return fieldError("password", "Your password was entered incorrectly. Please enter it again.")
	}
	if !u.TwoFactorEnabled {
		return fieldError("non_field_errors", "Two-factor authentication is not enabled.")
	}
	return s.setTwoFactor(ctx, u, false, "", c)
}

// SetTwoFactor is the admin's switch. Turning two-factor off deletes the recovery codes.
func (s *Service) SetTwoFactor(ctx context.Context, u User, on bool, actorID string, c Client) error {
	return s.setTwoFactor(ctx, u, on, actorID, c)
}

func (s *Service) setTwoFactor(ctx context.Context, u User, on bool, actorID string, c Client) error {
	cur, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("auth: set two-factor: %w", err)
	}
	cur.TwoFactorEnabled = on
	err = s.store.UpdateUser(ctx, cur)
	s.users.forget(u.ID)
	if err != nil {
		return fmt.Errorf("auth: set two-factor: %w", err)
	}
	// Recovery codes die with two-factor: turned on again (by an admin, say), it must not revive
	// codes that may be why it was turned off. They stay while another factor (an authenticator
	// app) still needs them.
	other := false
	if !on {
		if other, err = s.hasFactor(ctx, cur, MethodEmail); err != nil {
			return fmt.Errorf("auth: set two-factor: %w", err)
		}
	}
	if !on && !other {
		if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, nil); err != nil {
			return fmt.Errorf("auth: delete recovery codes: %w", err)
		}
	}
	kind := "two_factor_disabled"
	if on {
		kind = "two_factor_enabled"
	}
	s.audit(ctx, kind, u.ID, actorID, c, "")
	if s.mailer != nil {
		if err := s.mailer.Send(ctx, cur.Email, "two_factor_changed", map[string]any{"enabled": on, "email": cur.Email}); err != nil {
			s.log.Warn("two-factor change notice not sent", "user_id", u.ID, "err", err)
		}
	}
	return nil
}

// Proof is what a sensitive change takes besides an access token, which may be stolen: the
// password, or the code of a challenge e-mailed for that change.
type Proof struct {
	Password  string
	Challenge string
	Code      string
}

// StartRecoveryCodes e-mails a code that RegenerateRecoveryCodes accepts as proof (with its
// challenge), for users who would rather not type their password.
func (s *Service) StartRecoveryCodes(ctx context.Context, u User, c Client) (string, error) {
	if on, err := s.needsSecondFactor(ctx, u); err != nil {
		return "", err
	} else if !on {
		return "", fieldError("non_field_errors", "Two-factor authentication is not enabled.")
	}
	return s.startChallenge(ctx, u, PurposeRecoveryCodes, true, c)
}

// RegenerateRecoveryCodes replaces the user's recovery codes with ten new ones, returned once,
// given proof: the password (drawing on the budget of failed password checks) or the code of a
// StartRecoveryCodes challenge (a second-factor check). An access token alone would let its
// thief void the owner's codes and keep a way past the second factor (issue #13, finding 2;
// ASVS 5.0 V7.5.1). The owner is mailed a notice. Without two-factor login for the user there
// is nothing to recover, and it refuses.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, u User, p Proof, c Client) ([]string, error) {
	if on, err := s.needsSecondFactor(ctx, u); err != nil {
		return nil, err
	} else if !on {
		return nil, fieldError("non_field_errors", "Two-factor authentication is not enabled.")
	}
	if p.Password != "" {
		ok, err := s.verifyPassword(ctx, u, p.Password, "recovery codes", c)
		if err != nil {
			return nil, err
		}
		if !ok {
			s.audit(ctx, "two_factor_failed", u.ID, "", c, "recovery codes: wrong password")
			return nil, fieldError("password", "Your password was entered incorrectly. Please enter it again.")
		}
	} else if p.Challenge == "" {
		// An authenticator app's code proves the second factor as well as a mailed one.
		if app, err := (totpFactor{s}).enrolled(ctx, u); err != nil {
			return nil, err
		} else if !app {
			return nil, fieldError("challenge", "This field is required.")
		}
		ok, err := s.verifySecondFactor(ctx, u.ID, "recovery codes", c, func() (bool, error) {
			return s.checkTOTP(ctx, u.ID, p.Code, false, c)
		})
		if err != nil {
			return nil, err
		}
		if !ok {
			s.audit(ctx, "two_factor_failed", u.ID, "", c, "recovery codes: wrong totp code")
			return nil, fieldError("code", "The code is invalid.")
		}
	} else {
		ch, err := s.checkOwnedCode(ctx, p.Challenge, Answer{Code: p.Code}, PurposeRecoveryCodes, u.ID, c)
		if err != nil {
			return nil, err
		}
		if u, err = s.challengeUser(ctx, ch); err != nil {
			return nil, err
		}
	}
	codes, err := s.newRecoveryCodes(ctx, u, c)
	if err != nil {
		return nil, err
	}
	if s.mailer != nil {
		if err := s.mailer.Send(ctx, u.Email, "recovery_codes_regenerated", map[string]any{"email": u.Email}); err != nil {
			s.log.Warn("recovery codes notice not sent", "user_id", u.ID, "err", err)
		}
	}
	return codes, nil
}

func (s *Service) newRecoveryCodes(ctx context.Context, u User, c Client) ([]string, error) {
	codes := make([]string, recoveryCount)
	hashes := make([]string, recoveryCount)
	for i := range codes {
		raw := randomString(recoveryLen, recoveryAlphabet)
		codes[i] = raw[:recoveryLen/2] + "-" + raw[recoveryLen/2:]
		hashes[i] = s.hashRecovery(u.ID, codes[i])
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, fmt.Errorf("auth: replace recovery codes: %w", err)
	}
	s.audit(ctx, "recovery_codes_generated", u.ID, "", c, "")
	return codes, nil
}

// TwoFactorStatus is GET /api/2fa/.
type TwoFactorStatus struct {
	Enabled       bool     // logging in takes a second factor (the user's factors under the server's mode)
	Mode          string   // the server's AUTHGATE_TWO_FACTOR
	RecoveryCodes int      // unused recovery codes left
	Factors       []Factor // the factors the user set up
}

// TwoFactorStatus reports the user's two-factor state.
func (s *Service) TwoFactorStatus(ctx context.Context, u User) (TwoFactorStatus, error) {
	n, err := s.store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return TwoFactorStatus{}, fmt.Errorf("auth: two-factor status: %w", err)
	}
	on, err := s.needsSecondFactor(ctx, u)
	if err != nil {
		return TwoFactorStatus{}, fmt.Errorf("auth: two-factor status: %w", err)
	}
	factors, err := s.Factors(ctx, u)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	return TwoFactorStatus{Enabled: on, Mode: s.cfg.TwoFactor, RecoveryCodes: n, Factors: factors}, nil
}
