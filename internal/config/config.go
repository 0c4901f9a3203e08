// Package config loads authgate's settings: defaults (the tutorial's SimpleJWT values), then the
// environment, then flags, validated once with errors that name the variable.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of authgate.
type Config struct {
	Addr            string
	DatabaseURL     string
	DatabasePooler  string // "none" or "transaction"
	DBListenURL     string
	DBMaxOpenConns  int
	DBStatementTime time.Duration
	DBRetries       int
	ShutdownTimeout time.Duration
	DataDir         string

	AccessTokenLifetime         time.Duration
	RefreshTokenLifetime        time.Duration
	SlidingTokenLifetime        time.Duration
	SlidingTokenRefreshLifetime time.Duration
	RotateRefreshTokens         bool
	BlacklistAfterRotation      bool
	UpdateLastLogin             bool
	ReuseDetection              bool
	AcceptUnknownRefresh        bool
	SessionIdleTimeout          time.Duration
	SessionMaxAge               time.Duration
	SessionsPerUser             int

	Algorithm        string
	SigningKey       string
	SigningKeySource string // which variable the key came from, for messages
	SigningKeyFile   string
	SigningKeyID     string
	CodeSecret       string
	VerifyingKey     string
	VerifyingKeyFile string
	ExtraVerifyKeys  []string // files of old public keys (or secrets) that still verify
	Audience         string
	Issuer           string
	Leeway           time.Duration
	AuthHeaderTypes  []string
	TokenTypeClaim   string
	JTIClaim         string
	UserIDClaim      string

	IntrospectionClients     []string // "client_id:secret" pairs
	IntrospectionClientsFile string

	CORSAllowedOrigins  []string
	TrustedProxies      []netip.Prefix
	RefreshCookie       bool
	RefreshCookieSecure bool
	RefreshCookieBody   bool
	RefreshCookieDomain string

	ThrottleLogin        string
	ThrottleLoginAccount string
	ThrottleRefresh      string
	ThrottleCode         string
	ThrottleReset        string
	RedisURL             string

	EmailURL         string
	EmailFrom        string
	EmailTemplateDir string
	TwoFactor        string
	TwoFactorMethods []string
	CodeLength       int
	CodeTTL          time.Duration
	CodeMaxAttempts  int
	ResendInterval   time.Duration
	MaxResends       int
	MaxLive          int
	MaxCodeFailures  int
	ResetURL         string
	PasswordMinLen   int

	PublicURL               string
	SiteName                string
	DjoserPrefix            string
	Signup                  string
	EmailVerification       string
	EmailChange             string
	ActivationURL           string
	PasswordResetConfirmURL string
	EmailResetConfirmURL    string
	EmailChangeConfirmURL   string
	InvitationURL           string
	ThrottleSignup          string
	ActivationTTL           time.Duration
	ResetTTL                time.Duration
	EmailChangeTTL          time.Duration
	InvitationTTL           time.Duration

	// OIDCProvidersList is AUTHGATE_OIDC_PROVIDERS as given; OIDCProviders the providers it
	// declares, read from their AUTHGATE_OIDC_{NAME}_… variables (oidc.go).
	OIDCProvidersList string
	OIDCProviders     []OIDCProvider
	OIDCRedirectURLs  []string

	UserCacheTTL      time.Duration
	AdminCookieSecure bool
	AdminSessionTTL   time.Duration
	LogFormat         string
	LogLevel          string
}

// setting is one row of the table that drives defaults, environment, flags and documentation.
type setting struct {
	env, flag, def, help string
	set                  func(c *Config, v string) error
}

func settings() []setting {
	return []setting{
		{"AUTHGATE_ADDR", "addr", "127.0.0.1:8060", "address to listen on", str(func(c *Config) *string { return &c.Addr })},
		{"AUTHGATE_DATABASE_URL", "database-url", "sqlite://authgate.db", "sqlite://FILE or postgres://… (also postgresql://)", str(func(c *Config) *string { return &c.DatabaseURL })},
		{"AUTHGATE_DATABASE_POOLER", "database-pooler", "none", "none, or transaction: AUTHGATE_DATABASE_URL is a pooler in transaction mode, such as PgBouncer with pool_mode=transaction (docs/production.md)", oneOf(func(c *Config) *string { return &c.DatabasePooler }, "none", "transaction")},
		{"AUTHGATE_DATABASE_LISTEN_URL", "database-listen-url", "", "postgres://… straight to PostgreSQL, for LISTEN/NOTIFY (user cache); default AUTHGATE_DATABASE_URL; needed behind a transaction pooler when AUTHGATE_USER_CACHE_TTL is set", str(func(c *Config) *string { return &c.DBListenURL })},
		{"AUTHGATE_DB_MAX_OPEN_CONNS", "db-max-open-conns", "0", "connection pool size (0: a default per backend)", integer(func(c *Config) *int { return &c.DBMaxOpenConns }, 0, 10000)},
		{"AUTHGATE_DB_STATEMENT_TIMEOUT", "db-statement-timeout", "5s", "longest a database statement may run", dur(func(c *Config) *time.Duration { return &c.DBStatementTime })},
		{"AUTHGATE_DB_CONNECT_RETRIES", "db-connect-retries", "10", "tries to reach the database at start (1 s apart)", integer(func(c *Config) *int { return &c.DBRetries }, 0, 1000)},
		{"AUTHGATE_SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long in-flight requests may finish after SIGTERM", dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{"AUTHGATE_DATA_DIR", "data-dir", "", "where a generated signing key is kept (default: beside the SQLite file, or .)", str(func(c *Config) *string { return &c.DataDir })},

		{"AUTHGATE_ACCESS_TOKEN_LIFETIME", "access-token-lifetime", "30m", "SimpleJWT ACCESS_TOKEN_LIFETIME", dur(func(c *Config) *time.Duration { return &c.AccessTokenLifetime })},
		{"AUTHGATE_REFRESH_TOKEN_LIFETIME", "refresh-token-lifetime", "72h", "SimpleJWT REFRESH_TOKEN_LIFETIME", dur(func(c *Config) *time.Duration { return &c.RefreshTokenLifetime })},
		{"AUTHGATE_SLIDING_TOKEN_LIFETIME", "sliding-token-lifetime", "5m", "SimpleJWT SLIDING_TOKEN_LIFETIME", dur(func(c *Config) *time.Duration { return &c.SlidingTokenLifetime })},
		{"AUTHGATE_SLIDING_TOKEN_REFRESH_LIFETIME", "sliding-token-refresh-lifetime", "24h", "SimpleJWT SLIDING_TOKEN_REFRESH_LIFETIME", dur(func(c *Config) *time.Duration { return &c.SlidingTokenRefreshLifetime })},
		{"AUTHGATE_ROTATE_REFRESH_TOKENS", "rotate-refresh-tokens", "true", "SimpleJWT ROTATE_REFRESH_TOKENS", boolean(func(c *Config) *bool { return &c.RotateRefreshTokens })},
		{"AUTHGATE_BLACKLIST_AFTER_ROTATION", "blacklist-after-rotation", "true", "SimpleJWT BLACKLIST_AFTER_ROTATION", boolean(func(c *Config) *bool { return &c.BlacklistAfterRotation })},
		{"AUTHGATE_UPDATE_LAST_LOGIN", "update-last-login", "false", "SimpleJWT UPDATE_LAST_LOGIN", boolean(func(c *Config) *bool { return &c.UpdateLastLogin })},
		{"AUTHGATE_REUSE_DETECTION", "reuse-detection", "true", "reuse of a rotated refresh token revokes its family", boolean(func(c *Config) *bool { return &c.ReuseDetection })},
		{"AUTHGATE_ACCEPT_UNKNOWN_REFRESH_TOKENS", "accept-unknown-refresh-tokens", "true", "accept once a validly signed refresh token the database has no record of (a peer SimpleJWT deployment issued it); false after a restore or an asynchronous failover (docs/production.md)", boolean(func(c *Config) *bool { return &c.AcceptUnknownRefresh })},
		{"AUTHGATE_SESSION_IDLE_TIMEOUT", "session-idle-timeout", "0s", "a session not refreshed for this long ends: no token of it outlives its last refresh by more (0: off)", dur(func(c *Config) *time.Duration { return &c.SessionIdleTimeout })},
		{"AUTHGATE_SESSION_MAX_AGE", "session-max-age", "0s", "no session outlives its login by more, whatever its refreshes (0: off)", dur(func(c *Config) *time.Duration { return &c.SessionMaxAge })},
		{"AUTHGATE_SESSIONS_PER_USER", "sessions-per-user", "0", "a login beyond this many sessions of its user ends the least recently used one (0: no limit)", integer(func(c *Config) *int { return &c.SessionsPerUser }, 0, 100000)},

		{"AUTHGATE_ALGORITHM", "algorithm", "HS256", "SimpleJWT ALGORITHM: HS256/384/512, RS256/384/512, PS256, ES256/384/512, EdDSA", str(func(c *Config) *string { return &c.Algorithm })},
		{"AUTHGATE_SIGNING_KEY", "signing-key", "", "HMAC secret or PEM private key (else SIMPLE_JWT_SIGNING_KEY, else SECRET_KEY)", str(func(c *Config) *string { return &c.SigningKey })},
		{"AUTHGATE_SIGNING_KEY_FILE", "signing-key-file", "", "file holding the signing key", str(func(c *Config) *string { return &c.SigningKeyFile })},
		{"AUTHGATE_CODE_SECRET", "code-secret", "", "keys the hashes of e-mailed codes, recovery codes and reset links at rest (default: derived from the signing key; set it, 32+ bytes, so that rotating the signing key keeps them)", str(func(c *Config) *string { return &c.CodeSecret })},
		{"AUTHGATE_SIGNING_KEY_ID", "signing-key-id", "", "kid of the signing key (default: derived)", str(func(c *Config) *string { return &c.SigningKeyID })},
		{"AUTHGATE_VERIFYING_KEY", "verifying-key", "", "SimpleJWT VERIFYING_KEY: PEM public key (asymmetric algorithms)", str(func(c *Config) *string { return &c.VerifyingKey })},
		{"AUTHGATE_VERIFYING_KEY_FILE", "verifying-key-file", "", "file holding the verifying key", str(func(c *Config) *string { return &c.VerifyingKeyFile })},
		{"AUTHGATE_OLD_VERIFYING_KEY_FILES", "old-verifying-key-files", "", "comma-separated files of retired keys that still verify (rotation)", list(func(c *Config) *[]string { return &c.ExtraVerifyKeys })},
		{"AUTHGATE_AUDIENCE", "audience", "", "SimpleJWT AUDIENCE", str(func(c *Config) *string { return &c.Audience })},
		{"AUTHGATE_ISSUER", "issuer", "", "SimpleJWT ISSUER", str(func(c *Config) *string { return &c.Issuer })},
		{"AUTHGATE_LEEWAY", "leeway", "0s", "SimpleJWT LEEWAY", dur(func(c *Config) *time.Duration { return &c.Leeway })},
		{"AUTHGATE_AUTH_HEADER_TYPES", "auth-header-types", "Bearer", "SimpleJWT AUTH_HEADER_TYPES, comma-separated", list(func(c *Config) *[]string { return &c.AuthHeaderTypes })},
		{"AUTHGATE_TOKEN_TYPE_CLAIM", "token-type-claim", "token_type", "SimpleJWT TOKEN_TYPE_CLAIM", str(func(c *Config) *string { return &c.TokenTypeClaim })},
		{"AUTHGATE_JTI_CLAIM", "jti-claim", "jti", "SimpleJWT JTI_CLAIM", str(func(c *Config) *string { return &c.JTIClaim })},
		{"AUTHGATE_USER_ID_CLAIM", "user-id-claim", "user_id", "SimpleJWT USER_ID_CLAIM", str(func(c *Config) *string { return &c.UserIDClaim })},

		{"AUTHGATE_INTROSPECTION_CLIENTS", "introspection-clients", "", "comma-separated client_id:secret pairs allowed to call POST /api/token/introspect/ (RFC 7662) with HTTP Basic; secrets of 16+ characters", list(func(c *Config) *[]string { return &c.IntrospectionClients })},
		{"AUTHGATE_INTROSPECTION_CLIENTS_FILE", "introspection-clients-file", "", "file of client_id:secret pairs, one per line or comma-separated (with AUTHGATE_INTROSPECTION_CLIENTS: both count)", str(func(c *Config) *string { return &c.IntrospectionClientsFile })},

		{"AUTHGATE_CORS_ALLOWED_ORIGINS", "cors-allowed-origins", "", "comma-separated origins (https://app.example.com, https://*.example.com); empty: no CORS", list(func(c *Config) *[]string { return &c.CORSAllowedOrigins })},
		{"AUTHGATE_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs whose X-Forwarded-For is believed", prefixes},
		{"AUTHGATE_REFRESH_COOKIE", "refresh-cookie", "false", "cookie mode: the refresh token travels in an HttpOnly cookie", boolean(func(c *Config) *bool { return &c.RefreshCookie })},
		{"AUTHGATE_REFRESH_COOKIE_SECURE", "refresh-cookie-secure", "true", "mark the refresh cookie Secure (false only for local HTTP development)", boolean(func(c *Config) *bool { return &c.RefreshCookieSecure })},
		{"AUTHGATE_REFRESH_COOKIE_BODY", "refresh-cookie-body", "false", "in cookie mode, also return the refresh token in the JSON body", boolean(func(c *Config) *bool { return &c.RefreshCookieBody })},
		{"AUTHGATE_REFRESH_COOKIE_DOMAIN", "refresh-cookie-domain", "", "Domain attribute of the refresh cookie", str(func(c *Config) *string { return &c.RefreshCookieDomain })},

		{"AUTHGATE_THROTTLE_LOGIN", "throttle-login", "10/min", "login rate per client address and per account+address (DRF syntax; 0/min: off)", rate(func(c *Config) *string { return &c.ThrottleLogin })},
		{"AUTHGATE_THROTTLE_LOGIN_ACCOUNT", "throttle-login-account", "100/hour", "failed password checks per account, whatever the door (logins, admin login, password change, two-factor, account changes) and the address", rate(func(c *Config) *string { return &c.ThrottleLoginAccount })},
		{"AUTHGATE_THROTTLE_REFRESH", "throttle-refresh", "0/min", "refresh rate per client address (off by default: a refresh token cannot be guessed, and rotation is single-use)", rate(func(c *Config) *string { return &c.ThrottleRefresh })},
		{"AUTHGATE_THROTTLE_CODE", "throttle-code", "20/min", "two-factor code tries and resends per client address", rate(func(c *Config) *string { return &c.ThrottleCode })},
		{"AUTHGATE_THROTTLE_RESET", "throttle-reset", "5/hour", "password reset requests per client address and per e-mail", rate(func(c *Config) *string { return &c.ThrottleReset })},
		{"AUTHGATE_REDIS_URL", "redis-url", "", "redis://host:6379/0, or redis+sentinel://host:26379,host2:26379/MASTER/0 (docs/production.md): share throttling counters across instances", str(func(c *Config) *string { return &c.RedisURL })},

		{"AUTHGATE_EMAIL_URL", "email-url", "console://", "smtp://user:pass@host:587?starttls=true, smtps://…, console://, file:///dir", str(func(c *Config) *string { return &c.EmailURL })},
		{"AUTHGATE_EMAIL_FROM", "email-from", "authgate <no-reply@localhost>", "From address of e-mails", str(func(c *Config) *string { return &c.EmailFrom })},
		{"AUTHGATE_EMAIL_TEMPLATE_DIR", "email-template-dir", "", "directory of templates overriding the embedded ones", str(func(c *Config) *string { return &c.EmailTemplateDir })},
		{"AUTHGATE_TWO_FACTOR", "two-factor", "optional", "off, optional (per user) or required", oneOf(func(c *Config) *string { return &c.TwoFactor }, "off", "optional", "required")},
		{"AUTHGATE_TWO_FACTOR_METHODS", "two-factor-methods", "totp,webauthn,email", "comma-separated second factors users may set up: totp (authenticator apps), webauthn (passkeys), email (e-mailed codes); a factor already set up keeps working when taken off", list(func(c *Config) *[]string { return &c.TwoFactorMethods })},
		{"AUTHGATE_TWO_FACTOR_CODE_LENGTH", "two-factor-code-length", "6", "digits in an e-mailed code", integer(func(c *Config) *int { return &c.CodeLength }, 6, 12)},
		{"AUTHGATE_TWO_FACTOR_CODE_TTL", "two-factor-code-ttl", "10m", "how long an e-mailed code stays valid", dur(func(c *Config) *time.Duration { return &c.CodeTTL })},
		{"AUTHGATE_TWO_FACTOR_MAX_ATTEMPTS", "two-factor-max-attempts", "5", "code tries per challenge", integer(func(c *Config) *int { return &c.CodeMaxAttempts }, 1, 20)},
		{"AUTHGATE_TWO_FACTOR_RESEND_INTERVAL", "two-factor-resend-interval", "30s", "shortest time between two sends of one challenge's code", dur(func(c *Config) *time.Duration { return &c.ResendInterval })},
		{"AUTHGATE_TWO_FACTOR_MAX_RESENDS", "two-factor-max-resends", "3", "resends per challenge after the first mail", integer(func(c *Config) *int { return &c.MaxResends }, 0, 20)},
		{"AUTHGATE_TWO_FACTOR_MAX_LIVE_CHALLENGES", "two-factor-max-live-challenges", "3", "unfinished two-factor challenges per user and purpose (a login beyond them is refused), and live links of each kind per user (reset, activation…: the oldest dies)", integer(func(c *Config) *int { return &c.MaxLive }, 1, 100)},
		{"AUTHGATE_TWO_FACTOR_MAX_FAILURES", "two-factor-max-failures", "100", "failed code checks in a row on an account (any challenge, any door) after which its codes are refused until a password reset or an admin's unlock", integer(func(c *Config) *int { return &c.MaxCodeFailures }, 1, 100000)},
		{"AUTHGATE_PASSWORD_RESET_URL", "password-reset-url", "", "link in reset e-mails; {token} is replaced (e.g. https://app/reset?token={token})", str(func(c *Config) *string { return &c.ResetURL })},
		{"AUTHGATE_PASSWORD_MIN_LENGTH", "password-min-length", "8", "minimum length of new passwords", integer(func(c *Config) *int { return &c.PasswordMinLen }, 1, 1024)},

		{"AUTHGATE_PUBLIC_URL", "public-url", "", "this server's address as browsers reach it (https://auth.example.com), for the links in mails (default: http://AUTHGATE_ADDR)", str(func(c *Config) *string { return &c.PublicURL })},
		{"AUTHGATE_SITE_NAME", "site-name", "authgate", "the site's name in mails (Djoser's {site})", str(func(c *Config) *string { return &c.SiteName })},
		{"AUTHGATE_DJOSER_PREFIX", "djoser-prefix", "/auth/", "where Djoser's endpoints (users/, jwt/create/, …) are served", str(func(c *Config) *string { return &c.DjoserPrefix })},
		{"AUTHGATE_SIGNUP", "signup", "closed", "closed (only operators make accounts), open, or invite (sign-up needs an invitation)", oneOf(func(c *Config) *string { return &c.Signup }, "closed", "open", "invite")},
		{"AUTHGATE_EMAIL_VERIFICATION", "email-verification", "mandatory", "mandatory (a signed-up account cannot log in until activated), optional or none", oneOf(func(c *Config) *string { return &c.EmailVerification }, "mandatory", "optional", "none")},
		{"AUTHGATE_EMAIL_CHANGE", "email-change", "verify", "verify (set_email mails a confirmation link to the new address) or immediate (Djoser's)", oneOf(func(c *Config) *string { return &c.EmailChange }, "verify", "immediate")},
		{"AUTHGATE_ACTIVATION_URL", "activation-url", "", "the frontend's activation page with {uid} and {token} (default: a page authgate serves)", linkTemplate(func(c *Config) *string { return &c.ActivationURL }, true)},
		{"AUTHGATE_PASSWORD_RESET_CONFIRM_URL", "password-reset-confirm-url", "", "the frontend's password reset page with {uid} and {token} (default: a page authgate serves)", linkTemplate(func(c *Config) *string { return &c.PasswordResetConfirmURL }, true)},
		{"AUTHGATE_EMAIL_RESET_CONFIRM_URL", "email-reset-confirm-url", "", "the frontend's e-mail (username) reset page with {uid} and {token} (default: a page authgate serves)", linkTemplate(func(c *Config) *string { return &c.EmailResetConfirmURL }, true)},
		{"AUTHGATE_EMAIL_CHANGE_CONFIRM_URL", "email-change-confirm-url", "", "the frontend's page confirming a new address, {uid} and {token} (default: a page authgate serves)", linkTemplate(func(c *Config) *string { return &c.EmailChangeConfirmURL }, true)},
		{"AUTHGATE_INVITATION_URL", "invitation-url", "", "the frontend's sign-up page for invitations, with {token} (default: a page authgate serves)", linkTemplate(func(c *Config) *string { return &c.InvitationURL }, false)},
		{"AUTHGATE_THROTTLE_SIGNUP", "throttle-signup", "10/hour", "sign-up and resend_activation requests per client address and per e-mail", rate(func(c *Config) *string { return &c.ThrottleSignup })},
		{"AUTHGATE_ACTIVATION_TOKEN_LIFETIME", "activation-token-lifetime", "3d", "how long an activation link works", dur(func(c *Config) *time.Duration { return &c.ActivationTTL })},
		{"AUTHGATE_PASSWORD_RESET_TOKEN_LIFETIME", "password-reset-token-lifetime", "30m", "how long a password or e-mail reset link works", dur(func(c *Config) *time.Duration { return &c.ResetTTL })},
		{"AUTHGATE_EMAIL_CHANGE_TOKEN_LIFETIME", "email-change-token-lifetime", "1d", "how long the link confirming a new address works", dur(func(c *Config) *time.Duration { return &c.EmailChangeTTL })},
		{"AUTHGATE_INVITATION_LIFETIME", "invitation-lifetime", "7d", "how long an invitation works", dur(func(c *Config) *time.Duration { return &c.InvitationTTL })},

		{"AUTHGATE_OIDC_PROVIDERS", "oidc-providers", "", "comma-separated names of external identity providers users may sign in with; each is set by AUTHGATE_OIDC_{NAME}_PRESET, _ISSUER, _CLIENT_ID, _CLIENT_SECRET (or _CLIENT_SECRET_FILE), _SCOPES, _TENANT (Microsoft), _LABEL, _AUTH_URL/_TOKEN_URL/_API_URL (GitHub) (docs/social-login.md)", str(func(c *Config) *string { return &c.OIDCProvidersList })},
		{"AUTHGATE_OIDC_REDIRECT_URLS", "oidc-redirect-urls", "", "comma-separated frontend pages a sign-in with an external provider may return to (redirect_to must be one of them exactly)", list(func(c *Config) *[]string { return &c.OIDCRedirectURLs })},

		{"AUTHGATE_USER_CACHE_TTL", "user-cache-ttl", "0s", "reuse user rows for access-token checks this long (0: off; see README)", dur(func(c *Config) *time.Duration { return &c.UserCacheTTL })},
		{"AUTHGATE_ADMIN_COOKIE_SECURE", "admin-cookie-secure", "false", "always mark admin cookies Secure (they are whenever the request came over TLS)", boolean(func(c *Config) *bool { return &c.AdminCookieSecure })},
		{"AUTHGATE_ADMIN_SESSION_TTL", "admin-session-ttl", "8h", "admin panel session lifetime", dur(func(c *Config) *time.Duration { return &c.AdminSessionTTL })},
		{"AUTHGATE_LOG_FORMAT", "log-format", "text", "text or json", oneOf(func(c *Config) *string { return &c.LogFormat }, "text", "json")},
		{"AUTHGATE_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")},
	}
}

// Load builds the Config: defaults, then getenv, then the flags in args (which may be nil); extra,
// when set, registers a command's own flags on the same FlagSet. It returns the remaining
// arguments. Errors name the variable or flag at fault.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (Config, []string, error) {
	var c Config
	tab := settings()
	for _, s := range tab {
		if err := s.set(&c, s.def); err != nil {
			return c, nil, fmt.Errorf("default of %s: %w", s.env, err)
		}
	}
	for _, s := range tab {
		if v := getenv(s.env); v != "" {
			if err := s.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("%s: %w", s.env, err)
			}
		}
	}
	if c.SigningKey != "" {
		c.SigningKeySource = "AUTHGATE_SIGNING_KEY"
	}
	for _, alt := range []string{"SIMPLE_JWT_SIGNING_KEY", "SECRET_KEY"} {
		if v := getenv(alt); c.SigningKey == "" && v != "" {
			c.SigningKey, c.SigningKeySource = v, alt
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range tab {
		s := s
		fs.Func(s.flag, s.help+" ($"+s.env+")", func(v string) error {
			if err := s.set(&c, v); err != nil {
				return err
			}
			if s.env == "AUTHGATE_SIGNING_KEY" {
				c.SigningKeySource = "--signing-key"
			}
			return nil
		})
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := loadProviders(&c, getenv); err != nil {
		return c, nil, err
	}
	if err := c.validate(); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

func (c *Config) validate() error {
	var errs []error
	if c.AccessTokenLifetime <= 0 {
		errs = append(errs, errors.New("AUTHGATE_ACCESS_TOKEN_LIFETIME must be positive"))
	}
	if c.RefreshTokenLifetime <= 0 {
		errs = append(errs, errors.New("AUTHGATE_REFRESH_TOKEN_LIFETIME must be positive"))
	}
	if c.CodeTTL <= 0 {
		errs = append(errs, errors.New("AUTHGATE_TWO_FACTOR_CODE_TTL must be positive"))
	}
	for _, m := range c.TwoFactorMethods {
		if m != "totp" && m != "webauthn" && m != "email" {
			errs = append(errs, fmt.Errorf("AUTHGATE_TWO_FACTOR_METHODS: %q is not one of totp, webauthn, email", m))
		}
	}
	if c.CodeSecret != "" && len(c.CodeSecret) < 32 {
		errs = append(errs, fmt.Errorf("AUTHGATE_CODE_SECRET is %d bytes; it needs at least 32", len(c.CodeSecret)))
	}
	for _, o := range c.CORSAllowedOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			errs = append(errs, fmt.Errorf("AUTHGATE_CORS_ALLOWED_ORIGINS: %q is not an origin like https://app.example.com", o))
		}
	}
	for _, d := range []struct {
		env string
		v   time.Duration
	}{{"AUTHGATE_ACTIVATION_TOKEN_LIFETIME", c.ActivationTTL}, {"AUTHGATE_PASSWORD_RESET_TOKEN_LIFETIME", c.ResetTTL},
		{"AUTHGATE_EMAIL_CHANGE_TOKEN_LIFETIME", c.EmailChangeTTL}, {"AUTHGATE_INVITATION_LIFETIME", c.InvitationTTL}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive", d.env))
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("AUTHGATE_PUBLIC_URL: %q is not an address like https://auth.example.com", c.PublicURL))
		}
	}
	if p := c.DjoserPrefix; !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || p == "/" ||
		strings.ContainsAny(p, "?#{} ") || strings.HasPrefix(p, "/admin/") || strings.HasPrefix(p, "/api/") ||
		strings.HasPrefix(p, "/accounts/") || strings.HasPrefix(p, "/.well-known/") {
		errs = append(errs, fmt.Errorf("AUTHGATE_DJOSER_PREFIX: %q is not a path like /auth/ outside /admin/, /api/, /accounts/ and /.well-known/", p))
	}
	if c.DatabasePooler == "transaction" && c.UserCacheTTL > 0 && c.DBListenURL == "" {
		errs = append(errs, errors.New("AUTHGATE_DATABASE_LISTEN_URL is required with AUTHGATE_DATABASE_POOLER=transaction and AUTHGATE_USER_CACHE_TTL: LISTEN does not work through a transaction pooler (set it to a URL straight to PostgreSQL, or the cache TTL to 0)"))
	}
	if c.RefreshCookie && len(c.CORSAllowedOrigins) == 1 && c.CORSAllowedOrigins[0] == "*" {
		errs = append(errs, errors.New("AUTHGATE_CORS_ALLOWED_ORIGINS: \"*\" cannot be combined with AUTHGATE_REFRESH_COOKIE (credentials never go with *)"))
	}
	return errors.Join(errs...)
}

// Document writes the settings table (name, default, meaning) as Markdown, for the README.
func Document(w io.Writer) {
	fmt.Fprintln(w, "| variable | flag | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, s := range settings() {
		def := s.def
		if def == "" {
			def = "—"
		}
		fmt.Fprintf(w, "| `%s` | `--%s` | `%s` | %s |\n", s.env, s.flag, def, strings.ReplaceAll(s.help, "|", "\\|"))
	}
}

func str(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = strings.TrimSpace(v); return nil }
}

func list(f func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		*f(c) = out
		return nil
	}
}

func boolean(f func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a boolean (true or false)", v)
		}
		*f(c) = b
		return nil
	}
}

func integer(f func(*Config) *int, min, max int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < min || n > max {
			return fmt.Errorf("%q is not a whole number from %d to %d", v, min, max)
		}
		*f(c) = n
		return nil
	}
}

func oneOf(f func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.ToLower(strings.TrimSpace(v))
		for _, a := range allowed {
			if v == a {
				*f(c) = v
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// ParseDuration accepts Go durations ("30m", "72h"), days ("3d") and plain seconds ("1800").
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && n < 1<<33 {
		return time.Duration(n) * time.Second, nil
	}
	if d, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err == nil && n >= 0 && n < 100000 {
			return time.Duration(n * float64(24*time.Hour)), nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 30m, 72h, 3d or 1800 (seconds)", v)
	}
	return d, nil
}

func dur(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		*f(c) = d
		return nil
	}
}

// rate checks the DRF syntax here so that a typo stops start-up with the variable's name.
func rate(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.TrimSpace(v)
		n, per, ok := strings.Cut(v, "/")
		if _, err := strconv.Atoi(n); !ok || err != nil || per == "" {
			return fmt.Errorf("%q is not a rate like 10/min", v)
		}
		*f(c) = v
		return nil
	}
}

// linkTemplate checks a link template: an absolute http(s) URL with {token}, and {uid} when
// uid is set (Djoser's ACTIVATION_URL and its kin).
func linkTemplate(f func(*Config) *string, uid bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			*f(c) = ""
			return nil
		}
		u, err := url.Parse(strings.NewReplacer("{uid}", "uid", "{token}", "token").Replace(v))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an absolute http or https URL", v)
		}
		if !strings.Contains(v, "{token}") || uid && !strings.Contains(v, "{uid}") {
			want := "{token}"
			if uid {
				want = "{uid} and {token}"
			}
			return fmt.Errorf("%q lacks %s", v, want)
		}
		*f(c) = v
		return nil
	}
}

func prefixes(c *Config, v string) error {
	c.TrustedProxies = nil
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR", p)
			}
			c.TrustedProxies = append(c.TrustedProxies, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("%q is not an address or CIDR", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, pf.Masked())
	}
	return nil
}

// Env lists the variable names, sorted (for `authgate help`).
func Env() []string {
	var out []string
	for _, s := range settings() {
		out = append(out, s.env)
	}
	sort.Strings(out)
	return out
}
