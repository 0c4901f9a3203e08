package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/throttle"
)

// Limiter is what the budget of failed password checks needs of a rate limiter: throttle.Memory
// in one process, throttle.Redis shared by every instance.
type Limiter interface {
	// Allow counts one hit on key within r, in one atomic step, and says whether it fits.
	Allow(ctx context.Context, key string, r throttle.Rate) (throttle.Decision, error)
	// Undo takes back the newest admitted hit on key.
	Undo(ctx context.Context, key string) error
}

var (
	_ Limiter = (*throttle.Memory)(nil)
	_ Limiter = (*throttle.Redis)(nil)
)

// budgetTimeout bounds one call to the limiter: a shared limiter (Redis) answers in milliseconds,
// and one that hangs must fail the request closed at once, not after its client gave up.
const budgetTimeout = time.Second

// Every password check of an account draws on one budget (NIST SP 800-63B §5.2.2), whatever the
// door — login, sliding login, admin login, password change, two-factor switch, recovery codes,
// account changes — and whatever the client address: an attacker who holds a stolen access
// token, or many addresses, gets no more guesses than one who has neither (issue #13, finding 1).
// A check spends one unit before the password is hashed (one atomic step in the limiter, so
// parallel guesses cannot all slip under the limit), and a right password gives it back: the
// budget counts failures, so that the owner's own logins never lock them out. A spent budget is
// ErrThrottled with the wait, before any hashing. The key is the account's id, or for a login
// with an unknown e-mail the e-mail itself: such a login meets the same budget at the same count
// as a known one, so the refusal tells nothing (no enumeration).

// userBudget is the budget key of a known account; emailBudget that of an unknown e-mail.
func userBudget(userID string) string { return "pwcheck:user:" + userID }
func emailBudget(email string) string {
	return "pwcheck:email:" + strings.ToLower(strings.TrimSpace(email))
}

// spendPasswordCheck takes one check from the budget under key before a password is verified.
// userID (empty for an unknown e-mail) and door only go into the audit log. The limiter being
// unreachable is an error (fail closed: no check without the budget).
func (s *Service) spendPasswordCheck(ctx context.Context, key, userID, door string, c Client) error {
	if s.lim == nil || s.cfg.PasswordChecks.Off() {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, budgetTimeout)
	defer cancel()
	d, err := s.lim.Allow(lctx, key, s.cfg.PasswordChecks)
	if err != nil {
		return fmt.Errorf("auth: password budget: %w: %w", ErrUnavailable, err)
	}
	if d.Allowed {
		return nil
	}
	// A flood of refused guesses is on record once a minute per account, not once per guess.
	if a, err := s.lim.Allow(lctx, "audit:"+key, throttle.Rate{N: 1, Per: time.Minute}); err == nil && a.Allowed {
		detail := "failed password checks: the account's budget is spent"
		if door != "" {
			detail = door + ": " + detail
		}
		s.audit(ctx, "password_throttled", userID, "", c, detail)
	}
	return &ThrottledError{RetryAfter: max(d.RetryAfter, time.Second)}
}

// refundPasswordCheck gives back the unit of a check that did not fail: the password was right,
// or the hasher was busy and nothing was checked. A refund that cannot reach the limiter leaves
// the unit spent (the safe side) and is logged.
func (s *Service) refundPasswordCheck(ctx context.Context, key string) {
	if s.lim == nil || s.cfg.PasswordChecks.Off() {
		return
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budgetTimeout)
	defer cancel()
	if err := s.lim.Undo(lctx, key); err != nil {
		s.log.Warn("password budget: refund not recorded", "err", err)
	}
}

// verifyPassword checks the caller's password for a sensitive change at a door (named in the
// audit event of a refusal, with the client), drawing on the account's budget of failed password
// checks: every door that takes the password of a signed-in user (password change, two-factor
// switch, recovery codes, account changes) checks it here, and nowhere else. A spent budget is a
// *ThrottledError, an unreachable limiter an error wrapping ErrUnavailable; a hasher at capacity
// or a cancelled request is ErrBusy, never a verdict on the password.
func (s *Service) verifyPassword(ctx context.Context, u User, pw, door string, c Client) (bool, error) {
	key := userBudget(u.ID)
	if err := s.spendPasswordCheck(ctx, key, u.ID, door, c); err != nil {
		return false, err
	}
	ok, _, err := s.hasher.Verify(ctx, pw, u.PasswordHash)
	if errors.Is(err, password.ErrBusy) || ctx.Err() != nil {
		s.refundPasswordCheck(ctx, key)
		return false, fmt.Errorf("auth: verify password: %w", ErrBusy)
	}
	if ok {
		s.refundPasswordCheck(ctx, key)
	}
	return ok, nil
}
