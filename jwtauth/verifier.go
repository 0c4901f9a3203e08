package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are a verified access token's claims.
type Claims struct {
	// UserID is the user_id claim: authgate's user UUID (a number's JSON text, for tokens of a
	// Django project with integer ids).
	UserID    string
	TokenType string // always "access"
	JTI       string
	IssuedAt  time.Time // zero when the token has no iat
	ExpiresAt time.Time
	// Raw holds every claim as decoded, numbers as json.Number.
	Raw map[string]any
}

// Verifier verifies authgate access tokens. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser
	remote *remoteKeys   // nil with a Secret
	intro  *introspector // nil without Config.Introspection
}

// New checks cfg and returns its Verifier. It does not fetch the key set: call
// [Verifier.Refresh] at start-up to fail fast when it is unreachable.
func New(cfg Config) (*Verifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{cfg.Algorithm}), // the header's alg is never trusted
		jwt.WithJSONNumber(),
		jwt.WithIssuedAt(), // PyJWT refuses an iat in the future too
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	v := &Verifier{cfg: cfg, parser: jwt.NewParser(opts...)}
	if cfg.Introspection != nil {
		if v.intro, err = newIntrospector(*cfg.Introspection, cfg); err != nil {
			return nil, err
		}
	}
	if cfg.JWKSURL != "" {
		v.remote = newRemoteKeys(cfg)
	} else {
		cfg.Secret = append([]byte(nil), cfg.Secret...)
		v.cfg = cfg
	}
	return v, nil
}

// Refresh fetches the key set now (JWKS mode; with a Secret it does nothing). Errors wrap
// ErrKeysUnavailable.
func (v *Verifier) Refresh(ctx context.Context) error {
	if v.remote == nil {
		return nil
	}
	if err := v.remote.refresh(ctx, forced); err != nil {
		return fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
	}
	return nil
}

// Verify checks raw as SimpleJWT's JWTAuthentication checks an access token, in its order:
// signature, algorithm, exp, nbf, iat, aud and iss (ErrInvalid); then exp present (ErrNoExp),
// jti (ErrNoID), token type (ErrNoType, ErrWrongType) and user id (ErrNoUser); then, with
// Config.Introspection, whether authgate still holds it active (ErrInvalid when not). An error
// wrapping ErrKeysUnavailable or ErrIntrospectionUnavailable means the token was not judged.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if len(raw) > v.cfg.MaxTokenSize {
		return nil, ErrInvalid
	}
	mc := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(raw, mc, func(t *jwt.Token) (any, error) {
		if v.remote == nil {
			return v.cfg.Secret, nil
		}
		kid, hasKID := t.Header["kid"]
		s, ok := kid.(string)
		if hasKID && !ok {
			return nil, ErrInvalid
		}
		return v.remote.key(ctx, s, hasKID)
	})
	if errors.Is(err, ErrKeysUnavailable) {
		return nil, err
	}
	if err != nil {
		return nil, ErrInvalid
	}
	c, err := v.claims(mc)
	if err != nil || v.intro == nil {
		return c, err
	}
	active, err := v.intro.active(ctx, raw, c.ExpiresAt)
	if err != nil {
		v.cfg.Logger.Warn("token introspection failed", "err", err)
		return nil, err
	}
	if !active {
		return nil, ErrInvalid // revoked: authgate's own answer for such a token
	}
	return c, nil
}

// claims applies SimpleJWT's Token.verify and JWTAuthentication.get_user checks.
func (v *Verifier) claims(mc jwt.MapClaims) (*Claims, error) {
	c := &Claims{Raw: mc}
	exp, err := mc.GetExpirationTime()
	if err != nil || exp == nil {
		return nil, ErrNoExp
	}
	c.ExpiresAt = exp.UTC()
	if iat, err := mc.GetIssuedAt(); err == nil && iat != nil {
		c.IssuedAt = iat.UTC()
	}
	var ok bool
	if c.JTI, ok = text(mc[v.cfg.JTIClaim]); !ok || c.JTI == "" {
		return nil, ErrNoID
	}
	typ, present := mc[v.cfg.TokenTypeClaim]
	if !present {
		return nil, ErrNoType
	}
	if c.TokenType, _ = typ.(string); c.TokenType != "access" {
		return nil, ErrWrongType
	}
	if c.UserID, ok = text(mc[v.cfg.UserIDClaim]); !ok || c.UserID == "" {
		return nil, ErrNoUser
	}
	return c, nil
}

// text is a string claim, or a number's JSON text.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}
