package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CORSConfig lists the origins allowed to call the API from a browser. Empty: no CORS headers.
type CORSConfig struct {
	// AllowedOrigins are exact origins ("https://app.example.com") or patterns whose first label
	// is a wildcard ("https://*.example.com" matches https://app.example.com, not
	// https://example.com nor https://a.b.example.com). "*" allows any origin, never with
	// credentials.
	AllowedOrigins []string
	// MaxAge is how long a browser may cache a preflight answer; default 10 minutes.
	MaxAge time.Duration
}

// The CORS answer (Fetch standard, "CORS protocol"): the methods and request headers a frontend
// needs, and the response headers its scripts may read besides the safelisted ones. Date lets a
// frontend time renewals by the server's clock: an access token's iat is its refresh token's
// (SimpleJWT copies it), so exp - iat is not the time it has left.
const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE, OPTIONS" // PUT and PATCH: Djoser's users/me/
	corsAllowHeaders  = "Authorization, Content-Type, X-Requested-With, X-Request-Id"
	corsExposeHeaders = "Date, Retry-After, WWW-Authenticate, X-Request-Id"
)

// originPattern is "https://*.example.com[:port]": a scheme and the host suffix after the
// wildcard label (".example.com[:port]").
type originPattern struct {
	scheme, suffix string
}

type cors struct {
	exact    map[string]bool
	patterns []originPattern
	any      bool
	maxAge   string
}

func newCORS(c CORSConfig) *cors {
	o := &cors{exact: map[string]bool{}}
	for _, a := range c.AllowedOrigins {
		a = strings.ToLower(strings.TrimRight(strings.TrimSpace(a), "/"))
		if a == "*" {
			o.any = true
			continue
		}
		scheme, host, ok := splitOrigin(a)
		if !ok {
			continue // config.validate names bad entries; an unparsable one never matches
		}
		host = withoutDefaultPort(scheme, host)
		if suffix, ok := strings.CutPrefix(host, "*."); ok {
			if suffix != "" && !strings.Contains(suffix, "*") {
				o.patterns = append(o.patterns, originPattern{scheme, "." + suffix})
			}
			continue
		}
		if !strings.Contains(host, "*") {
			o.exact[scheme+"://"+host] = true
		}
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 10 * time.Minute
	}
	o.maxAge = strconv.Itoa(int(c.MaxAge / time.Second))
	return o
}

// splitOrigin splits "scheme://host[:port]"; anything with a path, query, user or space is not
// an origin (RFC 6454 section 7), and neither is "null".
func splitOrigin(s string) (scheme, host string, ok bool) {
	scheme, host, ok = strings.Cut(s, "://")
	if !ok || (scheme != "http" && scheme != "https") || host == "" ||
		strings.ContainsAny(host, "/?#@\\ \t") {
		return "", "", false
	}
	return scheme, host, true
}

// withoutDefaultPort drops ":443" from https and ":80" from http: browsers never send them.
func withoutDefaultPort(scheme, host string) string {
	if scheme == "https" {
		return strings.TrimSuffix(host, ":443")
	}
	return strings.TrimSuffix(host, ":80")
}

func (o *cors) enabled() bool { return o.any || len(o.exact) > 0 || len(o.patterns) > 0 }

// listed reports whether an origin is explicitly allowed: listed origins may send credentials
// (cookies); origins allowed only through "*" may not.
func (o *cors) listed(origin string) bool {
	origin = strings.ToLower(origin)
	scheme, host, ok := splitOrigin(origin)
	if !ok {
		return false
	}
	if o.exact[origin] {
		return true
	}
	for _, p := range o.patterns {
		if p.scheme != scheme {
			continue
		}
		label, ok := strings.CutSuffix(host, p.suffix)
		if ok && dnsLabel(label) {
			return true
		}
	}
	return false
}

// dnsLabel reports whether s is one host name label (letters, digits, hyphens): the wildcard
// stands for exactly one label, so "evil.com.example.com"-style tricks cannot match.
func dnsLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// wrap answers preflights and decorates the answers to allowed origins. An origin that is not
// allowed gets no CORS header at all, so the browser withholds the answer from its script; its
// preflights are refused outright. Vary: Origin is on every answer, so a shared cache never
// hands one origin's answer to another. The admin panel is same-origin only and left alone.
func (o *cors) wrap(next http.Handler) http.Handler {
	if !o.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && origin != "" &&
			r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		listed := o.listed(origin)
		if !listed && !o.any {
			if preflight {
				writeDetail(w, http.StatusForbidden, "Origin not allowed.")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if listed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		} else {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if preflight {
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", o.maxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}
