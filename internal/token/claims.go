package token

import (
	"encoding/json"
	"time"
)

// Type is a token's type claim, as SimpleJWT's token classes set it.
type Type string

// Token types. Parse with TypeUntyped skips the type checks.
const (
	TypeAccess  Type = "access"
	TypeRefresh Type = "refresh"
	TypeSliding Type = "sliding"
	TypeUntyped Type = ""
)

// Claims is a token's payload. Times have the token's precision (whole seconds for every token
// SimpleJWT or authgate mints) and are in UTC; a zero time means the claim is absent.
type Claims struct {
	Type       Type
	JTI        string
	UserID     string // a numeric user_id is kept as its JSON text
	IssuedAt   time.Time
	ExpiresAt  time.Time
	RefreshExp time.Time // sliding tokens only
	// SessionID is the sid claim: the session (login) the token belongs to, as OpenID Connect's
	// and Keycloak's sid. Empty for tokens without one (from Django, or from before authgate
	// set it). AccessFrom and Rotate copy it, as SimpleJWT copies every claim.
	SessionID string
	// AuthTime is the auth_time claim (OpenID Connect's): when the session began, its login.
	// authgate sets it when sessions have a maximum age. Zero when absent.
	AuthTime time.Time
	// Extra holds every other claim (aud, iss, nbf, custom claims) in token order, verbatim, so
	// that AccessFrom, Rotate and RefreshSliding copy them as SimpleJWT does.
	Extra []Claim

	userIDNumber bool // user_id was a JSON number; copies keep it one
}

// Claim is one payload member authgate does not interpret. Value is JSON text.
type Claim struct {
	Name  string
	Value json.RawMessage
}

// Get returns the JSON value of the extra claim name.
func (c Claims) Get(name string) (json.RawMessage, bool) {
	for _, e := range c.Extra {
		if e.Name == name {
			return e.Value, true
		}
	}
	return nil, false
}

// SessionClaim names the claim that carries a token's session: authgate's own, which SimpleJWT and
// PyJWT copy from a refresh token to its access token and otherwise ignore.
const SessionClaim = "sid"

// AuthTimeClaim names the claim that carries when a token's session began (OpenID Connect's).
const AuthTimeClaim = "auth_time"

// typeOf maps the common type names to their constants, so parsing them allocates nothing.
func typeOf(raw []byte, esc bool) Type {
	if !esc {
		switch string(raw) {
		case "access":
			return TypeAccess
		case "refresh":
			return TypeRefresh
		case "sliding":
			return TypeSliding
		}
	}
	return Type(unquote(raw, esc))
}

// unixTime converts a NumericDate to a UTC time, keeping fractions to the nanosecond.
func unixTime(f float64) time.Time {
	sec := int64(f)
	if float64(sec) > f {
		sec--
	}
	ns := int64((f - float64(sec)) * 1e9)
	return time.Unix(sec, ns).UTC()
}

// wholeSeconds drops the sub-second part, as SimpleJWT's datetime_to_epoch does.
func wholeSeconds(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }
