package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Sign-up modes (AUTHGATE_SIGNUP), verification modes (AUTHGATE_EMAIL_VERIFICATION, allauth's
// words) and e-mail change modes (AUTHGATE_EMAIL_CHANGE).
const (
	SignupClosed = "closed" // only operators make accounts (CLI, admin panel, importusers)
	SignupOpen   = "open"
	SignupInvite = "invite" // sign-up needs an invitation's token

	VerifyMandatory = "mandatory" // a signed-up account cannot log in until activated
	VerifyOptional  = "optional"  // it can; the activation link verifies the address
	VerifyNone      = "none"      // no activation mail

	EmailChangeVerify    = "verify"    // the new address confirms the change by a link
	EmailChangeImmediate = "immediate" // Djoser's: the new address logs in at once
)

// Accounts configures the account lifecycle (CONTRACT "Accounts (Djoser)", issue 14).
type Accounts struct {
	Signup            string
	EmailVerification string
	EmailChange       string
	ActivationTTL     time.Duration
	EmailChangeTTL    time.Duration // the confirmation link of a new address
	InvitationTTL     time.Duration
	Links             Links
	SiteName          string // Djoser's {site} in subjects
}

// Links are the templates of the links account mails carry: {uid} (EncodeUID) and {token} are
// replaced. Djoser's ACTIVATION_URL, PASSWORD_RESET_CONFIRM_URL and USERNAME_RESET_CONFIRM_URL,
// and authgate's confirmation of a new address and invitation (which has no {uid}).
type Links struct {
	Activation, PasswordReset, EmailReset, EmailChange, Invitation string
}

// DefaultAccounts is closed sign-up (the behaviour before accounts existed), mandatory
// verification, verified e-mail changes, and the issue's lifetimes.
func DefaultAccounts() Accounts {
	return Accounts{
		Signup: SignupClosed, EmailVerification: VerifyMandatory, EmailChange: EmailChangeVerify,
		ActivationTTL: 72 * time.Hour, EmailChangeTTL: 24 * time.Hour, InvitationTTL: 7 * 24 * time.Hour,
		SiteName: "authgate",
	}
}

func (a Accounts) check() error {
	switch {
	case a.Signup != SignupClosed && a.Signup != SignupOpen && a.Signup != SignupInvite:
		return fmt.Errorf("auth: sign-up mode %q is not closed, open or invite", a.Signup)
	case a.EmailVerification != VerifyMandatory && a.EmailVerification != VerifyOptional && a.EmailVerification != VerifyNone:
		return fmt.Errorf("auth: e-mail verification %q is not mandatory, optional or none", a.EmailVerification)
	case a.EmailChange != EmailChangeVerify && a.EmailChange != EmailChangeImmediate:
		return fmt.Errorf("auth: e-mail change mode %q is not verify or immediate", a.EmailChange)
	case a.ActivationTTL <= 0 || a.EmailChangeTTL <= 0 || a.InvitationTTL <= 0:
		return errors.New("auth: account token lifetimes must be positive")
	}
	return nil
}

// Errors of the account endpoints the web layer maps (respond.go).
var (
	// ErrSignupClosed is a sign-up while AUTHGATE_SIGNUP is closed: DRF's 403.
	ErrSignupClosed = errors.New("sign-up is closed")
	// ErrForbidden is an action on another account the caller may not take: DRF's 403.
	ErrForbidden = errors.New("you do not have permission to perform this action")
)

// Field messages, in Django's and DRF's words.
const (
	msgEmailTaken   = "user with this email address already exists."
	msgInvalidEmail = "Enter a valid email address."
	msgNameTooLong  = "Ensure this field has no more than 150 characters."
	msgBadInvite    = "Invalid or expired invitation."
)

// MaxNameLength is Django's max_length of first_name and last_name.
const MaxNameLength = 150

// accountTimeout bounds the work done after an answer (tokens and mail).
const accountTimeout = time.Minute

// later runs f after the answer, with the request's values but not its cancellation: what only
// some callers get (a mail, a token) must not make their answer slower or different.
func (s *Service) later(ctx context.Context, f func(ctx context.Context)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), accountTimeout)
	go func() {
		defer cancel()
		f(ctx)
	}()
}

// send mails a template with the site name; a failure is ErrMailFailed.
func (s *Service) send(ctx context.Context, to, template string, data map[string]any) error {
	if s.mailer == nil {
		return fmt.Errorf("auth: no mailer configured: %w", ErrMailFailed)
	}
	data["site"] = s.cfg.Accounts.SiteName
	if _, ok := data["email"]; !ok {
		data["email"] = to
	}
	if err := s.mailer.Send(ctx, to, template, data); err != nil {
		if !errors.Is(err, ErrMailFailed) {
			err = fmt.Errorf("%w: %w", ErrMailFailed, err)
		}
		return err
	}
	return nil
}

// notify mails a notice whose loss must not fail the action it reports.
func (s *Service) notify(ctx context.Context, userID, to, template string, data map[string]any) {
	if err := s.send(ctx, to, template, data); err != nil {
		s.log.Warn("notice not sent", "template", template, "user_id", userID, "err", err)
	}
}

// lookupEmail finds a user by address; an address no stored one can equal (a NUL, invalid
// UTF-8, which PostgreSQL refuses to compare) is unknown.
func (s *Service) lookupEmail(ctx context.Context, email string) (User, error) {
	if !utf8.ValidString(email) || strings.ContainsRune(email, 0) {
		return User{}, ErrNotFound
	}
	return s.store.UserByEmail(ctx, email)
}

// EmailTaken reports whether an account uses the address (Djoser's unique check of set_email
// and reset_email_confirm, which a logged-in user or a reset link holder may ask).
func (s *Service) EmailTaken(ctx context.Context, email string) (bool, error) {
	_, err := s.lookupEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// SignUpRequest is Djoser's POST users/ (the retyped password is the web layer's check).
type SignUpRequest struct {
	Email, Password, FirstName, LastName string
	Invitation                           string // the invitation's token (required when AUTHGATE_SIGNUP=invite)
}

// SignUp creates an account (Djoser's POST users/) and returns it as the answer shows it. An
// address that has an account already is answered alike (the same shape, a fresh id, the same
// hashing work) and changes nothing: its owner is told by mail instead (no enumeration, issue
// 14). Mails go out after the answer, for either kind of address.
func (s *Service) SignUp(ctx context.Context, in SignUpRequest, c Client) (User, error) {
	a := s.cfg.Accounts
	if a.Signup == SignupClosed {
		return User{}, ErrSignupClosed
	}
	email := NormalizeEmail(in.Email)
	first, last := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if err := checkProfile(email, first, last); err != nil {
		return User{}, err
	}
	var inv AccountToken
	if a.Signup == SignupInvite || in.Invitation != "" {
		var err error
		if inv, err = s.invitation(ctx, in.Invitation, email); err != nil {
			return User{}, err
		}
	}
	if err := s.CheckNewPassword(in.Password, PasswordAttrs{first, last, email}, "password"); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return User{}, fmt.Errorf("auth: hash password: %w", err)
	}
	answer := User{ID: NewUUID(), Email: email, FirstName: first, LastName: last}
	existing, err := s.lookupEmail(ctx, email)
	if err == nil {
		s.signUpTaken(ctx, existing, c)
		return answer, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	now := s.now().UTC()
	u := answer
	u.PasswordHash, u.IsActive, u.DateJoined, u.TokensValidAfter = hash, true, now, time.Unix(0, 0).UTC()
	switch {
	case inv.ID != "": // the invitation's mail proved the address
		u.VerifiedAt = now
		if err := s.store.ConsumeAccountToken(ctx, inv.ID, now); err != nil {
			if errors.Is(err, ErrTokenUsed) {
				return User{}, fieldError("invitation", msgBadInvite)
			}
			return User{}, fmt.Errorf("auth: sign-up: %w", err)
		}
	case a.EmailVerification == VerifyMandatory:
		u.IsActive, u.ActivationPending = false, true
	}
	err = s.store.CreateUser(ctx, u)
	if errors.Is(err, ErrConflict) { // a parallel sign-up took the address
		if existing, err := s.lookupEmail(ctx, email); err == nil {
			s.signUpTaken(ctx, existing, c)
		}
		return answer, nil
	}
	if err != nil {
		return User{}, err
	}
	detail := "verification " + a.EmailVerification
	if inv.ID != "" {
		detail = "invited"
	}
	s.audit(ctx, "user_signed_up", u.ID, "", c, detail)
	s.later(ctx, func(ctx context.Context) {
		if u.VerifiedAt.IsZero() && a.EmailVerification != VerifyNone {
			s.sendActivation(ctx, u, c)
			return
		}
		// Djoser's confirmation mail, sent at sign-up when no activation is needed.
		s.notify(ctx, u.ID, u.Email, "activated", map[string]any{"first_name": u.FirstName})
	})
	return u, nil
}

// signUpTaken tells an address's owner that someone tried to sign up with it.
func (s *Service) signUpTaken(ctx context.Context, existing User, c Client) {
	s.audit(ctx, "signup_existing_address", existing.ID, "", c, "")
	s.later(ctx, func(ctx context.Context) {
		s.notify(ctx, existing.ID, existing.Email, "signup_attempt", map[string]any{"first_name": existing.FirstName})
	})
}

// checkProfile checks what a sign-up stores besides the password, as Django's fields would,
// in Djoser's field order.
func checkProfile(email, first, last string) error {
	ve := namesError(first, last)
	if !ValidEmailDjango(email) {
		ve.add("email", msgInvalidEmail)
	}
	if len(ve.Order) > 0 {
		return ve
	}
	return nil
}

// namesError holds the errors of Django's max_length on the names, if any.
func namesError(first, last string) *ValidationError {
	ve := &ValidationError{Fields: map[string][]string{}}
	for _, f := range []struct{ name, v string }{{"first_name", first}, {"last_name", last}} {
		if utf8.RuneCountInString(f.v) > MaxNameLength {
			ve.add(f.name, msgNameTooLong)
		}
	}
	return ve
}

// invitation checks an invitation token for a sign-up with the address it was sent to.
func (s *Service) invitation(ctx context.Context, opaque, email string) (AccountToken, error) {
	if opaque == "" {
		return AccountToken{}, fieldError("invitation", "This field is required.")
	}
	bad := fieldError("invitation", msgBadInvite)
	if !validOpaque(opaque) {
		return AccountToken{}, bad
	}
	t, err := s.store.AccountTokenByID(ctx, s.hashID(opaque))
	if errors.Is(err, ErrNotFound) {
		return AccountToken{}, bad
	}
	if err != nil {
		return AccountToken{}, fmt.Errorf("auth: invitation: %w", err)
	}
	if t.Purpose != PurposeInvitation || !t.ConsumedAt.IsZero() || !s.now().Before(t.ExpiresAt) ||
		!strings.EqualFold(t.Email, email) {
		return AccountToken{}, bad
	}
	return t, nil
}

// sendActivation mails a fresh activation link; a failure is audited as activation_not_sent.
func (s *Service) sendActivation(ctx context.Context, u User, c Client) {
	tok, err := s.issueToken(ctx, PurposeActivation, u, u.Email, "", s.cfg.Accounts.ActivationTTL, c)
	if err != nil {
		s.log.Error("activation token not stored", "user_id", u.ID, "err", err)
		s.audit(ctx, "activation_not_sent", u.ID, "", c, "storage error")
		return
	}
	err = s.send(ctx, u.Email, "activation", map[string]any{
		"link": link(s.cfg.Accounts.Links.Activation, u.ID, tok), "uid": EncodeUID(u.ID), "token": tok,
		"lifetime": s.cfg.Accounts.ActivationTTL, "first_name": u.FirstName,
	})
	if err != nil {
		s.log.Error("activation mail not delivered", "user_id", u.ID, "err", err)
		s.discardToken(ctx, tok)
		s.audit(ctx, "activation_not_sent", u.ID, "", c, "mail failed")
		return
	}
	s.audit(ctx, "activation_sent", u.ID, "", c, "")
}

// awaitsVerification reports whether an activation link may still do something for u: the
// address is unverified and the account is active or waiting for the link (not deactivated
// by an administrator, which activation must never undo).
func awaitsVerification(u User) bool {
	return u.VerifiedAt.IsZero() && (u.IsActive || u.ActivationPending)
}

// Activate is Djoser's POST users/activation/: a live activation token of the user verifies
// the address and, when the account was waiting for it, activates it. A link for an account
// verified already (a second click) is Djoser's 403 "Stale token".
func (s *Service) Activate(ctx context.Context, uid, token string, c Client) error {
	u, err := s.userFromUID(ctx, uid)
	if err != nil {
		return err
	}
	t, err := s.userToken(ctx, token, PurposeActivation, u)
	if err != nil && !errors.Is(err, errTokenConsumed) {
		if errors.Is(err, errInvalidToken) {
			s.audit(ctx, "activation_failed", u.ID, "", c, "invalid token")
		}
		return err
	}
	if !awaitsVerification(u) {
		return ErrStaleToken
	}
	if errors.Is(err, errTokenConsumed) {
		return errInvalidToken
	}
	err = s.store.ActivateUser(ctx, u.ID, t.ID, s.now().UTC())
	s.users.forget(u.ID)
	if errors.Is(err, ErrTokenUsed) { // a parallel request activated first
		return ErrStaleToken
	}
	if err != nil {
		return fmt.Errorf("auth: activate: %w", err)
	}
	s.audit(ctx, "account_activated", u.ID, "", c, "")
	s.notify(ctx, u.ID, u.Email, "activated", map[string]any{"first_name": u.FirstName})
	return nil
}

// ResendActivation is Djoser's POST users/resend_activation/, answered alike whatever the
// address (no enumeration): an account waiting for verification gets a fresh link after the
// answer; nothing else happens.
func (s *Service) ResendActivation(ctx context.Context, email string, c Client) {
	u, err := s.lookupEmail(ctx, strings.TrimSpace(email))
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Warn("resend activation lookup failed", "err", err)
	}
	if err != nil || !awaitsVerification(u) || s.cfg.Accounts.EmailVerification == VerifyNone {
		s.audit(ctx, "activation_resend_ignored", u.ID, "", c, "no account awaiting activation")
		return
	}
	s.audit(ctx, "activation_resend_requested", u.ID, "", c, "")
	s.later(ctx, func(ctx context.Context) { s.sendActivation(ctx, u, c) })
}

// canManage is Djoser's CurrentUserOrAdmin, tightened as the admin panel is: staff manage other
// accounts, but only a superuser manages a superuser's.
func canManage(actor, target User) bool {
	return actor.ID == target.ID || actor.IsStaff && (!target.IsSuperuser || actor.IsSuperuser)
}

// AccountFor is users/{id}/ as Djoser's HIDE_USERS has it: the caller's own account, or any
// for staff; another user's, or an unknown or malformed id, is ErrNotFound.
func (s *Service) AccountFor(ctx context.Context, actor User, id string) (User, error) {
	if strings.EqualFold(id, actor.ID) {
		return actor, nil
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !actor.IsStaff {
		return User{}, ErrNotFound
	}
	return u, nil
}

// CanDelete reports whether actor may delete target's account (Djoser: 403 otherwise).
func CanDelete(actor, target User) bool { return canManage(actor, target) }

// Accounts is GET users/: the caller alone, or for staff a page of every account by e-mail
// after the cursor (the lowercased e-mail of the previous page's last row), with the total.
func (s *Service) Accounts(ctx context.Context, actor User, after string, limit int) ([]User, int, error) {
	if !actor.IsStaff {
		return []User{actor}, 1, nil
	}
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return nil, 0, err
	}
	users, err := s.store.ListUsers(ctx, UserQuery{After: strings.ToLower(after), Limit: limit})
	return users, n, err
}

// ProfileChange is PUT or PATCH users/me/: a nil field stays as it is.
type ProfileChange struct {
	FirstName, LastName *string
}

// UpdateProfile changes the names of target (the caller's own account, or one staff may
// manage) and returns the account as stored.
func (s *Service) UpdateProfile(ctx context.Context, actor, target User, ch ProfileChange, c Client) (User, error) {
	if !canManage(actor, target) {
		return User{}, ErrForbidden
	}
	cur, err := s.store.UserByID(ctx, target.ID)
	if err != nil {
		return User{}, err
	}
	first, last := cur.FirstName, cur.LastName
	if ch.FirstName != nil {
		first = strings.TrimSpace(*ch.FirstName)
	}
	if ch.LastName != nil {
		last = strings.TrimSpace(*ch.LastName)
	}
	if ve := namesError(first, last); len(ve.Order) > 0 {
		return User{}, ve
	}
	if first != cur.FirstName || last != cur.LastName {
		err = s.store.SetNames(ctx, cur.ID, first, last)
		s.users.forget(cur.ID)
		if err != nil {
			return User{}, err
		}
		actorID := ""
		if actor.ID != cur.ID {
			actorID = actor.ID
		}
		s.audit(ctx, "profile_updated", cur.ID, actorID, c, "")
	}
	cur.FirstName, cur.LastName = first, last
	return cur, nil
}

// Reauthenticated proves that the caller typed their current password in this request: the
// methods that change credentials or delete an account take one, so that no door skips the
// check, and the check runs once, through verifyPassword, whatever the door.
type Reauthenticated struct{ userID string }

// Reauthenticate checks the caller's current password (Djoser's current_password).
func (s *Service) Reauthenticate(ctx context.Context, u User, pw string, c Client) (Reauthenticated, error) {
	ok, err := s.verifyPassword(ctx, u, pw, "current password", c)
	if err != nil {
		return Reauthenticated{}, err
	}
	if !ok {
		s.audit(ctx, "reauthentication_failed", u.ID, "", c, "wrong current password")
		return Reauthenticated{}, fieldError("current_password", "Invalid password.")
	}
	return Reauthenticated{userID: u.ID}, nil
}

func (p Reauthenticated) of(u User) error {
	if p.userID == "" || p.userID != u.ID {
		return errors.New("auth: no proof of the current password for this user")
	}
	return nil
}

// SetOwnPassword is Djoser's POST users/set_password/: the policy with the user's attributes,
// then the new hash; every pending account link dies, and every session but the caller's
// (keepSID) ends. Djoser's answer carries no tokens, so the caller goes on with the ones it has.
func (s *Service) SetOwnPassword(ctx context.Context, p Reauthenticated, u User, newPw, keepSID string, c Client) error {
	if err := p.of(u); err != nil {
		return err
	}
	if err := s.CheckNewPassword(newPw, PasswordAttrs{u.FirstName, u.LastName, u.Email}, "new_password"); err != nil {
		return err
	}
	h, err := s.hasher.Hash(ctx, newPw)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	err = s.store.ReplacePassword(ctx, u.ID, h, s.now().UTC())
	s.users.forget(u.ID)
	if err != nil {
		return err
	}
	s.audit(ctx, "password_changed", u.ID, "", c, "set_password")
	if err := s.endOtherSessions(ctx, u, keepSID, c); err != nil {
		return err
	}
	s.notify(ctx, u.ID, u.Email, "password_changed", map[string]any{})
	return nil
}

// DeleteAccount is Djoser's DELETE users/me/ and users/{id}/: every token of the account is
// revoked at once (refresh tokens blacklisted, access tokens refused), then the account and its
// personal data go (its refresh tokens stay, without the user, as Django keeps them).
func (s *Service) DeleteAccount(ctx context.Context, p Reauthenticated, actor, target User, c Client) error {
	if err := p.of(actor); err != nil {
		return err
	}
	if !canManage(actor, target) {
		return ErrForbidden
	}
	now := s.now()
	n, err := s.store.RevokeUser(ctx, target.ID, ReasonDeleted, now.UTC(), nextSecond(now))
	s.users.forget(target.ID)
	if err != nil {
		return err
	}
	err = s.store.DeleteUser(ctx, target.ID)
	s.users.forget(target.ID)
	if err != nil {
		return err
	}
	actorID := ""
	if actor.ID != target.ID {
		actorID = actor.ID
	}
	s.audit(ctx, "account_deleted", target.ID, actorID, c, fmt.Sprintf("%d refresh tokens blacklisted", n))
	return nil
}

// SetEmail is Djoser's POST users/set_email/. With AUTHGATE_EMAIL_CHANGE=verify the new address
// is mailed a confirmation link and nothing changes until it is followed; with immediate the
// address changes at once (Djoser's behaviour). The old address is told either way when the
// change happens.
func (s *Service) SetEmail(ctx context.Context, p Reauthenticated, u User, newEmail string, c Client) error {
	if err := p.of(u); err != nil {
		return err
	}
	if err := s.checkNewEmail(ctx, newEmail); err != nil {
		return err
	}
	if s.cfg.Accounts.EmailChange == EmailChangeImmediate {
		return s.changeEmail(ctx, u, newEmail, "", time.Time{}, c)
	}
	return s.sendEmailChange(ctx, u, newEmail, c)
}

// checkNewEmail is Djoser's new_email field: a valid address no account uses (the caller's
// own included).
func (s *Service) checkNewEmail(ctx context.Context, email string) error {
	if !ValidEmailDjango(email) {
		return fieldError("new_email", msgInvalidEmail)
	}
	taken, err := s.EmailTaken(ctx, email)
	if err != nil {
		return err
	}
	if taken {
		return fieldError("new_email", msgEmailTaken)
	}
	return nil
}

// sendEmailChange mails the new address a link that confirms the change.
func (s *Service) sendEmailChange(ctx context.Context, u User, newEmail string, c Client) error {
	tok, err := s.issueToken(ctx, PurposeEmailChange, u, newEmail, "", s.cfg.Accounts.EmailChangeTTL, c)
	if err != nil {
		return err
	}
	err = s.send(ctx, newEmail, "email_change", map[string]any{
		"link": link(s.cfg.Accounts.Links.EmailChange, u.ID, tok), "uid": EncodeUID(u.ID), "token": tok,
		"lifetime": s.cfg.Accounts.EmailChangeTTL, "old_email": u.Email, "new_email": newEmail,
		"first_name": u.FirstName,
	})
	if err != nil {
		s.discardToken(ctx, tok)
		s.audit(ctx, "email_change_not_sent", u.ID, "", c, "mail failed")
		return err
	}
	s.audit(ctx, "email_change_requested", u.ID, "", c, "")
	return nil
}

// changeEmail sets the address (consuming tokenID when set) and tells both addresses.
func (s *Service) changeEmail(ctx context.Context, u User, newEmail, tokenID string, verifiedAt time.Time, c Client) error {
	err := s.store.ChangeEmail(ctx, u.ID, newEmail, tokenID, verifiedAt, s.now().UTC())
	s.users.forget(u.ID)
	switch {
	case errors.Is(err, ErrConflict):
		return fieldError("new_email", msgEmailTaken)
	case errors.Is(err, ErrTokenUsed):
		return errInvalidToken
	case err != nil:
		return err
	}
	detail := "unverified"
	if !verifiedAt.IsZero() {
		detail = "verified"
	}
	s.audit(ctx, "email_changed", u.ID, "", c, detail)
	data := map[string]any{"old_email": u.Email, "new_email": newEmail, "first_name": u.FirstName}
	s.notify(ctx, u.ID, newEmail, "username_changed", data)
	s.notify(ctx, u.ID, u.Email, "email_changed", map[string]any{"old_email": u.Email, "new_email": newEmail,
		"first_name": u.FirstName})
	return nil
}

// ConfirmEmailChange follows the link mailed to a new address: the change happens, and the
// address counts as verified.
func (s *Service) ConfirmEmailChange(ctx context.Context, uid, token string, c Client) error {
	u, err := s.userFromUID(ctx, uid)
	if err != nil {
		return err
	}
	t, err := s.userToken(ctx, token, PurposeEmailChange, u)
	if errors.Is(err, errTokenConsumed) {
		return errInvalidToken
	}
	if err != nil {
		return err
	}
	return s.changeEmail(ctx, u, t.Email, t.ID, s.now().UTC(), c)
}

// PendingEmail returns the address an e-mail change link would set, for the page that asks to
// confirm it (a GET, which changes nothing).
func (s *Service) PendingEmail(ctx context.Context, uid, token string) (string, error) {
	u, err := s.userFromUID(ctx, uid)
	if err != nil {
		return "", err
	}
	t, err := s.userToken(ctx, token, PurposeEmailChange, u)
	if err != nil {
		return "", errInvalidToken
	}
	return t.Email, nil
}

// RequestEmailReset is Djoser's POST users/reset_email/ (its "username reset"): answered alike
// whatever the address; an active account gets a link, after the answer, with which a new
// address can be set.
func (s *Service) RequestEmailReset(ctx context.Context, email string, c Client) {
	u, err := s.lookupEmail(ctx, strings.TrimSpace(email))
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Warn("e-mail reset lookup failed", "err", err)
	}
	if err != nil || !u.IsActive {
		s.audit(ctx, "email_reset_requested", "", "", c, "no active account")
		return
	}
	s.audit(ctx, "email_reset_requested", u.ID, "", c, "")
	s.later(ctx, func(ctx context.Context) {
		tok, err := s.issueToken(ctx, PurposeEmailReset, u, u.Email, "", s.cfg.ResetTTL, c)
		if err != nil {
			s.log.Error("e-mail reset token not stored", "user_id", u.ID, "err", err)
			s.audit(ctx, "email_reset_not_sent", u.ID, "", c, "storage error")
			return
		}
		err = s.send(ctx, u.Email, "email_reset", map[string]any{
			"link": link(s.cfg.Accounts.Links.EmailReset, u.ID, tok), "uid": EncodeUID(u.ID), "token": tok,
			"lifetime": s.cfg.ResetTTL, "first_name": u.FirstName,
		})
		if err != nil {
			s.log.Error("e-mail reset mail not delivered", "user_id", u.ID, "err", err)
			s.discardToken(ctx, tok)
			s.audit(ctx, "email_reset_not_sent", u.ID, "", c, "mail failed")
		}
	})
}

// ConfirmEmailReset is Djoser's POST users/reset_email_confirm/. The link proved the old
// address; with AUTHGATE_EMAIL_CHANGE=verify the new one is then mailed a confirmation link
// (the change happens when it is followed), with immediate it is set at once.
func (s *Service) ConfirmEmailReset(ctx context.Context, uid, token, newEmail string, c Client) error {
	if err := s.checkNewEmail(ctx, newEmail); err != nil {
		return err
	}
	u, err := s.userFromUID(ctx, uid)
	if err != nil {
		return err
	}
	t, err := s.userToken(ctx, token, PurposeEmailReset, u)
	if errors.Is(err, errTokenConsumed) || err == nil && !u.IsActive {
		return errInvalidToken
	}
	if err != nil {
		return err
	}
	if s.cfg.Accounts.EmailChange == EmailChangeImmediate {
		return s.changeEmail(ctx, u, newEmail, t.ID, time.Time{}, c)
	}
	if err := s.store.ConsumeAccountToken(ctx, t.ID, s.now().UTC()); err != nil {
		if errors.Is(err, ErrTokenUsed) {
			return errInvalidToken
		}
		return fmt.Errorf("auth: e-mail reset: %w", err)
	}
	return s.sendEmailChange(ctx, u, newEmail, c)
}

// Invite mails an invitation to sign up (an administrator's or the CLI's action). The link's
// token lets one account be made with that address, verified at once.
func (s *Service) Invite(ctx context.Context, email, actorID string, c Client) error {
	if s.cfg.Accounts.Signup == SignupClosed {
		return fieldError("email", "Sign-up is closed (AUTHGATE_SIGNUP=closed): an invitation could not be used.")
	}
	email = NormalizeEmail(email)
	if !ValidEmailDjango(email) {
		return fieldError("email", msgInvalidEmail)
	}
	if taken, err := s.EmailTaken(ctx, email); err != nil || taken {
		if err != nil {
			return err
		}
		return fieldError("email", "A user with that email already exists.")
	}
	tok, err := s.issueToken(ctx, PurposeInvitation, User{}, email, actorID, s.cfg.Accounts.InvitationTTL, c)
	if err != nil {
		return err
	}
	err = s.send(ctx, email, "invitation", map[string]any{
		"link": link(s.cfg.Accounts.Links.Invitation, "", tok), "token": tok,
		"lifetime": s.cfg.Accounts.InvitationTTL,
	})
	if err != nil {
		s.discardToken(ctx, tok)
		return err
	}
	s.audit(ctx, "invitation_sent", "", actorID, c, email)
	return nil
}

// InvitedEmail returns the address a live invitation was sent to, for the sign-up page.
func (s *Service) InvitedEmail(ctx context.Context, token string) (string, error) {
	if !validOpaque(token) {
		return "", ErrNotFound
	}
	t, err := s.store.AccountTokenByID(ctx, s.hashID(token))
	if err != nil {
		return "", err
	}
	if t.Purpose != PurposeInvitation || !t.ConsumedAt.IsZero() || !s.now().Before(t.ExpiresAt) {
		return "", ErrNotFound
	}
	return t.Email, nil
}

// ResendActivationFor is the admin panel's "resend activation": a fresh link for an account
// waiting for verification.
func (s *Service) ResendActivationFor(ctx context.Context, u User, actorID string, c Client) error {
	if !awaitsVerification(u) {
		return fieldError("non_field_errors", "This account has nothing to activate.")
	}
	s.audit(ctx, "activation_resend_requested", u.ID, actorID, c, "by an administrator")
	s.sendActivation(ctx, u, c)
	return nil
}
