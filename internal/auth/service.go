package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/throttle"
	"github.com/authgate/authgate/internal/token"
)

// Config holds SimpleJWT's behaviour switches and authgate's own.
type Config struct {
	RotateRefreshTokens    bool
	BlacklistAfterRotation bool
	UpdateLastLogin        bool
	ReuseDetection         bool
	// AcceptUnknownRefresh accepts, once, a validly signed refresh token the store has no record
	// of (a peer SimpleJWT deployment issued it). Off after a restore or an asynchronous failover
	// lost rotations: such a token may be one handed out in the lost window.
	AcceptUnknownRefresh bool

	TwoFactor string // "off", "optional" (per user) or "required"
	// TwoFactorMethods are the methods users may enrol (AUTHGATE_TWO_FACTOR_METHODS); a method
	// already enrolled keeps working at login when it is taken off the list.
	TwoFactorMethods  []string
	CodeLength        int           // digits in an e-mailed code
	CodeTTL           time.Duration // how long a code stays usable
	CodeMaxAttempts   int           // tries per challenge
	MaxLiveChallenges int           // unfinished challenges per user and purpose
	ResendInterval    time.Duration // minimum time between two sends of one challenge
	MaxResends        int           // sends per challenge after the first
	ResetTTL          time.Duration // password reset token lifetime
	ResetURL          string        // optional link template for reset mails; "{token}" is replaced
	// MaxFactorFailures is the ceiling of consecutive failed second-factor checks of an account,
	// any challenge and any door, after which its codes are refused until a password reset or an
	// admin's unlock (NIST SP 800-63B §5.2.2); 0 means no ceiling.
	MaxFactorFailures int

	PasswordMinLength int
	// PasswordChecks is the budget of failed password checks per account, whatever the door
	// (login, password change, two-factor switch, admin login, account changes) and the client
	// address; it needs Deps.Limiter. An off rate spends nothing.
	PasswordChecks throttle.Rate

	Accounts Accounts // sign-up, verification and e-mail change (accounts.go)
	// Session limits (issue #15), all off when zero: a session not refreshed for IdleTimeout
	// ends, none lives longer than MaxAge after its login whatever its rotations, and a login
	// beyond PerUser sessions of its user ends the least recently used one.
	SessionIdleTimeout time.Duration
	SessionMaxAge      time.Duration
	SessionsPerUser    int
}

// DefaultConfig is the tutorial's SimpleJWT settings plus authgate's safe defaults.
func DefaultConfig() Config {
	return Config{
		RotateRefreshTokens:    true,
		BlacklistAfterRotation: true,
		ReuseDetection:         true,
		AcceptUnknownRefresh:   true,
		TwoFactor:              "optional",
		TwoFactorMethods:       []string{MethodTOTP, MethodWebAuthn, MethodEmail},
		CodeLength:             6,
		CodeTTL:                10 * time.Minute,
		CodeMaxAttempts:        5,
		MaxLiveChallenges:      3,
		ResendInterval:         30 * time.Second,
		MaxResends:             3,
		ResetTTL:               30 * time.Minute,
		MaxFactorFailures:      100,
		PasswordMinLength:      8,
		PasswordChecks:         throttle.Rate{N: 100, Per: time.Hour},
		Accounts:               DefaultAccounts(),
	}
}

// Client describes who is calling, for token rows and the audit log. UserAgent may be anything
// a client sent: the service cleans it (truncate) wherever it stores it.
type Client struct {
	IP        string
	UserAgent string
}

// Pair is what a successful login or refresh hands out. Refresh is empty when rotation is off.
type Pair struct {
	Refresh string
	Access  string
}

// LoginResult is either a token pair or, with two-factor on, a challenge to finish.
type LoginResult struct {
	Pair
	Challenge string   // non-empty when a second factor is needed instead
	Methods   []string // with a challenge: the methods that can finish it (methods.go)
	Mailed    bool     // with a challenge: a code was e-mailed
}

// Service is authgate's use cases over a Store, a token Manager, a password Hasher and a Mailer.
type Service struct {
	store   Store
	tokens  *token.Manager
	hasher  *password.Hasher
	mailer  Mailer
	log     *slog.Logger
	now     func() time.Time
	cfg     Config
	secret  []byte // keys the HMAC of codes and opaque ids at rest
	users   *userCache
	ended   *endedSessions
	onAudit func(AuditEvent)
	lim     Limiter
}

// Deps are the Service's collaborators.
type Deps struct {
	Store  Store
	Tokens *token.Manager
	Hasher *password.Hasher
	Mailer Mailer
	Logger *slog.Logger
	Now    func() time.Time
	// Secret keys the hashes of e-mailed codes and opaque identifiers kept in storage, so a stolen
	// database does not reveal live codes. At least 32 bytes.
	Secret []byte
	// UserCacheTTL bounds how long a user row read for an access token may be reused on this
	// instance; 0 disables the cache. Writes through this Service clear it at once.
	UserCacheTTL time.Duration
	// OnAudit, when set, sees every audit event (metrics and structured logs).
	OnAudit func(AuditEvent)
	// Limiter keeps the budget of failed password checks (Config.PasswordChecks); shared by every
	// instance when it is Redis. Nil: no budget.
	Limiter Limiter
}

// NewService checks the dependencies and returns a Service.
func NewService(d Deps, cfg Config) (*Service, error) {
	switch {
	case d.Store == nil:
		return nil, errors.New("auth: a Store is required")
	case d.Tokens == nil:
		return nil, errors.New("auth: a token Manager is required")
	case d.Hasher == nil:
		return nil, errors.New("auth: a password Hasher is required")
	case len(d.Secret) < 32:
		return nil, errors.New("auth: the secret must be at least 32 bytes")
	}
	switch cfg.TwoFactor {
	case "off", "optional", "required":
	default:
		return nil, fmt.Errorf("auth: two-factor mode %q is not off, optional or required", cfg.TwoFactor)
	}
	if err := cfg.Accounts.check(); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		store: d.Store, tokens: d.Tokens, hasher: d.Hasher, mailer: d.Mailer, log: d.Logger,
		now: d.Now, cfg: cfg, secret: d.Secret, onAudit: d.OnAudit, lim: d.Limiter,
		users: newUserCache(d.UserCacheTTL, 10000, d.Now),
		ended: newEndedSessions(d.Tokens.AccessLifetime() + d.Tokens.Leeway() + sessionSyncWindow),
	}
	return s, nil
}

// Config returns the settings the Service runs with.
func (s *Service) Config() Config { return s.cfg }

// Tokens returns the token Manager (for JWKS and discovery).
func (s *Service) Tokens() *token.Manager { return s.tokens }

// Store returns the Store, for the admin panel's listings.
func (s *Service) Store() Store { return s.store }

// Ready reports whether storage answers.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// audit records an event; a failure is logged, never returned: the audit log must not turn a
// successful security action into a failed one.
func (s *Service) audit(ctx context.Context, kind, userID, actorID string, c Client, detail string) {
	e := s.event(kind, userID, actorID, c, detail)
	if s.onAudit != nil {
		s.onAudit(e)
	}
	if err := s.store.RecordEvent(context.WithoutCancel(ctx), e); err != nil {
		s.log.Warn("audit event not recorded", "kind", kind, "user_id", userID, "err", err)
	}
}

// event is an audit event happening now.
func (s *Service) event(kind, userID, actorID string, c Client, detail string) AuditEvent {
	return AuditEvent{At: s.now().UTC(), UserID: userID, ActorID: actorID, Kind: kind,
		ClientIP: c.IP, UserAgent: truncate(c.UserAgent, 512), Detail: detail}
}

// truncate makes s valid UTF-8 without control characters and cuts it to at most n bytes on a
// character boundary: client-supplied strings (user agents) go into storage, and PostgreSQL
// refuses invalid UTF-8.
func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
