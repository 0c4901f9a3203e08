package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// reqInfo travels in the request context so inner handlers can name the route and the user for
// the access log and metrics, and hand the authenticated user to the handler. One allocation
// per request holds it and the status writer (the protected endpoint's hot path).
type reqInfo struct {
	id     string
	route  string
	userID string
	user   auth.User // set by requireAccess
	sid    string    // the caller's session, from its access token's sid claim (requireAccess)
	sw     statusWriter
}

type ctxKey int

const infoKey ctxKey = 0

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

func requestID(r *http.Request) string       { return info(r).id }
func setRoute(r *http.Request, route string) { info(r).route = route }

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validRequestID accepts a caller's X-Request-Id only when it is short and plain.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe assigns the request id, then logs one line per request and feeds the metrics.
func (h *handler) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: r.Header.Get("X-Request-Id")}
		if !validRequestID(ri.id) {
			ri.id = newRequestID()
		}
		w.Header()["X-Request-Id"] = []string{ri.id} // canonical already: skip Set's normalising
		r = r.WithContext(context.WithValue(r.Context(), infoKey, ri))
		ri.sw.ResponseWriter = w
		next.ServeHTTP(&ri.sw, r)
		status := ri.sw.status
		if status == 0 {
			status = http.StatusOK
		}
		d := time.Since(start)
		if h.metrics != nil {
			h.metrics.observeRequest(ri.route, r.Method, status, d)
		}
		h.log.LogAttrs(r.Context(), levelFor(status), "request",
			slogStr("request_id", ri.id), slogStr("method", r.Method), slogStr("route", ri.route),
			slogInt("status", status), slogDur("duration", d), slogStr("user_id", ri.userID),
			slogStr("client_ip", h.clientIP(r)), slogInt("bytes", ri.sw.bytes))
	})
}

// securityHeaders are sent on every answer (ASVS V14.4).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500 with the request id; the client learns nothing
// of the cause.
func (h *handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				// observe runs inside this handler: its request id is on the answer, not in r.
				h.log.ErrorContext(r.Context(), "panic serving request", "request_id", w.Header().Get("X-Request-Id"),
					"path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if h.metrics != nil {
					h.metrics.panics.Inc()
				}
				writeDetail(w, http.StatusInternalServerError, "A server error occurred.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// noStore marks an answer that carries tokens or personal data as uncacheable (RFC 6749 5.1).
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}
