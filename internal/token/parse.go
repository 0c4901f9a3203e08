package token

import (
	"math"
	"strings"
	"time"
)

// Parse verifies the compact JWS raw and returns its claims. want is the type the caller
// accepts; TypeUntyped skips the type checks, as SimpleJWT's UntypedToken does. The checks run in
// SimpleJWT's order (PyJWT's decode, then Token.verify) and fail with ErrInvalid, ErrNoExp,
// ErrNoID, ErrNoType or ErrWrongType.
func (m *Manager) Parse(raw string, want Type) (Claims, error) { return m.parse(raw, want, false) }

// Expired returns the claims of a token Parse refuses only because it has expired, and whether
// that is so: its signature and every other claim are good. It lets a server say why a session's
// token ran out (its limits); what the client is told stays Parse's answer.
func (m *Manager) Expired(raw string, want Type) (Claims, bool) {
	if _, err := m.parse(raw, want, false); err != ErrInvalid {
		return Claims{}, false
	}
	c, err := m.parse(raw, want, true)
	return c, err == nil
}

func (m *Manager) parse(raw string, want Type, expiredOK bool) (Claims, error) {
	if len(raw) > m.cfg.MaxTokenSize {
		return Claims{}, ErrInvalid // before any decoding
	}
	// A fourth segment fails the signature's decoding ('.' is not base64url); the header is
	// either one of the known encodings or decoded strictly.
	d1 := strings.IndexByte(raw, '.')
	if d1 < 0 {
		return Claims{}, ErrInvalid
	}
	d2 := strings.IndexByte(raw[d1+1:], '.')
	if d2 < 0 {
		return Claims{}, ErrInvalid
	}
	d2 += d1 + 1
	bufp := m.scratch.Get().(*[]byte)
	defer m.scratch.Put(bufp)

	keys := m.keysFor(raw[:d1], *bufp)
	sig, ok := appendB64((*bufp)[:0], raw[d2+1:])
	if len(keys) == 0 || !ok {
		return Claims{}, ErrInvalid
	}
	verified := false
	for _, k := range keys {
		if k.verify(raw[:d2], sig) {
			verified = true
			break
		}
	}
	if !verified {
		return Claims{}, ErrInvalid
	}
	payload, ok := appendB64((*bufp)[:0], raw[d1+1:d2])
	if !ok {
		return Claims{}, ErrInvalid
	}
	return m.claims(payload, want, expiredOK)
}

// fields are the claims Parse interprets, located in the payload.
type fields struct {
	typ, jti, uid, aud, iss, sid             member // kind 0 when absent
	exp, iat, nbf, rexp, auth                float64
	hasExp, hasIat, hasNbf, hasRexp, hasAuth bool
	extras                                   int
}

// claims checks the decoded payload p and copies out its claims.
func (m *Manager) claims(p []byte, want Type, expiredOK bool) (Claims, error) {
	var stack [16]member
	ms, ok := parseObject(p, stack[:0])
	if !ok {
		return Claims{}, ErrInvalid
	}
	var f fields
	for _, mb := range ms {
		if !m.locate(p, mb, &f) {
			return Claims{}, ErrInvalid
		}
	}
	if err := m.check(p, &f, want, expiredOK); err != nil {
		return Claims{}, err
	}

	// One string holds the payload; the claims are slices of it.
	ps := string(p)
	c := Claims{JTI: stringAt(ps, f.jti), ExpiresAt: unixTime(f.exp)}
	if f.typ.kind != 0 {
		c.Type = typeOf(p[f.typ.valStart+1:f.typ.valEnd-1], f.typ.valEsc)
	}
	if f.hasIat {
		c.IssuedAt = unixTime(f.iat)
	}
	if f.hasRexp {
		c.RefreshExp = unixTime(f.rexp)
	}
	c.SessionID = stringAt(ps, f.sid)
	if f.hasAuth {
		c.AuthTime = unixTime(f.auth)
	}
	switch f.uid.kind {
	case '"':
		c.UserID = stringAt(ps, f.uid)
	case '0':
		c.UserID, c.userIDNumber = ps[f.uid.valStart:f.uid.valEnd], true
	}
	if f.extras > 0 {
		c.Extra = make([]Claim, 0, f.extras)
		values := make([]byte, 0, len(p))
		for _, mb := range ms {
			if m.fixed(p, mb) {
				continue
			}
			name := ps[mb.nameStart:mb.nameEnd]
			if mb.nameEsc {
				name = unquote(p[mb.nameStart:mb.nameEnd], true)
			}
			start := len(values)
			values = append(values, p[mb.valStart:mb.valEnd]...)
			c.Extra = append(c.Extra, Claim{Name: name, Value: values[start:len(values):len(values)]})
		}
	}
	return c, nil
}

// fixed reports whether mb is one of the claims Claims has a field for.
func (m *Manager) fixed(p []byte, mb member) bool {
	n := &m.cfg.Claims
	return nameIs(p, mb, "exp") || nameIs(p, mb, "iat") || nameIs(p, mb, n.TokenType) ||
		nameIs(p, mb, n.JTI) || nameIs(p, mb, n.UserID) || nameIs(p, mb, n.SlidingRefreshExp) ||
		mb.kind == '"' && nameIs(p, mb, SessionClaim) || mb.kind == '0' && nameIs(p, mb, AuthTimeClaim)
}

// locate records mb in f, checking the JSON type of the claims authgate reads.
func (m *Manager) locate(p []byte, mb member, f *fields) bool {
	n := &m.cfg.Claims
	num := func(v *float64, has *bool) bool {
		if mb.kind != '0' {
			return false
		}
		var ok bool
		*v, ok = timeNumber(p[mb.valStart:mb.valEnd])
		*has = true
		return ok
	}
	switch {
	case nameIs(p, mb, "exp"):
		return num(&f.exp, &f.hasExp)
	case nameIs(p, mb, "iat"):
		return num(&f.iat, &f.hasIat)
	case nameIs(p, mb, n.SlidingRefreshExp):
		return num(&f.rexp, &f.hasRexp)
	case nameIs(p, mb, n.TokenType):
		f.typ = mb
		return mb.kind == '"'
	case nameIs(p, mb, n.JTI):
		f.jti = mb
		return mb.kind == '"'
	case nameIs(p, mb, n.UserID):
		f.uid = mb
		return mb.kind == '"' || mb.kind == '0'
	case mb.kind == '"' && nameIs(p, mb, SessionClaim):
		f.sid = mb // a sid that is not a string is someone else's claim: kept verbatim in Extra
		return true
	case mb.kind == '0' && nameIs(p, mb, AuthTimeClaim):
		return num(&f.auth, &f.hasAuth)
	}
	f.extras++
	switch {
	case nameIs(p, mb, "nbf"):
		return num(&f.nbf, &f.hasNbf)
	case nameIs(p, mb, "aud"):
		f.aud = mb
	case nameIs(p, mb, "iss"):
		f.iss = mb
	}
	return true
}

// check applies PyJWT's claim checks, then SimpleJWT's Token.verify.
func (m *Manager) check(p []byte, f *fields, want Type, expiredOK bool) error {
	now := m.cfg.Now()
	// PyJWT compares integer claims with the current second and the leeway in seconds.
	sec, leeway := float64(now.Unix()), m.cfg.Leeway.Seconds()
	switch {
	case f.hasIat && math.Trunc(f.iat) > sec+leeway,
		f.hasNbf && math.Trunc(f.nbf) > sec+leeway,
		f.hasExp && math.Trunc(f.exp) <= sec-leeway && !expiredOK,
		!m.issuerOK(p, f.iss),
		!m.audienceOK(p, f.aud):
		return ErrInvalid
	case !f.hasExp:
		return ErrNoExp
	case expired(unixTime(f.exp), now, m.cfg.Leeway) && !expiredOK:
		return ErrInvalid // SimpleJWT's own check_exp, to the microsecond
	case f.jti.kind == 0 || f.jti.valEnd-f.jti.valStart == 2:
		return ErrNoID // fix: an empty jti is no id either
	case want == TypeUntyped:
		return nil
	case f.typ.kind == 0:
		return ErrNoType
	case typeOf(p[f.typ.valStart+1:f.typ.valEnd-1], f.typ.valEsc) != want:
		return ErrWrongType
	}
	return nil
}

// issuerOK is PyJWT's _validate_iss: with an issuer configured, iss must equal it.
func (m *Manager) issuerOK(p []byte, iss member) bool {
	return m.cfg.Issuer == "" || (iss.kind == '"' && stringIs(p, iss, m.cfg.Issuer))
}

// audienceOK is PyJWT's _validate_aud: with no audience configured a (truthy) aud is refused;
// with one, aud must be it or a list of strings holding it.
func (m *Manager) audienceOK(p []byte, aud member) bool {
	want := m.cfg.Audience
	if want == "" {
		return aud.kind == 0 || !truthy(p, aud)
	}
	switch aud.kind {
	case '"':
		return stringIs(p, aud, want)
	case '[':
		s := scanner{b: p[:aud.valEnd], i: aud.valStart + 1}
		found, strs := false, false
		for {
			s.ws()
			if p[s.i] == ']' {
				return found && strs
			}
			if p[s.i] == ',' {
				s.i++
				s.ws()
			}
			start := s.i
			kind, esc, _ := s.value(0)
			if kind != '"' {
				return false // PyJWT: "Invalid claim format in token"
			}
			strs = true
			found = found || stringIs(p, member{valStart: start, valEnd: s.i, valEsc: esc}, want)
		}
	}
	return false
}

// stringIs reports whether the string member mb holds want, allocating only for escapes.
func stringIs(p []byte, mb member, want string) bool {
	if !mb.valEsc {
		return string(p[mb.valStart+1:mb.valEnd-1]) == want
	}
	return stringValue(p, mb) == want
}

// stringAt is the value of the string member mb, sliced from the payload copy ps when plain.
func stringAt(ps string, mb member) string {
	if mb.kind == 0 {
		return ""
	}
	if !mb.valEsc {
		return ps[mb.valStart+1 : mb.valEnd-1]
	}
	return unquote([]byte(ps[mb.valStart+1:mb.valEnd-1]), true)
}

// expired reports whether t has passed by now, leeway allowed (SimpleJWT's check_exp).
func expired(t, now time.Time, leeway time.Duration) bool { return !t.After(now.Add(-leeway)) }
