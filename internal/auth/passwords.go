package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ChangePassword is POST /api/password/change/: the old password, then the policy, then every
// token of the user is revoked and a fresh pair is issued for the caller's own session.
func (s *Service) ChangePassword(ctx context.Context, u User, oldPw, newPw string, c Client) (Pair, error) {
	ok, err := s.verifyPassword(ctx, u, oldPw, "password change", c)
	if err != nil {
		return Pair{}, err
	}
	if !ok {
		s.audit(ctx, "password_change_failed", u.ID, "", c, "wrong old password")
		return Pair{}, fieldError("old_password", "Your old password was entered incorrectly. Please enter it again.")
	}
	if err := s.SetPassword(ctx, u, newPw, "", c, false); err != nil {
		return Pair{}, err
	}
	u, err = s.store.UserByID(ctx, u.ID)
	if err != nil {
		return Pair{}, fmt.Errorf("auth: change password: %w", err)
	}
	return s.issuePair(ctx, u, c, nil)
}

// resetTimeout bounds the background work of one reset request.
const resetTimeout = time.Minute

// RequestPasswordReset is POST /api/password/reset/. It does the same work before answering
// whether the address belongs to an active user or not (one lookup, one audit event), and what
// only an active user gets (the token, the mail) happens after the answer, in the background:
// the answer tells nothing (no enumeration, CONTRACT). An undeliverable mail consumes its token.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, c Client) {
	u, err := User{}, ErrNotFound
	// No stored address holds a NUL or invalid UTF-8, and PostgreSQL refuses to compare with one.
	if email = strings.TrimSpace(email); utf8.ValidString(email) && !strings.ContainsRune(email, 0) {
		u, err = s.store.UserByEmail(ctx, email)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Warn("password reset lookup failed", "err", err)
	}
	if err != nil || !u.IsActive {
		s.audit(ctx, "password_reset_requested", "", "", c, "no active account")
		return
	}
	s.audit(ctx, "password_reset_requested", u.ID, "", c, "")
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetTimeout)
	go func() {
		defer cancel()
		s.sendPasswordReset(ctx, u, c)
	}()
}

// sendPasswordReset stores a reset token for u and mails it; a failure is audited as
// password_reset_not_sent with its reason. The mail carries Djoser's {uid}/{token} link
// (AUTHGATE_PASSWORD_RESET_CONFIRM_URL, or the page authgate serves) and the token alone, for
// POST /api/password/reset/confirm/.
func (s *Service) sendPasswordReset(ctx context.Context, u User, c Client) {
	opaque, err := s.issueToken(ctx, PurposeReset, u, u.Email, "", s.cfg.ResetTTL, c)
	if err != nil {
		s.log.Error("password reset token not stored", "user_id", u.ID, "err", err)
		s.audit(ctx, "password_reset_not_sent", u.ID, "", c, "storage error")
		return
	}
	tmpl := s.cfg.Accounts.Links.PasswordReset
	if tmpl == "" {
		tmpl = s.cfg.ResetURL
	}
	data := map[string]any{"token": opaque, "uid": EncodeUID(u.ID), "link": link(tmpl, u.ID, opaque),
		"minutes": int(s.cfg.ResetTTL.Minutes()), "lifetime": s.cfg.ResetTTL, "first_name": u.FirstName}
	if err := s.send(ctx, u.Email, "password_reset", data); err != nil {
		s.log.Error("password reset mail not delivered", "user_id", u.ID, "err", err)
		s.discardToken(ctx, opaque)
		s.audit(ctx, "password_reset_not_sent", u.ID, "", c, "mail failed")
	}
}

// ConfirmPasswordReset is POST /api/password/reset/confirm/: a live, unused reset token sets a
// new password and revokes every token of the user, and unlocks the account's codes after too
// many failed checks. A token requested before the user's last password change, logout
// everywhere or e-mail change is void, as Django's are, however close in time.
func (s *Service) ConfirmPasswordReset(ctx context.Context, opaque, newPw string, c Client) error {
	invalid := fieldError("token", "Invalid or expired token.")
	if !validOpaque(opaque) {
		return invalid
	}
	t, err := s.store.AccountTokenByID(ctx, s.hashID(opaque))
	if errors.Is(err, ErrNotFound) {
		return invalid
	}
	if err != nil {
		return fmt.Errorf("auth: confirm reset: %w", err)
	}
	if t.Purpose != PurposeReset || !t.ConsumedAt.IsZero() || !s.now().Before(t.ExpiresAt) {
		s.audit(ctx, "password_reset_failed", t.UserID, "", c, "used, expired or not a reset token")
		return invalid
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if errors.Is(err, ErrNotFound) {
		return invalid
	}
	if err != nil {
		return fmt.Errorf("auth: confirm reset: %w", err)
	}
	if _, err := s.userToken(ctx, opaque, PurposeReset, u); err != nil || !u.IsActive {
		s.audit(ctx, "password_reset_failed", u.ID, "", c, "token predates a password or e-mail change")
		return invalid
	}
	if err := s.CheckNewPassword(newPw, PasswordAttrs{u.FirstName, u.LastName, u.Email}, "new_password"); err != nil {
		return err
	}
	if err := s.resetPassword(ctx, t, u, newPw, c); err != nil {
		if errors.Is(err, errTokenConsumed) {
			return invalid
		}
		return err
	}
	return nil
}

// ConfirmPasswordResetUID is Djoser's POST users/reset_password_confirm/, in Djoser's order:
// the new password first (without the user's attributes: Djoser validates it for an anonymous
// user), then the uid, then the token, which only a successful reset uses up.
func (s *Service) ConfirmPasswordResetUID(ctx context.Context, uid, opaque, newPw string, c Client) error {
	if err := s.CheckNewPassword(newPw, PasswordAttrs{}, "new_password"); err != nil {
		return err
	}
	u, err := s.userFromUID(ctx, uid)
	if err != nil {
		return err
	}
	t, err := s.userToken(ctx, opaque, PurposeReset, u)
	if errors.Is(err, errTokenConsumed) || err == nil && !u.IsActive {
		err = errInvalidToken
	}
	if err != nil {
		if errors.Is(err, errInvalidToken) {
			s.audit(ctx, "password_reset_failed", u.ID, "", c, "invalid token")
		}
		return err
	}
	if err := s.resetPassword(ctx, t, u, newPw, c); err != nil {
		if errors.Is(err, errTokenConsumed) {
			return errInvalidToken
		}
		return err
	}
	return nil
}

// resetPassword uses the token up (errTokenConsumed when a parallel request did) and sets the
// password, which ends every session of the user and unlocks codes locked after too many wrong ones.
func (s *Service) resetPassword(ctx context.Context, t AccountToken, u User, newPw string, c Client) error {
	if err := s.store.ConsumeAccountToken(ctx, t.ID, s.now().UTC()); err != nil {
		if errors.Is(err, ErrTokenUsed) {
			return errTokenConsumed
		}
		return fmt.Errorf("auth: confirm reset: %w", err)
	}
	if err := s.SetPassword(ctx, u, newPw, "", c, true); err != nil {
		return err
	}
	s.unlockAfterReset(ctx, u, c)
	return nil
}

// Sessions lists the caller's live logins.
func (s *Service) Sessions(ctx context.Context, u User) ([]Session, error) {
	return s.store.Sessions(ctx, u.ID, s.now().UTC())
}

// RevokeSession logs one of the caller's logins out; ErrNotFound when it is not theirs or not live.
func (s *Service) RevokeSession(ctx context.Context, u User, familyID string, c Client) error {
	ss, err := s.Sessions(ctx, u)
	if err != nil {
		return err
	}
	for _, x := range ss {
		if x.FamilyID == familyID {
			if _, err := s.endSession(ctx, familyID, u.ID, ReasonSession); err != nil {
				return err
			}
			s.audit(ctx, "session_revoked", u.ID, "", c, "session "+familyID)
			return nil
		}
	}
	return ErrNotFound
}

// FamilyOf returns the family of a refresh token the caller presents, if it is theirs and live: a
// rotated, revoked or pre-logout-all token names no current session.
func (s *Service) FamilyOf(ctx context.Context, u User, rawRefresh string) string {
	if rawRefresh == "" {
		return ""
	}
	rc, err := s.tokens.Parse(rawRefresh, "refresh")
	if err != nil || rc.UserID != u.ID || rc.IssuedAt.Before(u.TokensValidAfter) {
		return ""
	}
	ot, err := s.store.TokenByJTI(ctx, rc.JTI)
	if err != nil || ot.Blacklisted {
		return ""
	}
	return ot.FamilyID
}

// LogoutOthers ends every session of the caller but the one named.
func (s *Service) LogoutOthers(ctx context.Context, u User, keepFamily string, c Client) (int, error) {
	return s.EndOtherSessions(ctx, u, keepFamily, ReasonSession, c)
}
