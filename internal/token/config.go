package token

import (
	"crypto"
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// Key is one signing or verifying key. Secret is for HS*; Private signs and Public verifies for
// the asymmetric algorithms (Public is derived from Private when left nil).
type Key struct {
	// ID is the "kid". Empty means the RFC 7638 thumbprint of the key.
	ID string
	// Algorithm is the JWS "alg" this key is pinned to. Empty means HS256 for Config.Signing and
	// the signing key's algorithm for Config.Verifying.
	Algorithm string
	Secret    []byte
	Private   crypto.Signer
	Public    crypto.PublicKey
}

// ClaimNames are SimpleJWT's TOKEN_TYPE_CLAIM, JTI_CLAIM, USER_ID_CLAIM and
// SLIDING_TOKEN_REFRESH_EXP_CLAIM. Empty fields take SimpleJWT's defaults.
type ClaimNames struct {
	TokenType         string // "token_type"
	JTI               string // "jti"
	UserID            string // "user_id"
	SlidingRefreshExp string // "refresh_exp"
}

// Config configures a [Manager]. Zero fields take SimpleJWT's defaults.
type Config struct {
	// Signing signs every new token and verifies too.
	Signing Key
	// Verifying are older keys that still verify (key rotation); they never sign.
	Verifying []Key
	// Audience and Issuer are added to new tokens and required on parsed ones when set.
	Audience, Issuer string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	Claims ClaimNames
	// Lifetimes; defaults 30m, 72h, 5m and 24h as in SimpleJWT.
	AccessLifetime, RefreshLifetime, SlidingLifetime, SlidingRefreshLifetime time.Duration
	// MaxTokenSize is the longest token Parse decodes at all; default 8 KiB.
	MaxTokenSize int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand makes jti values; default crypto/rand.Reader.
	Rand io.Reader
}

// Defaults, as SimpleJWT's settings have them.
const (
	DefaultAccessLifetime         = 30 * time.Minute
	DefaultRefreshLifetime        = 72 * time.Hour
	DefaultSlidingLifetime        = 5 * time.Minute
	DefaultSlidingRefreshLifetime = 24 * time.Hour
	DefaultMaxTokenSize           = 8 << 10
)

// withDefaults returns cfg with every zero field set, or an error naming a bad field.
func (cfg Config) withDefaults() (Config, error) {
	lifetimes := []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{
		{"AccessLifetime", &cfg.AccessLifetime, DefaultAccessLifetime},
		{"RefreshLifetime", &cfg.RefreshLifetime, DefaultRefreshLifetime},
		{"SlidingLifetime", &cfg.SlidingLifetime, DefaultSlidingLifetime},
		{"SlidingRefreshLifetime", &cfg.SlidingRefreshLifetime, DefaultSlidingRefreshLifetime},
	}
	for _, l := range lifetimes {
		switch {
		case *l.d < 0:
			return cfg, fmt.Errorf("%w: %s is negative (%v)", ErrConfig, l.name, *l.d)
		case *l.d == 0:
			*l.d = l.def
		case *l.d < time.Second:
			return cfg, fmt.Errorf("%w: %s is under a second (%v); exp has whole seconds", ErrConfig, l.name, *l.d)
		}
	}
	if cfg.Leeway < 0 {
		return cfg, fmt.Errorf("%w: Leeway is negative (%v)", ErrConfig, cfg.Leeway)
	}
	switch {
	case cfg.MaxTokenSize < 0:
		return cfg, fmt.Errorf("%w: MaxTokenSize is negative (%d)", ErrConfig, cfg.MaxTokenSize)
	case cfg.MaxTokenSize == 0:
		cfg.MaxTokenSize = DefaultMaxTokenSize
	case cfg.MaxTokenSize < 64:
		return cfg, fmt.Errorf("%w: MaxTokenSize %d is too small for any token", ErrConfig, cfg.MaxTokenSize)
	}
	names := []struct {
		field string
		v     *string
		def   string
	}{
		{"TokenType", &cfg.Claims.TokenType, "token_type"},
		{"JTI", &cfg.Claims.JTI, "jti"},
		{"UserID", &cfg.Claims.UserID, "user_id"},
		{"SlidingRefreshExp", &cfg.Claims.SlidingRefreshExp, "refresh_exp"},
	}
	seen := map[string]string{"exp": "exp", "iat": "iat", "nbf": "nbf", "aud": "aud", "iss": "iss", SessionClaim: SessionClaim, AuthTimeClaim: AuthTimeClaim}
	for _, n := range names {
		if *n.v == "" {
			*n.v = n.def
		}
		if other, dup := seen[*n.v]; dup {
			return cfg, fmt.Errorf("%w: claim name Claims.%s %q is already used by %s", ErrConfig, n.field, *n.v, other)
		}
		seen[*n.v] = "Claims." + n.field
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return cfg, nil
}
