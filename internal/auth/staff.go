package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// PurposeStaffLogin is the challenge purpose of an admin panel login.
const PurposeStaffLogin = "staff_login"

// ErrNotStaff is a right password of a user who may not use the admin panel. The panel shows it
// like a wrong password.
var ErrNotStaff = errors.New("not a staff account")

// StaffLogin checks credentials for the admin panel: active staff only, throttled by the caller.
// With two-factor on for the user, a code is e-mailed and its challenge returned instead.
func (s *Service) StaffLogin(ctx context.Context, email, pw string, c Client) (User, string, error) {
	u, err := s.checkCredentials(ctx, email, pw, "admin login", c)
	if err != nil {
		return User{}, "", err
	}
	if !u.IsStaff {
		s.audit(ctx, "admin_login_failed", u.ID, "", c, "not staff")
		return User{}, "", ErrNotStaff
	}
	methods, err := s.Methods(ctx, u)
	if err != nil {
		return User{}, "", fmt.Errorf("auth: admin login: %w", err)
	}
	if len(methods) > 0 {
		res, err := s.loginChallenge(ctx, u, PurposeStaffLogin, methods, c)
		return User{}, res.Challenge, err
	}
	s.staffLoggedIn(ctx, u, c, "")
	return u, "", nil
}

// FinishStaffTwoFactor completes an admin panel login with the e-mailed or a recovery code, or
// an answer by another of the user's methods.
func (s *Service) FinishStaffTwoFactor(ctx context.Context, challenge string, a Answer, c Client) (User, error) {
	ch, err := s.checkCode(ctx, challenge, a, PurposeStaffLogin, c)
	if err != nil {
		return User{}, err
	}
	u, err := s.challengeUser(ctx, ch)
	if err != nil {
		return User{}, err
	}
	if !u.IsStaff {
		return User{}, ErrChallengeInvalid
	}
	s.staffLoggedIn(ctx, u, c, "two-factor")
	return u, nil
}

// staffLoggedIn records an admin login, and its time as the user's last login (as Django admin does).
func (s *Service) staffLoggedIn(ctx context.Context, u User, c Client, detail string) {
	if err := s.store.SetLastLogin(ctx, u.ID, s.now().UTC()); err != nil {
		s.log.Warn("last login not updated", "user_id", u.ID, "err", err)
	}
	s.users.forget(u.ID)
	s.audit(ctx, "admin_login", u.ID, u.ID, c, detail)
}

// AdminBlacklist blacklists an outstanding token by its jti (an admin action).
func (s *Service) AdminBlacklist(ctx context.Context, jti, actorID string, c Client) error {
	ot, err := s.store.TokenByJTI(ctx, jti)
	if err != nil {
		return err
	}
	err = s.store.Blacklist(ctx, ot, ReasonAdmin, s.now().UTC())
	if errors.Is(err, ErrBlacklisted) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := s.endSession(ctx, ot.FamilyID, ot.UserID, ReasonAdmin); err != nil {
		return err
	}
	s.audit(ctx, "token_blacklisted", ot.UserID, actorID, c, "jti "+jti)
	return nil
}

// AdminEndSession ends one session of u (an admin action): ErrNotFound when it is not a live
// session of theirs.
func (s *Service) AdminEndSession(ctx context.Context, u User, sessionID, actorID string, c Client) error {
	live, err := s.Sessions(ctx, u)
	if err != nil {
		return err
	}
	for _, x := range live {
		if x.FamilyID == sessionID {
			n, err := s.endSession(ctx, sessionID, u.ID, ReasonAdmin)
			if err != nil {
				return err
			}
			s.audit(ctx, "session_revoked", u.ID, actorID, c, fmt.Sprintf("session %s ended by an admin, %d refresh tokens blacklisted", sessionID, n))
			return nil
		}
	}
	return ErrNotFound
}

// Now is the Service's clock (for adapters that need the same notion of time).
func (s *Service) Now() time.Time { return s.now() }
