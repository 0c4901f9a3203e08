package token

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Issue mints a new token of type t for userID, as SimpleJWT's Token.for_user: a fresh jti,
// iat now and exp now plus the type's lifetime; a sliding token also gets its refresh expiry.
func (m *Manager) Issue(t Type, userID string, opts ...IssueOption) (string, Claims, error) {
	var lifetime time.Duration
	switch t {
	case TypeAccess:
		lifetime = m.cfg.AccessLifetime
	case TypeRefresh:
		lifetime = m.cfg.RefreshLifetime
	case TypeSliding:
		lifetime = m.cfg.SlidingLifetime
	default:
		return "", Claims{}, fmt.Errorf("token: issue: unknown token type %q", t)
	}
	if userID == "" {
		return "", Claims{}, fmt.Errorf("token: issue %s token: empty user id", t)
	}
	now := m.cfg.Now()
	jti, err := m.newJTI()
	if err != nil {
		return "", Claims{}, err
	}
	c := Claims{
		Type:      t,
		JTI:       jti,
		UserID:    userID,
		IssuedAt:  wholeSeconds(now),
		ExpiresAt: wholeSeconds(now.Add(lifetime)),
	}
	if t == TypeSliding {
		c.RefreshExp = wholeSeconds(now.Add(m.cfg.SlidingRefreshLifetime))
	}
	for _, o := range opts {
		o(&c)
	}
	return m.sign(c)
}

// IssueOption adds to a token Issue mints.
type IssueOption func(*Claims)

// WithSession sets the token's sid claim.
func WithSession(id string) IssueOption { return func(c *Claims) { c.SessionID = id } }

// WithAuthTime sets the token's auth_time claim: when its session began.
func WithAuthTime(t time.Time) IssueOption { return func(c *Claims) { c.AuthTime = wholeSeconds(t) } }

// ExpiresBy makes the token expire no later than t (a session's limits); the zero time changes
// nothing.
func ExpiresBy(t time.Time) IssueOption {
	return func(c *Claims) {
		if !t.IsZero() && c.ExpiresAt.After(t) {
			c.ExpiresAt = wholeSeconds(t)
		}
	}
}

// AccessFrom mints the access token of a refresh token, as SimpleJWT's RefreshToken.access_token:
// every claim is copied (iat included) except the type, exp and jti, which are new.
//
// Options apply after, so that ExpiresBy can shorten the new exp.
func (m *Manager) AccessFrom(refresh Claims, opts ...IssueOption) (string, Claims, error) {
	if refresh.Type != TypeRefresh {
		return "", Claims{}, ErrWrongType
	}
	now := m.cfg.Now()
	jti, err := m.newJTI()
	if err != nil {
		return "", Claims{}, err
	}
	c := refresh
	c.Type, c.JTI = TypeAccess, jti
	c.ExpiresAt = wholeSeconds(now.Add(m.cfg.AccessLifetime))
	if c.IssuedAt.IsZero() {
		c.IssuedAt = wholeSeconds(now)
	}
	// SimpleJWT's no_copy_claims name "jti" as well as the configured JTI claim.
	c.Extra = slices.DeleteFunc(slices.Clone(refresh.Extra), func(e Claim) bool { return e.Name == "jti" })
	for _, o := range opts {
		o(&c)
	}
	return m.sign(c)
}

// Rotate mints the successor of a refresh token, as SimpleJWT's TokenRefreshSerializer with
// ROTATE_REFRESH_TOKENS: the same claims with a new jti, exp and iat. Options apply after.
func (m *Manager) Rotate(refresh Claims, opts ...IssueOption) (string, Claims, error) {
	if refresh.Type != TypeRefresh {
		return "", Claims{}, ErrWrongType
	}
	now := m.cfg.Now()
	jti, err := m.newJTI()
	if err != nil {
		return "", Claims{}, err
	}
	c := refresh
	c.JTI = jti
	c.IssuedAt = wholeSeconds(now)
	c.ExpiresAt = wholeSeconds(now.Add(m.cfg.RefreshLifetime))
	for _, o := range opts {
		o(&c)
	}
	return m.sign(c)
}

// RefreshSliding extends a sliding token, as SimpleJWT's TokenRefreshSlidingSerializer: its
// refresh expiry must not have passed (ErrNoRefreshExp, ErrRefreshExpired); exp and iat are
// new, the jti and every other claim stay.
func (m *Manager) RefreshSliding(c Claims) (string, Claims, error) {
	if c.Type != TypeSliding {
		return "", Claims{}, ErrWrongType
	}
	now := m.cfg.Now()
	switch {
	case c.RefreshExp.IsZero():
		return "", Claims{}, m.claimErr(ErrNoRefreshExp)
	case expired(c.RefreshExp, now, m.cfg.Leeway):
		return "", Claims{}, m.claimErr(ErrRefreshExpired)
	}
	c.IssuedAt = wholeSeconds(now)
	c.ExpiresAt = wholeSeconds(now.Add(m.cfg.SlidingLifetime))
	return m.sign(c)
}

// claimErr names the configured sliding refresh claim in SimpleJWT's message.
func (m *Manager) claimErr(base Error) error {
	name := m.cfg.Claims.SlidingRefreshExp
	if name == "refresh_exp" {
		return base
	}
	return &claimError{msg: strings.Replace(string(base), "refresh_exp", name, 1), base: base}
}

// newJTI is a random UUID version 4 in SimpleJWT's form: 32 lowercase hex digits, no dashes.
func (m *Manager) newJTI() (string, error) {
	var u [16]byte
	if _, err := io.ReadFull(m.cfg.Rand, u[:]); err != nil {
		return "", fmt.Errorf("token: jti: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return hex.EncodeToString(u[:]), nil
}
