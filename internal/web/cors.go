package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CORSConfig lists the origins allowed to call the API from a browser. Empty: no CORS headers.
type CORSConfig struct {
	// AllowedOrigins are exact origins ("https://app.example.com") or one-label wildcards
	// ("https://*.example.com"). "*" allows any origin without credentials.
	AllowedOrigins []string
	MaxAge         time.Duration // preflight cache; default 10 minutes
}

type cors struct {
	exact    map[string]bool
	suffixes []struct{ scheme, suffix string }
	any      bool
	maxAge   string
}

func newCORS(c CORSConfig) *cors {
	o := &cors{exact: map[string]bool{}}
	for _, a := range c.AllowedOrigins {
		a = strings.TrimRight(strings.TrimSpace(a), "/")
		switch {
		case a == "":
		case a == "*":
			o.any = true
		case strings.Contains(a, "://*."):
			scheme, host, _ := strings.Cut(a, "://*")
			o.suffixes = append(o.suffixes, struct{ scheme, suffix string }{scheme + "://", host})
		default:
			o.exact[strings.ToLower(a)] = true
		}
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 10 * time.Minute
	}
	o.maxAge = strconv.Itoa(int(c.MaxAge.Seconds()))
	return o
}

func (o *cors) enabled() bool { return o.any || len(o.exact) > 0 || len(o.suffixes) > 0 }

// listed reports whether an origin is explicitly allowed (credentials may go with it).
func (o *cors) listed(origin string) bool {
	origin = strings.ToLower(origin)
	if o.exact[origin] {
		return true
	}
	for _, s := range o.suffixes {
		rest, ok := strings.CutPrefix(origin, s.scheme)
		if !ok || !strings.HasSuffix(rest, s.suffix) {
			continue
		}
		label := strings.TrimSuffix(rest, s.suffix)
		if label != "" && !strings.ContainsAny(label, "./:@") {
			return true
		}
	}
	return false
}

// wrap answers preflights and decorates answers for allowed origins; other origins get no CORS
// headers at all, and the browser refuses the response.
func (o *cors) wrap(next http.Handler) http.Handler {
	if !o.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		if origin == "" || strings.HasPrefix(r.URL.Path, "/admin") {
			next.ServeHTTP(w, r)
			return
		}
		listed := o.listed(origin)
		if !listed && !o.any {
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		if listed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		} else {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Requested-With, X-Request-Id")
			h.Set("Access-Control-Max-Age", o.maxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id, WWW-Authenticate")
		next.ServeHTTP(w, r)
	})
}
