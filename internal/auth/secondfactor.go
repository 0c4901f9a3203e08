package auth

import (
	"context"
	"errors"
	"fmt"
)

// An attacker who has the password meets, besides each challenge's own few tries, a ceiling of
// consecutive failed second-factor checks per account that outlasts challenges and doors (NIST
// SP 800-63B §5.2.2; issue #13, finding 4): without it, three live challenges of five tries per
// door every ten minutes add up to about 180 guesses an hour, for ever. At the ceiling the
// account's codes are refused, a notice goes to the owner and the lock is audited, until a
// password reset (proof of the mailbox) or an administrator's unlock; a right answer sets the
// count back to zero. Every second factor is checked through verifySecondFactor: e-mailed codes
// and recovery codes today, authenticator apps and passkeys tomorrow.

// verifySecondFactor runs check, one check of a second factor of the user at a door (for the
// audit log), under the account's ceiling. The check is counted before it runs, in one atomic
// step with the ceiling (parallel checks cannot pass it); while the account is locked it does not
// run at all and the answer is ErrSecondFactorLocked. A check that fails with an error stays
// counted (the safe side).
func (s *Service) verifySecondFactor(ctx context.Context, userID, door string, c Client, check func() (bool, error)) (bool, error) {
	ceiling := s.cfg.MaxFactorFailures
	n := 0
	if ceiling > 0 {
		var err error
		n, err = s.store.SpendSecondFactorCheck(ctx, userID, ceiling)
		if errors.Is(err, ErrSecondFactorLocked) {
			s.audit(ctx, "two_factor_failed", userID, "", c, door+": codes are locked")
			return false, ErrSecondFactorLocked
		}
		if err != nil {
			return false, fmt.Errorf("auth: second factor: %w", err)
		}
	}
	ok, err := check()
	if err != nil {
		return false, err
	}
	if ok {
		if ceiling > 0 {
			if err := s.store.ClearSecondFactorFailures(ctx, userID); err != nil {
				s.log.Warn("second-factor failures not cleared", "user_id", userID, "err", err)
			}
		}
		return true, nil
	}
	if ceiling > 0 && n >= ceiling {
		s.secondFactorLocked(ctx, userID, c)
	}
	return false, nil
}

// secondFactorLocked records and announces the failure that reached the ceiling (exactly one
// per lock: the count never passes the ceiling).
func (s *Service) secondFactorLocked(ctx context.Context, userID string, c Client) {
	s.users.forget(userID)
	s.audit(ctx, "second_factor_locked", userID, "", c,
		fmt.Sprintf("%d failed code checks in a row", s.cfg.MaxFactorFailures))
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		s.log.Warn("second-factor lock notice not sent", "user_id", userID, "err", err)
		return
	}
	// A reset lifts the lock only for a user with no factor beyond the mailbox
	// (unlockAfterReset): the notice must not promise more. Unknown counts as kept.
	kept, err := s.hasFactor(ctx, u, MethodEmail)
	if err != nil {
		kept = true
	}
	if s.mailer != nil {
		if err := s.mailer.Send(ctx, u.Email, "second_factor_locked", map[string]any{
			"email": u.Email, "failures": s.cfg.MaxFactorFailures, "reset_unlocks": !kept,
		}); err != nil {
			s.log.Warn("second-factor lock notice not sent", "user_id", userID, "err", err)
		}
	}
}

// SecondFactorLocked reports whether u's codes are refused for too many consecutive failures.
func (s *Service) SecondFactorLocked(u User) bool {
	return s.cfg.MaxFactorFailures > 0 && u.SecondFactorFailures >= s.cfg.MaxFactorFailures
}

// UnlockSecondFactor is an administrator's unlock: the count of failed second-factor checks
// starts again from zero.
func (s *Service) UnlockSecondFactor(ctx context.Context, u User, actorID string, c Client) error {
	err := s.store.ClearSecondFactorFailures(ctx, u.ID)
	s.users.forget(u.ID)
	if err != nil {
		return err
	}
	s.audit(ctx, "second_factor_unlocked", u.ID, actorID, c,
		fmt.Sprintf("after %d failed code checks in a row", u.SecondFactorFailures))
	return nil
}

// unlockAfterReset starts the count again after a password reset: whoever could read the reset
// mail could read the codes, so the lock has nothing left to protect. Not so for a user with an
// authenticator app: the mailbox is no proof of the phone, and unlocking would give whoever
// holds the mailbox another round of guesses at the app's codes after every reset. Their lock
// stays until an administrator lifts it.
func (s *Service) unlockAfterReset(ctx context.Context, u User, c Client) {
	if u.SecondFactorFailures == 0 {
		return
	}
	if app, err := s.hasFactor(ctx, u, MethodEmail); err != nil || app {
		if err != nil {
			s.log.Error("second-factor lock kept after a password reset: factors unreadable", "user_id", u.ID, "err", err)
		} else if s.SecondFactorLocked(u) {
			s.audit(ctx, "second_factor_lock_kept", u.ID, "", c, "password reset: the account has an authenticator app")
		}
		return
	}
	if err := s.store.ClearSecondFactorFailures(ctx, u.ID); err != nil {
		s.log.Error("second-factor failures not cleared after a password reset", "user_id", u.ID, "err", err)
		return
	}
	s.users.forget(u.ID)
	if s.SecondFactorLocked(u) {
		s.audit(ctx, "second_factor_unlocked", u.ID, "", c, "password reset")
	}
}
