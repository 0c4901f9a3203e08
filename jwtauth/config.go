package jwtauth

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Config says how tokens are verified. Exactly one of Secret and JWKSURL is set.
type Config struct {
	// Algorithm is the one JWS algorithm accepted, as authgate's AUTHGATE_ALGORITHM: HS256,
	// HS384 or HS512 with Secret (default HS256); RS256/384/512, PS256/384/512, ES256/384/512
	// or EdDSA with JWKSURL (required then). A token naming another algorithm is refused.
	Algorithm string
	// Secret is the HMAC key authgate signs with (AUTHGATE_SIGNING_KEY), at least 32 bytes.
	Secret []byte
	// JWKSURL is authgate's key set, "https://auth.example.com/.well-known/jwks.json".
	JWKSURL string
	// HTTPClient fetches the key set; default a client with a 10 second timeout.
	HTTPClient *http.Client
	// KeysMaxAge is how long a fetched key set is used before it is fetched again; default
	// 5 minutes (authgate's Cache-Control). A failed fetch keeps the keys already known.
	KeysMaxAge time.Duration
	// MinRefetchInterval is the least time between two fetches caused by tokens naming a kid
	// the set lacks, however many there are; default 30 seconds. After a failed fetch the next
	// may come after 5 seconds (or this interval, when shorter).
	MinRefetchInterval time.Duration
	// Audience and Issuer, when set, must be the token's aud and iss (AUTHGATE_AUDIENCE,
	// AUTHGATE_ISSUER).
	Audience, Issuer string
	// Leeway is the clock skew allowed on exp, nbf and iat (AUTHGATE_LEEWAY).
	Leeway time.Duration
	// Claim names, as authgate's AUTHGATE_USER_ID_CLAIM, AUTHGATE_TOKEN_TYPE_CLAIM and
	// AUTHGATE_JTI_CLAIM; defaults "user_id", "token_type" and "jti".
	UserIDClaim, TokenTypeClaim, JTIClaim string
	// AuthHeaderTypes are the accepted Authorization schemes (AUTHGATE_AUTH_HEADER_TYPES);
	// default "Bearer".
	AuthHeaderTypes []string
	// MaxTokenSize is the longest token looked at; default 8 KiB, as authgate.
	MaxTokenSize int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives key set fetch and introspection failures; default none.
	Logger *slog.Logger
	// Introspection, when set, also asks authgate whether each token is still active
	// (see [Introspection]); nil verifies tokens by their signature and claims alone.
	Introspection *Introspection
}

// Defaults of the zero Config fields.
const (
	DefaultKeysMaxAge         = 5 * time.Minute
	DefaultMinRefetchInterval = 30 * time.Second
	DefaultMaxTokenSize       = 8 << 10
	defaultFetchTimeout       = 10 * time.Second
	minSecret                 = 32
)

// withDefaults checks c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	switch {
	case len(c.Secret) > 0 && c.JWKSURL != "":
		return c, fmt.Errorf("%w: set Secret or JWKSURL, not both", ErrConfig)
	case len(c.Secret) == 0 && c.JWKSURL == "":
		return c, fmt.Errorf("%w: set Secret (HMAC) or JWKSURL (public keys)", ErrConfig)
	case len(c.Secret) > 0:
		if c.Algorithm == "" {
			c.Algorithm = "HS256"
		}
		if !strings.HasPrefix(c.Algorithm, "HS") {
			return c, fmt.Errorf("%w: Secret is for HS256, HS384 or HS512, not %q", ErrConfig, c.Algorithm)
		}
		if len(c.Secret) < minSecret {
			return c, fmt.Errorf("%w: Secret is %d bytes, authgate's are at least %d", ErrConfig, len(c.Secret), minSecret)
		}
	default:
		if c.Algorithm == "" {
			return c, fmt.Errorf("%w: Algorithm is required with JWKSURL (pin the one authgate signs with)", ErrConfig)
		}
		if strings.HasPrefix(c.Algorithm, "HS") {
			return c, fmt.Errorf("%w: %s uses a shared secret, never a published key: set Secret", ErrConfig, c.Algorithm)
		}
		if !strings.HasPrefix(c.JWKSURL, "https://") && !strings.HasPrefix(c.JWKSURL, "http://") {
			return c, fmt.Errorf("%w: JWKSURL %q is not an http(s) URL", ErrConfig, c.JWKSURL)
		}
	}
	if _, err := lookupAlgorithm(c.Algorithm); err != nil {
		return c, err
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: defaultFetchTimeout}
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"KeysMaxAge", &c.KeysMaxAge, DefaultKeysMaxAge},
		{"MinRefetchInterval", &c.MinRefetchInterval, DefaultMinRefetchInterval},
	} {
		if *d.v < 0 {
			return c, fmt.Errorf("%w: %s is negative", ErrConfig, d.name)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.Leeway < 0 {
		return c, fmt.Errorf("%w: Leeway is negative", ErrConfig)
	}
	for _, n := range []struct {
		v   *string
		def string
	}{{&c.UserIDClaim, "user_id"}, {&c.TokenTypeClaim, "token_type"}, {&c.JTIClaim, "jti"}} {
		if *n.v == "" {
			*n.v = n.def
		}
	}
	if len(c.AuthHeaderTypes) == 0 {
		c.AuthHeaderTypes = []string{"Bearer"}
	}
	if c.MaxTokenSize <= 0 {
		c.MaxTokenSize = DefaultMaxTokenSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
