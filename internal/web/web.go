// Package web is authgate's HTTP surface: the SimpleJWT-compatible JSON API, operations endpoints
// and the middleware around them.
package web

import (
	"crypto/sha256"
	"slices"

	"github.com/authgate/authgate/internal/clientip"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/throttle"
)

// Rates are the throttling rates; an Off rate does not throttle.
type Rates struct {
	Login   throttle.Rate // per client address, and per account+address (the per-account budget is the Service's)
	Refresh throttle.Rate // per client address
	Code    throttle.Rate // two-factor code tries and resends, per client address
	Reset   throttle.Rate // password and e-mail reset requests, per client address and per e-mail
	Signup  throttle.Rate // sign-up and resend_activation, per client address and per e-mail
}

// Deps is everything the HTTP layer needs.
type Deps struct {
	Service *auth.Service
	// Limiter counts throttled requests; nil disables throttling.
	Limiter throttle.Limiter
	Rates   Rates
	Logger  *slog.Logger
	Metrics *Metrics // nil: no /metrics
	// AuthHeaderTypes are the accepted Authorization schemes (SimpleJWT's AUTH_HEADER_TYPES).
	AuthHeaderTypes []string
	CORS            CORSConfig
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	Cookie         CookieConfig
	// Admin serves /admin/ when set.
	Admin http.Handler
	// IntrospectionClients are the resource servers allowed to call token introspection
	// (RFC 7662), client id to secret.
	IntrospectionClients map[string]string
	// Version is reported by /healthz.
	Version string
	Now     func() time.Time
	// DjoserPrefix is where Djoser's endpoints are served (default "/auth/").
	DjoserPrefix string
	// PublicURL is this server as browsers reach it, without a trailing slash (for absolute
	// links in answers, such as the next page of users).
	PublicURL string
	// Providers are the external identity providers users may sign in with (issue #19), in
	// the order of AUTHGATE_OIDC_PROVIDERS; OAuthRedirects the frontend pages a sign-in may
	// return to.
	Providers      []IdentityProvider
	OAuthRedirects []string
}

// CookieConfig is the opt-in refresh cookie mode for browser frontends.
type CookieConfig struct {
	Enabled  bool
	Name     string // default "authgate_refresh"
	Secure   bool
	Domain   string
	BodyToo  bool // also return the refresh token in the JSON body
	SameSite http.SameSite
}

type handler struct {
	svc     *auth.Service
	lim     throttle.Limiter
	rates   Rates
	log     *slog.Logger
	metrics *Metrics
	schemes []string
	cors    *cors
	proxies clientip.Proxies
	cookie  CookieConfig
	version string
	now     func() time.Time
	routes  map[string]map[string]http.Handler // path without trailing slash -> method -> handler
	admin   http.Handler
	// djoser is Djoser's prefix ("/auth/"); publicURL has no trailing slash; pages serves the
	// account pages under /accounts/ (pages.go).
	djoser    string
	publicURL string
	pages     *http.ServeMux
	// introClients maps each introspection client id to the SHA-256 of its secret.
	introClients map[string][32]byte

	// patterns are the paths with {name} segments, tried in order when routes has no entry.
	providers      map[string]IdentityProvider
	providerOrder  []string
	oauthRedirects []string

	patterns []*patternRoute
	table    []Route // every registered route, in order (Routes)
}

// NewHandler returns the whole HTTP surface: routes (routes.go) wrapped in the middleware.
func NewHandler(d Deps) http.Handler {
	h := newHandler(d)
	var root http.Handler = http.HandlerFunc(h.dispatch)
	root = h.cors.wrap(root)
	root = h.observe(root)
	root = securityHeaders(root)
	root = h.recoverPanics(root)
	return root
}

// newHandler applies the defaults and fills the route table.
func newHandler(d Deps) *handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if len(d.AuthHeaderTypes) == 0 {
		d.AuthHeaderTypes = []string{"Bearer"}
	}
	if d.Cookie.Name == "" {
		d.Cookie.Name = "authgate_refresh"
	}
	if d.Cookie.SameSite == 0 {
		d.Cookie.SameSite = http.SameSiteStrictMode
	}
	if d.DjoserPrefix == "" {
		d.DjoserPrefix = "/auth/"
	}
	h := &handler{
		svc: d.Service, lim: d.Limiter, rates: d.Rates, log: d.Logger, metrics: d.Metrics,
		schemes: d.AuthHeaderTypes, cors: newCORS(d.CORS), proxies: d.TrustedProxies, cookie: d.Cookie,
		version: d.Version, now: d.Now, routes: map[string]map[string]http.Handler{}, admin: d.Admin,
		djoser: d.DjoserPrefix, publicURL: strings.TrimSuffix(d.PublicURL, "/"), pages: http.NewServeMux(),
	}
	h.providers, h.oauthRedirects = map[string]IdentityProvider{}, d.OAuthRedirects
	for _, p := range d.Providers {
		h.providers[p.Name()] = p
		h.providerOrder = append(h.providerOrder, p.Name())
	}
	h.introClients = make(map[string][32]byte, len(d.IntrospectionClients))
	for id, secret := range d.IntrospectionClients {
		h.introClients[id] = sha256.Sum256([]byte(secret))
	}
	h.registerRoutes()
	return h
}

// handle registers a handler for a method and path; the path answers with and without its
// trailing slash (CONTRACT). A segment written {name} matches any one non-empty segment, which
// the handler reads as r.PathValue(name); an exact path wins over a pattern.
func (h *handler) handle(method, path string, hd http.Handler) {
	key := strings.TrimSuffix(path, "/")
	h.table = append(h.table, Route{method, path})
	if strings.Contains(key, "{") {
		h.handlePattern(method, path, hd)
		return
	}
	if h.routes[key] == nil {
		h.routes[key] = map[string]http.Handler{}
	}
	h.routes[key][method] = hd
}

// patternRoute is a path with {name} segments, such as /api/sessions/{id}/.
type patternRoute struct {
	path    string   // as registered, the route's name in logs and metrics
	segs    []string // the path's segments, without the trailing slash
	methods map[string]http.Handler
}

func (h *handler) handlePattern(method, path string, hd http.Handler) {
	for _, p := range h.patterns {
		if p.path == path {
			p.methods[method] = hd
			return
		}
	}
	segs := strings.Split(strings.TrimPrefix(strings.TrimSuffix(path, "/"), "/"), "/")
	h.patterns = append(h.patterns, &patternRoute{path: path, segs: segs, methods: map[string]http.Handler{method: hd}})
}

// match reports whether key (a path without its trailing slash) fits the pattern, and sets the
// request's path values if so.
func (p *patternRoute) match(key string, r *http.Request) bool {
	rest := strings.TrimPrefix(key, "/")
	var vals [][2]string
	for i, seg := range p.segs {
		part, tail, more := strings.Cut(rest, "/")
		if part == "" || more != (i < len(p.segs)-1) {
			return false
		}
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			vals = append(vals, [2]string{strings.TrimSuffix(name, "}"), part})
		} else if part != seg {
			return false
		}
		rest = tail
	}
	for _, v := range vals {
		r.SetPathValue(v[0], v[1])
	}
	return true
}

// dispatch finds the route; unknown paths are 404 and known paths with another method 405, both
// in DRF's JSON form.
func (h *handler) dispatch(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if h.admin != nil && (p == "/admin" || strings.HasPrefix(p, "/admin/")) {
		setRoute(r, "/admin/")
		h.admin.ServeHTTP(w, r)
		return
	}
	if strings.HasPrefix(p, accountPages) {
		setRoute(r, accountPages)
		h.pages.ServeHTTP(w, r)
		return
	}
	key := strings.TrimSuffix(p, "/")
	if key == "" {
		key = "/"
	}
	methods, ok := h.routes[key]
	route := key + "/"
	if !ok {
		for _, pr := range h.patterns {
			if pr.match(key, r) {
				methods, route, ok = pr.methods, pr.path, true
				break
			}
		}
	}
	if !ok {
		setRoute(r, "unknown")
		writeDetail(w, http.StatusNotFound, "Not found.")
		return
	}
	setRoute(r, route)
	m := r.Method
	if m == http.MethodHead {
		m = http.MethodGet
	}
	hd, ok := methods[m]
	if !ok {
		if r.Method == http.MethodOptions {
			w.Header().Set("Allow", allow(methods))
			writeJSON(w, http.StatusOK, struct{}{})
			return
		}
		w.Header().Set("Allow", allow(methods))
		if strings.HasPrefix(key+"/", h.djoser+"users/") {
			h.requireAccess(methodNotAllowed).ServeHTTP(w, r)
			return
		}
		methodNotAllowed.ServeHTTP(w, r)
		return
	}
	hd.ServeHTTP(w, r)
}

// methodNotAllowed is DRF's 405. On Djoser's users/ routes it answers only after the caller's
// credentials passed (requireAccess): DRF authenticates and checks permissions before it looks
// at the method, so an anonymous wrong method is a 401 there.
var methodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	writeDetail(w, http.StatusMethodNotAllowed, `Method "`+safeMethod(r.Method)+`" not allowed.`)
})

// Route is one operation of the HTTP surface: a method and a path as routes.go registers it.
type Route struct{ Method, Path string }

// Routes lists every operation routes.go registers, /metrics included, in registration order
// of paths: the OpenAPI document is checked against it (internal/web/openapi). HEAD and OPTIONS,
// which every path answers, are not listed.
func Routes() []Route {
	return slices.Clone(newHandler(Deps{Metrics: &Metrics{}}).table)
}

func allow(methods map[string]http.Handler) string {
	var out []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if _, ok := methods[m]; ok {
			out = append(out, m)
		}
	}
	return strings.Join(append(out, "OPTIONS"), ", ")
}

// safeMethod keeps a hostile method name out of the body verbatim.
func safeMethod(m string) string {
	if len(m) > 32 {
		m = m[:32]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, m)
}
