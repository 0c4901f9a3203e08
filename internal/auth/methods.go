package auth

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"slices"
)

// Second-factor methods, by the names clients see in a login challenge's "methods" and send
// back in its answer (issue #16: one login challenge, several methods).
const (
	MethodTOTP     = "totp"          // a code from an authenticator app (totp.go)
	MethodWebAuthn = "webauthn"      // a passkey (not built on this branch)
	MethodEmail    = "email"         // the code e-mailed with the challenge
	MethodRecovery = "recovery_code" // one of the user's one-time recovery codes
)

// methodOrder is the order methods are offered in, the strongest first.
var methodOrder = []string{MethodTOTP, MethodWebAuthn, MethodEmail, MethodRecovery}

// KnownMethod reports whether name is a method this server can check an answer with.
func (s *Service) KnownMethod(name string) bool { return s.factor(name) != nil }

// Answer is what a client sends to finish a challenge. Method "" is the answer clients gave
// before there were several methods, unchanged: the e-mailed code or a recovery code.
type Answer struct {
	Method string
	Code   string
}

// A factor is one method of answering a login challenge. The challenge, its attempt count,
// expiry and single use, the account's ceiling of failed checks (verifySecondFactor) and the
// audit are the caller's: a factor only knows whether a user has it and whether an answer is
// right. Another method (passkeys) is one more type and one more case in Service.factor.
type factor interface {
	// enrolled reports whether u has set the method up and may answer with it.
	enrolled(ctx context.Context, u User) (bool, error)
	// check reports whether a is a right answer to ch, whose attempt is already counted. A
	// right answer is used up by check (one-time codes, TOTP steps), exactly once under
	// parallel requests.
	check(ctx context.Context, ch Challenge, a Answer, c Client) (bool, error)
}

// factor returns the method's checker; nil for an unknown name. A passkey method is a
// webauthnFactor here: enrolled reads the user's credentials; check verifies the assertion,
// which it needs in Answer (a field beside Code) and which the challenge's request options must
// come from (LoginResult, filled in loginChallenge when the methods include it). Everything
// around check — attempts, ceiling, single use, audit — then holds for it unchanged.
func (s *Service) factor(name string) factor {
	switch name {
	case MethodTOTP:
		return totpFactor{s}
	case MethodEmail:
		return emailFactor{s}
	case MethodRecovery:
		return recoveryFactor{s}
	}
	return nil
}

// Methods lists, in methodOrder, the methods u may finish a login with; nil when logging in
// takes no second factor. Under AUTHGATE_TWO_FACTOR=required a user who has set up nothing is
// e-mailed codes, as before there were several methods; a user with an authenticator app and
// no e-mail switch is not e-mailed. Recovery codes are a method while unused ones are left.
func (s *Service) Methods(ctx context.Context, u User) ([]string, error) {
	if s.cfg.TwoFactor == "off" {
		return nil, nil
	}
	var out []string
	for _, name := range methodOrder {
		f := s.factor(name)
		if f == nil || name == MethodRecovery {
			continue
		}
		ok, err := f.enrolled(ctx, u)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		if s.cfg.TwoFactor != "required" {
			return nil, nil
		}
		out = []string{MethodEmail}
	}
	if ok, err := (recoveryFactor{s}).enrolled(ctx, u); err != nil {
		return nil, err
	} else if ok {
		out = append(out, MethodRecovery)
	}
	return out, nil
}

// hasFactor reports whether u has set up a second factor other than except (one the user
// chose, not the e-mailed codes that AUTHGATE_TWO_FACTOR=required falls back on).
func (s *Service) hasFactor(ctx context.Context, u User, except string) (bool, error) {
	for _, name := range methodOrder {
		f := s.factor(name)
		if f == nil || name == except || name == MethodRecovery {
			continue
		}
		ok, err := f.enrolled(ctx, u)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// needsSecondFactor reports whether logging in takes a second factor from u.
func (s *Service) needsSecondFactor(ctx context.Context, u User) (bool, error) {
	m, err := s.Methods(ctx, u)
	return len(m) > 0, err
}

// loginChallenge starts the challenge of a login that needs a second factor. The code is
// e-mailed only when e-mail is among the user's methods.
func (s *Service) loginChallenge(ctx context.Context, u User, purpose string, methods []string, c Client) (LoginResult, error) {
	mail := slices.Contains(methods, MethodEmail)
	id, err := s.startChallenge(ctx, u, purpose, mail, c)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Challenge: id, Methods: methods, Mailed: mail}, nil
}

// checkAnswer checks a, under the account's ceiling, against the challenge ch (owned by the
// user, attempt counted), dispatching on the method. The answer without a method is the
// e-mailed code or, at a login, a recovery code. It reports the method that was right ("" when
// none was).
func (s *Service) checkAnswer(ctx context.Context, ch Challenge, a Answer, c Client) (string, error) {
	methods := []string{a.Method}
	if a.Method == "" {
		methods = []string{MethodEmail, MethodRecovery}
	}
	used := ""
	_, err := s.verifySecondFactor(ctx, ch.UserID, ch.Purpose, c, func() (bool, error) {
		for _, m := range methods {
			ok, err := s.factor(m).check(ctx, ch, a, c)
			if err != nil {
				return false, err
			}
			if ok {
				used = m
				return true, nil
			}
		}
		return false, nil
	})
	return used, err
}

// methodAllowed refuses, before an attempt is counted, an answer by a method the challenge's
// user does not have: nobody spends a try on it, and a client learns which to offer.
func (s *Service) methodAllowed(ctx context.Context, ch Challenge, a Answer) error {
	if a.Method == "" {
		return nil
	}
	if ch.Purpose != PurposeLogin && ch.Purpose != PurposeStaffLogin || s.factor(a.Method) == nil {
		return fieldError("method", fmt.Sprintf("%q is not a valid choice.", a.Method))
	}
	u, err := s.store.UserByID(ctx, ch.UserID)
	if errors.Is(err, ErrNotFound) {
		return ErrChallengeInvalid
	}
	if err != nil {
		return fmt.Errorf("auth: challenge methods: %w", err)
	}
	methods, err := s.Methods(ctx, u)
	if err != nil {
		return fmt.Errorf("auth: challenge methods: %w", err)
	}
	if !slices.Contains(methods, a.Method) {
		return fieldError("method", "This method is not set up for the account.")
	}
	return nil
}

// emailFactor is the code e-mailed with the challenge.
type emailFactor struct{ s *Service }

func (f emailFactor) enrolled(_ context.Context, u User) (bool, error) {
	return u.TwoFactorEnabled, nil
}

func (f emailFactor) check(_ context.Context, ch Challenge, a Answer, _ Client) (bool, error) {
	// A challenge whose code was not e-mailed has no hash: no answer matches it.
	return ch.CodeHash != "" && hmac.Equal([]byte(f.s.hashCode(ch.ID, normalizeCode(a.Code))), []byte(ch.CodeHash)), nil
}

// recoveryFactor is one of the user's one-time recovery codes, good for logins only.
type recoveryFactor struct{ s *Service }

func (f recoveryFactor) enrolled(ctx context.Context, u User) (bool, error) {
	n, err := f.s.store.CountRecoveryCodes(ctx, u.ID)
	if err != nil {
		return false, fmt.Errorf("auth: count recovery codes: %w", err)
	}
	return n > 0, nil
}

func (f recoveryFactor) check(ctx context.Context, ch Challenge, a Answer, _ Client) (bool, error) {
	norm := normalizeCode(a.Code)
	if ch.Purpose != PurposeLogin && ch.Purpose != PurposeStaffLogin || len(norm) != recoveryLen {
		return false, nil
	}
	err := f.s.store.UseRecoveryCode(ctx, ch.UserID, f.s.hashRecovery(ch.UserID, norm), f.s.now().UTC())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: check recovery code: %w", err)
	}
	return true, nil
}

// ChallengeMailed reports whether a code was e-mailed for the challenge: false for a login of a
// user who answers with another method (the admin panel's code step says so). Unknown or
// invalid challenges answer true, the page's old wording; finishing them fails anyway.
func (s *Service) ChallengeMailed(ctx context.Context, opaque string) bool {
	if !validOpaque(opaque) {
		return true
	}
	ch, err := s.store.ChallengeByID(ctx, s.hashID(opaque))
	return err != nil || ch.CodeHash != ""
}
