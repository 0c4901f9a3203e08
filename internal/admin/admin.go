// Package admin is authgate's server-rendered admin panel (Django admin's role): staff log in and
// manage users, tokens and the audit log.
package admin

import (
	"crypto/rand"
	"github.com/authgate/authgate/internal/clientip"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/throttle"
)

// DefaultSessionTTL is how long an admin session lasts when Deps.SessionTTL is zero.
const DefaultSessionTTL = 8 * time.Hour

// pageSize is how many rows a list page shows (Django admin's list_per_page is 100; ours keeps
// pages light on a phone).
const pageSize = 50

// Deps are what the panel needs.
type Deps struct {
	// Service is required: every read and every audited action goes through it or its Store.
	Service *auth.Service
	// Logger receives faults (never secrets); nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means the Service's.
	Now func() time.Time
	// SessionTTL is how long a panel session lasts from login; zero means DefaultSessionTTL.
	SessionTTL    time.Duration
	SecureCookies bool // always mark cookies Secure (they are whenever the request came over TLS)
	// Limiter and LoginRate throttle the login and code steps per client address and per e-mail,
	// like the API's login; a nil Limiter or an off rate does not throttle.
	Limiter   throttle.Limiter
	LoginRate throttle.Rate
	// TrustedProxies are the peers whose X-Forwarded-For is believed, as for the API; empty: the
	// peer address is the client address.
	TrustedProxies []netip.Prefix
	// Rand is the source of session ids, CSRF secrets and masks; nil means crypto/rand.
	Rand io.Reader
}

// panel is the admin handler's state; it is immutable after New.
type panel struct {
	svc     *auth.Service
	log     *slog.Logger
	now     func() time.Time
	ttl     time.Duration
	secure  bool
	lim     throttle.Limiter
	rate    throttle.Rate
	proxies clientip.Proxies
	rand    io.Reader
	pages   map[string]*template.Template
	static  staticFiles
	mux     *http.ServeMux
}

// New returns the panel's handler, to be mounted at /admin/. It serves every path under /admin/
// (and /admin itself) with the panel's security headers.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
		if d.Service != nil {
			d.Now = d.Service.Now
		}
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = DefaultSessionTTL
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	static := loadStatic()
	p := &panel{
		svc: d.Service, log: d.Logger, now: d.Now, ttl: d.SessionTTL, secure: d.SecureCookies,
		lim: d.Limiter, rate: d.LoginRate, proxies: d.TrustedProxies, rand: d.Rand,
		pages: mustParsePages(static), static: static,
	}
	p.mux = p.routes()
	return securityHeaders(p.mux)
}
