package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ValidationError carries field errors in DRF's shape: field name -> messages. Order, when
// set, is the order of the fields in the answer (DRF's: the serializer's field order).
type ValidationError struct {
	Fields map[string][]string
	Order  []string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	for f, ms := range e.Fields {
		fmt.Fprintf(&b, "%s: %s; ", f, strings.Join(ms, " "))
	}
	return strings.TrimSuffix(b.String(), "; ")
}

// add appends a message to a field, keeping the order fields first failed in.
func (e *ValidationError) add(field, msg string) {
	if _, ok := e.Fields[field]; !ok {
		e.Order = append(e.Order, field)
	}
	e.Fields[field] = append(e.Fields[field], msg)
}

func fieldError(field string, msgs ...string) error {
	return &ValidationError{Fields: map[string][]string{field: msgs}, Order: []string{field}}
}

// NewUser is what creating a user takes.
type NewUser struct {
	Email       string
	Password    string // empty: an unusable password (the user must reset it)
	IsStaff     bool
	IsSuperuser bool
	Inactive    bool
	FirstName   string
	LastName    string
	// SkipPolicy skips the password policy (operators importing or scripting accounts).
	SkipPolicy bool
}

// CreateUser validates and stores a new user with a fresh UUID and an argon2id hash. Operators
// make these users (CLI, admin panel): their address counts as verified.
func (s *Service) CreateUser(ctx context.Context, n NewUser, actorID string, c Client) (User, error) {
	email := strings.TrimSpace(n.Email)
	if err := ValidateEmail(email); err != nil {
		return User{}, fieldError("email", err.Error())
	}
	hash := unusablePassword()
	if n.Password != "" {
		if !n.SkipPolicy {
			if err := s.CheckPasswordPolicy(n.Password, email, "password"); err != nil {
				return User{}, err
			}
		}
		h, err := s.hasher.Hash(ctx, n.Password)
		if err != nil {
			return User{}, fmt.Errorf("auth: hash password: %w", err)
		}
		hash = h
	}
	now := s.now().UTC()
	first, last := strings.TrimSpace(n.FirstName), strings.TrimSpace(n.LastName)
	if ve := namesError(first, last); len(ve.Order) > 0 {
		return User{}, ve
	}
	u := User{
		ID: NewUUID(), Email: email, PasswordHash: hash, IsActive: !n.Inactive,
		IsStaff: n.IsStaff || n.IsSuperuser, IsSuperuser: n.IsSuperuser, DateJoined: now,
		TokensValidAfter: time.Unix(0, 0).UTC(), FirstName: first, LastName: last, VerifiedAt: now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrConflict) {
			return User{}, fieldError("email", "A user with that email already exists.")
		}
		return User{}, err
	}
	s.audit(ctx, "user_created", u.ID, actorID, c, "")
	return u, nil
}

// Field messages of ValidateEmail, in DRF's words.
var (
	errBlankEmail   = fieldMessage("This field may not be blank.")
	errInvalidEmail = fieldMessage("Enter a valid email address.")
)

// fieldMessage is an error whose text is a user-facing field message.
type fieldMessage string

func (m fieldMessage) Error() string { return string(m) }

// ValidateEmail is a deliberately small check (one @, something on each side, no spaces or
// control characters, at most 254 bytes); delivery is the real test.
func ValidateEmail(email string) error {
	if email == "" {
		return errBlankEmail
	}
	at := strings.LastIndexByte(email, '@')
	if len(email) > 254 || at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>\",;") ||
		strings.Count(email, "@") != 1 || !strings.Contains(email[at:], ".") && email[at+1:] != "localhost" {
		return errInvalidEmail
	}
	for _, r := range email {
		if r < 0x20 || r == 0x7f {
			return errInvalidEmail
		}
	}
	return nil
}

// MakeSuperuser is the tutorial's makesuperuser: when no superuser exists, it creates one with a
// random strong password and returns it; otherwise created is false and nothing changes.
func (s *Service) MakeSuperuser(ctx context.Context, email string) (u User, pw string, created bool, err error) {
	has, err := s.store.HasSuperuser(ctx)
	if err != nil || has {
		return User{}, "", false, err
	}
	pw = RandomPassword(16)
	u, err = s.CreateUser(ctx, NewUser{Email: email, Password: pw, IsStaff: true, IsSuperuser: true, SkipPolicy: true}, "", Client{IP: "cli"})
	if err != nil {
		return User{}, "", false, err
	}
	return u, pw, true, nil
}

// SetPassword replaces a user's password after the policy check, and revokes every refresh token
// and every earlier access token of that user.
func (s *Service) SetPassword(ctx context.Context, u User, pw, actorID string, c Client, skipPolicy bool) error {
	if !skipPolicy {
		if err := s.CheckPasswordPolicy(pw, u.Email, "new_password"); err != nil {
			return err
		}
	}
	h, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return fmt.Errorf("auth: hash password: %w", err)
	}
	now := s.now()
	err = s.store.SetPassword(ctx, u.ID, h, now.UTC(), nextSecond(now))
	s.users.forget(u.ID)
	if err != nil {
		return err
	}
	s.audit(ctx, "password_changed", u.ID, actorID, c, "")
	if s.mailer != nil && actorID == "" {
		s.notify(ctx, u.ID, u.Email, "password_changed", map[string]any{})
	}
	return nil
}

// UserByEmail finds a user by e-mail, case-insensitively.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.store.UserByEmail(ctx, strings.TrimSpace(email))
}

// UserByID finds a user by id.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	if !validUUID(id) {
		return User{}, ErrNotFound
	}
	return s.store.UserByID(ctx, strings.ToLower(id))
}

// UpdateUser writes a user's flags, names and e-mail (an admin action). Deactivation revokes
// every token; activating an account that waited for its activation link verifies it (the
// administrator vouches for it, as for the accounts they create).
func (s *Service) UpdateUser(ctx context.Context, u User, actorID string, c Client) error {
	old, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := ValidateEmail(u.Email); err != nil {
		return fieldError("email", err.Error())
	}
	u.FirstName, u.LastName = strings.TrimSpace(u.FirstName), strings.TrimSpace(u.LastName)
	if ve := namesError(u.FirstName, u.LastName); len(ve.Order) > 0 {
		return ve
	}
	if old.ActivationPending && u.IsActive {
		u.ActivationPending = false
		if u.VerifiedAt.IsZero() {
			u.VerifiedAt = s.now().UTC()
		}
	}
	u.PasswordHash = old.PasswordHash
	u.TokensValidAfter = old.TokensValidAfter
	err = s.store.UpdateUser(ctx, u)
	s.users.forget(u.ID)
	if errors.Is(err, ErrConflict) {
		return fieldError("email", "A user with that email already exists.")
	}
	if err != nil {
		return err
	}
	var changes []string
	for _, f := range []struct {
		name     string
		was, now bool
	}{{"active", old.IsActive, u.IsActive}, {"staff", old.IsStaff, u.IsStaff},
		{"superuser", old.IsSuperuser, u.IsSuperuser}, {"two_factor", old.TwoFactorEnabled, u.TwoFactorEnabled}} {
		if f.was != f.now {
			changes = append(changes, fmt.Sprintf("%s=%t", f.name, f.now))
		}
	}
	if old.Email != u.Email {
		changes = append(changes, "email changed")
	}
	if old.FirstName != u.FirstName || old.LastName != u.LastName {
		changes = append(changes, "name changed")
	}
	s.audit(ctx, "user_updated", u.ID, actorID, c, strings.Join(changes, ", "))
	if old.IsActive && !u.IsActive {
		now := s.now()
		if _, err := s.store.RevokeUser(ctx, u.ID, ReasonDeactivated, now.UTC(), nextSecond(now)); err != nil {
			return err
		}
		s.users.forget(u.ID)
	}
	return nil
}

// NewUUID returns a random (version 4) UUID in canonical form.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// RandomPassword returns n characters from an unambiguous alphabet, from crypto/rand.
func RandomPassword(n int) string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	return randomString(n, alphabet)
}

func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	max := 256 - 256%len(alphabet)
	var buf [64]byte
	for i := 0; i < n; {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < max && i < n { // rejection sampling: no modulo bias
				out[i] = alphabet[int(b)%len(alphabet)]
				i++
			}
		}
	}
	return string(out)
}

func unusablePassword() string {
	return "!" + randomString(40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}
