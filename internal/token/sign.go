package token

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
)

// sign encodes c (with aud and iss set when configured) and signs it with the signing key. The
// returned claims are what the token holds, so Parse of the token returns them again.
func (m *Manager) sign(c Claims) (string, Claims, error) {
	c.Extra = m.registered(c.Extra)
	payload, extra, err := m.encode(c)
	if err != nil {
		return "", Claims{}, err
	}
	c.Extra = extra
	enc := base64.RawURLEncoding
	b := make([]byte, 0, len(m.signHeader)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(512))
	b = append(b, m.signHeader...)
	b = enc.AppendEncode(b, payload)
	sig, err := m.signer.sign(m.cfg.Rand, b)
	if err != nil {
		return "", Claims{}, fmt.Errorf("token: sign: %w", err)
	}
	b = append(b, '.')
	b = enc.AppendEncode(b, sig)
	return string(b), c, nil
}

// registered sets aud and iss as SimpleJWT's TokenBackend.encode does: a claim already present
// keeps its place and takes the configured value, a missing one goes last.
func (m *Manager) registered(extra []Claim) []Claim {
	extra = slices.Clone(extra)
	set := func(name, value string) {
		if value == "" {
			return
		}
		v := appendPyString(nil, value)
		for i := range extra {
			if extra[i].Name == name {
				extra[i].Value = v
				return
			}
		}
		extra = append(extra, Claim{Name: name, Value: v})
	}
	set("aud", m.cfg.Audience)
	set("iss", m.cfg.Issuer)
	return extra
}

// encode writes c's payload as PyJWT does for SimpleJWT: token_type, exp, iat, jti, the sliding
// refresh expiry, user_id, then the extra claims in order, each value re-serialised as Python
// would. It returns the extra claims as written.
func (m *Manager) encode(c Claims) ([]byte, []Claim, error) {
	n := &m.cfg.Claims
	b := make([]byte, 0, 256)
	b = append(b, '{')
	b = appendPyString(b, n.TokenType)
	b = append(b, ':')
	b = appendPyString(b, string(c.Type))
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, c.ExpiresAt.Unix(), 10)
	if !c.IssuedAt.IsZero() {
		b = append(b, `,"iat":`...)
		b = strconv.AppendInt(b, c.IssuedAt.Unix(), 10)
	}
	b = append(b, ',')
	b = appendPyString(b, n.JTI)
	b = append(b, ':')
	b = appendPyString(b, c.JTI)
	if !c.RefreshExp.IsZero() {
		b = append(b, ',')
		b = appendPyString(b, n.SlidingRefreshExp)
		b = append(b, ':')
		b = strconv.AppendInt(b, c.RefreshExp.Unix(), 10)
	}
	if c.UserID != "" {
		b = append(b, ',')
		b = appendPyString(b, n.UserID)
		b = append(b, ':')
		if c.userIDNumber && validValue([]byte(c.UserID)) && isNumber(c.UserID) {
			b = appendPyNumber(b, []byte(c.UserID))
		} else {
			b = appendPyString(b, c.UserID)
		}
	}
	if c.SessionID != "" {
		b = append(b, ',')
		b = appendPyString(b, SessionClaim)
		b = append(b, ':')
		b = appendPyString(b, c.SessionID)
	}
	if !c.AuthTime.IsZero() {
		b = append(b, ',')
		b = appendPyString(b, AuthTimeClaim)
		b = append(b, ':')
		b = strconv.AppendInt(b, c.AuthTime.Unix(), 10)
	}
	var extra []Claim
	if len(c.Extra) > 0 {
		extra = make([]Claim, 0, len(c.Extra))
	}
	reserved := []string{n.TokenType, "exp", "iat", n.JTI, n.SlidingRefreshExp, n.UserID}
	if c.SessionID != "" {
		reserved = append(reserved, SessionClaim)
	}
	if !c.AuthTime.IsZero() {
		reserved = append(reserved, AuthTimeClaim)
	}
	for i, e := range c.Extra {
		if slices.Contains(reserved, e.Name) {
			return nil, nil, fmt.Errorf("token: extra claim %q has a field of its own in Claims", e.Name)
		}
		if slices.ContainsFunc(c.Extra[:i], func(o Claim) bool { return o.Name == e.Name }) {
			return nil, nil, fmt.Errorf("token: extra claim %q given twice", e.Name)
		}
		b = append(b, ',')
		b = appendPyString(b, e.Name)
		b = append(b, ':')
		start := len(b)
		var err error
		if b, err = appendPyJSON(b, e.Value); err != nil {
			return nil, nil, fmt.Errorf("token: extra claim %q: %w", e.Name, err)
		}
		extra = append(extra, Claim{Name: e.Name, Value: slices.Clone(b[start:])})
	}
	return append(b, '}'), extra, nil
}

// isNumber reports whether the JSON value s is a number.
func isNumber(s string) bool { return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) }
