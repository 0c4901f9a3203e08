// Package app assembles authgate from its Config: storage, keys, hashing, mail, throttling, the
// domain Service and the HTTP handler. The binary's commands and the end-to-end tests share it.
package app

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/admin"
	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/config"
	"github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/notify"
	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/social"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/throttle"
	"github.com/authgate/authgate/internal/token"
	"github.com/authgate/authgate/internal/web"
)

// Version is set at build time (-ldflags "-X github.com/authgate/authgate/internal/app.Version=…").
var Version = "dev"

// App is a running authgate's parts.
type App struct {
	Config  config.Config
	DB      *store.DB
	Service *auth.Service
	Tokens  *token.Manager
	Handler http.Handler
	Metrics *web.Metrics
	Log     *slog.Logger
	closers []func() error
}

// Options adjust assembly for commands and tests.
type Options struct {
	Now func() time.Time
	// HashParams overrides the argon2id parameters (tests use cheap ones).
	HashParams *password.Params
	// NoMigrate skips applying migrations (commands that must not change the schema).
	NoMigrate bool
	// GenerateKey allows generating and keeping a development signing key when none is set.
	GenerateKey bool
	// MailTLS, when set, is the TLS configuration for SMTP (tests trust their server's cert).
	MailTLS *tls.Config
	// Offline is for commands that neither sign tokens nor send mail (migrate, the user and
	// maintenance commands): the warnings meant for serve — a generated development key, the
	// console mail sender — stay silent, and no mailer is opened (anything that would mail gets
	// ErrMailFailed). Keys are still read and checked.
	Offline bool
	// ProviderClient, when set, is the HTTP client that reaches external identity providers.
	ProviderClient *http.Client
}

// Open builds the App. Storage is reached (with retries) and migrated unless NoMigrate.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &App{Config: cfg, Log: log}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()

	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{
		MaxOpenConns: cfg.DBMaxOpenConns, StatementTimeout: cfg.DBStatementTime,
		ConnectRetries: cfg.DBRetries, Now: o.Now, TransactionPooler: cfg.DatabasePooler == "transaction",
	})
	if err != nil {
		return nil, fmt.Errorf("AUTHGATE_DATABASE_URL: %w", err)
	}
	a.DB = db
	a.closers = append(a.closers, db.Close)
	if cfg.DatabasePooler == "transaction" {
		// Behind PgBouncer the server must end slow statements before authgate gives up: an
		// authgate deadline sends a cancel request through PgBouncer (docs/production.md).
		if d, err := db.ServerStatementTimeout(ctx); err == nil && (d == 0 || d >= cfg.DBStatementTime) {
			log.Warn("behind a transaction pooler, set the server's statement_timeout below AUTHGATE_DB_STATEMENT_TIMEOUT: ALTER ROLE … SET statement_timeout (docs/production.md)",
				"statement_timeout", d.String(), "AUTHGATE_DB_STATEMENT_TIMEOUT", cfg.DBStatementTime.String())
		}
	}
	if !o.NoMigrate {
		if err := db.Migrate(ctx); err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}

	keyLog := log
	if o.Offline {
		keyLog = slog.New(slog.DiscardHandler)
	}
	keys, err := loadKeys(cfg, keyLog, o.GenerateKey)
	if err != nil {
		return nil, err
	}
	tm, err := token.New(token.Config{
		Signing: keys.signing, Verifying: keys.verifying, Audience: cfg.Audience, Issuer: cfg.Issuer,
		Leeway:         cfg.Leeway,
		Claims:         token.ClaimNames{TokenType: cfg.TokenTypeClaim, JTI: cfg.JTIClaim, UserID: cfg.UserIDClaim},
		AccessLifetime: cfg.AccessTokenLifetime, RefreshLifetime: cfg.RefreshTokenLifetime,
		SlidingLifetime: cfg.SlidingTokenLifetime, SlidingRefreshLifetime: cfg.SlidingTokenRefreshLifetime,
		Now: o.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	a.Tokens = tm

	hopts := password.Options{}
	if o.HashParams != nil {
		hopts.Params = *o.HashParams
	}
	hasher, err := password.New(hopts)
	if err != nil {
		return nil, fmt.Errorf("password hasher: %w", err)
	}

	a.Metrics = web.NewMetrics(Version, db.Stats)
	var mailer auth.Mailer
	if !o.Offline {
		mopts := mail.Options{From: cfg.EmailFrom, TemplateDir: cfg.EmailTemplateDir, Logger: log, Now: o.Now}
		mopts.TLSConfig = o.MailTLS
		m, err := mail.Open(cfg.EmailURL, mopts)
		if err != nil {
			return nil, fmt.Errorf("AUTHGATE_EMAIL_URL: %w", err)
		}
		mailer = a.Metrics.Mailer(m)
	}
	scfg := auth.DefaultConfig()
	scfg.RotateRefreshTokens = cfg.RotateRefreshTokens
	scfg.BlacklistAfterRotation = cfg.BlacklistAfterRotation
	scfg.UpdateLastLogin = cfg.UpdateLastLogin
	scfg.ReuseDetection = cfg.ReuseDetection
	scfg.AcceptUnknownRefresh = cfg.AcceptUnknownRefresh
	scfg.SessionIdleTimeout = cfg.SessionIdleTimeout
	scfg.SessionMaxAge = cfg.SessionMaxAge
	scfg.SessionsPerUser = cfg.SessionsPerUser
	scfg.TwoFactor = cfg.TwoFactor
	scfg.TwoFactorMethods = cfg.TwoFactorMethods
	scfg.CodeLength = cfg.CodeLength
	scfg.CodeTTL = cfg.CodeTTL
	scfg.CodeMaxAttempts = cfg.CodeMaxAttempts
	scfg.ResendInterval = cfg.ResendInterval
	scfg.MaxResends = cfg.MaxResends
	scfg.MaxLiveChallenges = cfg.MaxLive
	scfg.MaxFactorFailures = cfg.MaxCodeFailures
	scfg.ResetURL = cfg.ResetURL
	scfg.ResetTTL = cfg.ResetTTL
	scfg.PasswordMinLength = cfg.PasswordMinLen
	if scfg.PasswordChecks, err = throttle.ParseRate(cfg.ThrottleLoginAccount); err != nil {
		return nil, fmt.Errorf("AUTHGATE_THROTTLE_LOGIN_ACCOUNT: %w", err)
	}
	limiter, err := a.limiter(cfg, o.Now)
	if err != nil {
		return nil, err
	}
	publicURL := PublicURL(cfg)
	scfg.Accounts = accounts(cfg, publicURL)
	material := keys.material
	if cfg.CodeSecret != "" {
		material = []byte(cfg.CodeSecret) // independent of the signing key: rotation keeps codes
	}
	secret := sha256.Sum256(append([]byte("authgate/secret/v1:"), material...))
	a.Metrics.WatchHasher(hasher.InFlight, hasher.Queued)
	if db.Dialect() == "sqlite" {
		a.Metrics.WatchWrites(func() (uint64, uint64, uint64, uint64) {
			s := db.WriteStats()
			return s.Batches, s.BatchedRotations, s.Checkpoints, s.Rewinds
		})
	}
	svc, err := auth.NewService(auth.Deps{
		Store: db, Tokens: tm, Hasher: hasher, Mailer: mailer, Logger: log, Now: o.Now,
		Secret: secret[:], UserCacheTTL: cfg.UserCacheTTL, OnAudit: a.auditHook(), Limiter: limiter,
	}, scfg)
	if err != nil {
		return nil, err
	}
	a.Service = svc
	if !o.NoMigrate { // the schema is current: sessions ended elsewhere can be read
		if err := svc.LoadEndedSessions(ctx); err != nil {
			return nil, fmt.Errorf("ended sessions: %w", err)
		}
		sctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			svc.SyncSessions(sctx, auth.SessionSyncInterval)
		}()
		a.closers = append(a.closers, func() error { stop(); <-done; return nil })
	}
	if db.Dialect() == "postgres" && cfg.UserCacheTTL > 0 { // instances share the database: share forgets
		// LISTEN holds a session, which a transaction pooler does not keep: a listen URL goes
		// straight to PostgreSQL.
		listenURL, setting := cfg.DatabaseURL, "AUTHGATE_DATABASE_URL"
		if cfg.DBListenURL != "" {
			listenURL, setting = cfg.DBListenURL, "AUTHGATE_DATABASE_LISTEN_URL"
		}
		n, err := notify.Start(notify.Options{DatabaseURL: listenURL, Forget: svc.ForgetUser,
			ForgetAll: svc.ForgetAllUsers, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", setting, err)
		}
		svc.PublishUserChanges(n.Publish)
		a.closers = append(a.closers, n.Close)
	}

	rates, err := parseRates(cfg)
	if err != nil {
		return nil, err
	}
	clients, err := introspectionClients(cfg)
	if err != nil {
		return nil, err
	}
	adm := admin.New(admin.Deps{
		Service: svc, Logger: log, Now: o.Now, SessionTTL: cfg.AdminSessionTTL,
		SecureCookies: cfg.AdminCookieSecure, Limiter: limiter, LoginRate: rates.Login,
		TrustedProxies: cfg.TrustedProxies,
	})
	a.Handler = web.NewHandler(web.Deps{
		Service: svc, Limiter: limiter, Rates: rates, Logger: log, Metrics: a.Metrics,
		AuthHeaderTypes: cfg.AuthHeaderTypes, CORS: web.CORSConfig{AllowedOrigins: cfg.CORSAllowedOrigins},
		TrustedProxies: cfg.TrustedProxies, Version: Version, Now: o.Now, Admin: adm,
		DjoserPrefix: cfg.DjoserPrefix, PublicURL: publicURL,
		IntrospectionClients: clients, Providers: providers(cfg, publicURL, o),
		OAuthRedirects: cfg.OIDCRedirectURLs,
		Cookie: web.CookieConfig{Enabled: cfg.RefreshCookie, Secure: cfg.RefreshCookieSecure,
			BodyToo: cfg.RefreshCookieBody, Domain: cfg.RefreshCookieDomain},
	})
	ok = true
	return a, nil
}

// auditHook feeds metrics and writes every audit event as a structured log line (never secrets:
// events carry none).
func (a *App) auditHook() func(auth.AuditEvent) {
	return func(e auth.AuditEvent) {
		if a.Metrics != nil {
			a.Metrics.OnAudit(e)
		}
		a.Log.Info("audit", "kind", e.Kind, "user_id", e.UserID, "actor_id", e.ActorID,
			"client_ip", e.ClientIP, "detail", e.Detail)
	}
}

// limiter is the throttling store of the API, the admin panel and the Service's budget of failed
// password checks: in memory, or in Redis and shared by every instance.
func (a *App) limiter(cfg config.Config, now func() time.Time) (auth.Limiter, error) {
	if cfg.RedisURL == "" {
		return throttle.NewMemory(now, 100000), nil
	}
	client, err := throttle.OpenRedis(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("AUTHGATE_REDIS_URL: %w", err)
	}
	a.closers = append(a.closers, client.Close)
	return throttle.NewRedis(client, "authgate:", now), nil
}

func parseRates(cfg config.Config) (web.Rates, error) {
	var r web.Rates
	for _, x := range []struct {
		env, v string
		dst    *throttle.Rate
	}{
		{"AUTHGATE_THROTTLE_LOGIN", cfg.ThrottleLogin, &r.Login},
		{"AUTHGATE_THROTTLE_REFRESH", cfg.ThrottleRefresh, &r.Refresh},
		{"AUTHGATE_THROTTLE_CODE", cfg.ThrottleCode, &r.Code},
		{"AUTHGATE_THROTTLE_RESET", cfg.ThrottleReset, &r.Reset},
		{"AUTHGATE_THROTTLE_SIGNUP", cfg.ThrottleSignup, &r.Signup},
	} {
		rate, err := throttle.ParseRate(x.v)
		if err != nil {
			return r, fmt.Errorf("%s: %w", x.env, err)
		}
		*x.dst = rate
	}
	return r, nil
}

// PublicURL is AUTHGATE_PUBLIC_URL without its trailing slash, or http:// and the listening
// address (a wildcard host read as localhost), which serves development.
func PublicURL(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "http://localhost"
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// accounts turns the account settings into the Service's: every link the operator left empty
// goes to the page authgate serves for it. The older AUTHGATE_PASSWORD_RESET_URL ({token}
// only) is kept when the {uid}/{token} one is not set.
func accounts(cfg config.Config, publicURL string) auth.Accounts {
	a := auth.DefaultAccounts()
	a.Signup, a.EmailVerification, a.EmailChange = cfg.Signup, cfg.EmailVerification, cfg.EmailChange
	a.ActivationTTL, a.EmailChangeTTL, a.InvitationTTL = cfg.ActivationTTL, cfg.EmailChangeTTL, cfg.InvitationTTL
	a.SiteName = cfg.SiteName
	a.Links = web.ServedLinks(publicURL)
	for _, l := range []struct {
		set string
		dst *string
	}{{cfg.ActivationURL, &a.Links.Activation}, {cfg.PasswordResetConfirmURL, &a.Links.PasswordReset},
		{cfg.EmailResetConfirmURL, &a.Links.EmailReset}, {cfg.EmailChangeConfirmURL, &a.Links.EmailChange},
		{cfg.InvitationURL, &a.Links.Invitation}} {
		if l.set != "" {
			*l.dst = l.set
		}
	}
	if cfg.PasswordResetConfirmURL == "" && cfg.ResetURL != "" {
		a.Links.PasswordReset = cfg.ResetURL
	}
	return a
}

// Close releases storage and connections.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// providers are the external identity providers of AUTHGATE_OIDC_PROVIDERS.
func providers(cfg config.Config, publicURL string, o Options) []web.IdentityProvider {
	var out []web.IdentityProvider
	for _, p := range cfg.OIDCProviders {
		out = append(out, social.New(p, publicURL, o.ProviderClient, o.Now))
	}
	return out
}
