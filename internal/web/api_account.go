package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/token"
)

// caller returns the user requireAccess authenticated.
func caller(r *http.Request) auth.User { return info(r).user }

// callerSession returns the session of the caller's access token (its sid claim), "" for a token
// without one (issued by Django, or before authgate put sessions in tokens).
func callerSession(r *http.Request) string { return info(r).sid }

// requireAccess is SimpleJWT's JWTAuthentication with IsAuthenticated: the Authorization header
// is split on white space; a scheme other than the configured ones counts as no header. The
// user travels in the request's reqInfo, so that a protected request copies no Request.
func (h *handler) requireAccess(next http.Handler) http.Handler {
	return h.bearer(h.svc.Authenticate, next)
}

// requireAccessToLogOut is requireAccess for the logout view, which also lets in an access token
// whose session has ended (auth.Service.AuthenticateToLogOut).
func (h *handler) requireAccessToLogOut(next http.Handler) http.Handler {
	return h.bearer(h.svc.AuthenticateToLogOut, next)
}

type authenticator func(ctx context.Context, raw string) (auth.User, token.Claims, error)

func (h *handler) bearer(authenticate authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, raw, n := authFields(r.Header.Get("Authorization"))
		if n == 0 || !slices.Contains(h.schemes, scheme) {
			writeDetail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
			return
		}
		if n != 2 {
			writeJSON(w, http.StatusUnauthorized, detail{Detail: "Authorization header must contain two space-delimited values", Code: "bad_authorization_header"})
			return
		}
		u, claims, err := authenticate(r.Context(), raw)
		if err != nil {
			h.authFail(w, r, err)
			return
		}
		ri, ok := r.Context().Value(infoKey).(*reqInfo)
		if !ok { // served without observe (a handler test)
			ri = &reqInfo{}
			r = r.WithContext(context.WithValue(r.Context(), infoKey, ri))
		}
		ri.userID, ri.user, ri.sid = u.ID, u, claims.SessionID
		next.ServeHTTP(w, r)
	})
}

// authFields splits a header on white space as strings.Fields does (and Python's str.split,
// which SimpleJWT uses, for the characters a header can hold), without allocating: the first
// two fields, and how many fields there are, counting stops at three. ASCII, all a token is
// made of, is checked byte by byte.
func authFields(s string) (first, second string, n int) {
	i := 0
	for n < 3 {
		for i < len(s) { // white space
			if c := s[i]; c < utf8.RuneSelf {
				if !asciiSpace(c) {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i == len(s) {
			return first, second, n
		}
		start := i
		for i < len(s) { // a field
			if c := s[i]; c < utf8.RuneSelf {
				if asciiSpace(c) {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				break
			}
			i += size
		}
		switch n {
		case 0:
			first = s[start:i]
		case 1:
			second = s[start:i]
		}
		n++
	}
	return first, second, n
}

// asciiSpace is unicode.IsSpace for ASCII.
func asciiSpace(c byte) bool {
	const mask = 1<<'\t' | 1<<'\n' | 1<<'\v' | 1<<'\f' | 1<<'\r' | 1<<' '
	return c <= ' ' && mask&(uint64(1)<<c) != 0
}

// meBody is the caller as a DRF ModelSerializer renders them; appendJSON (jsonappend.go) writes
// it, the times in Django's format (djangoTime), last_login null when never.
type meBody struct {
	ID               string
	Email            string
	TwoFactorEnabled bool
	IsActive         bool
	IsStaff          bool
	IsSuperuser      bool
	DateJoined       time.Time
	LastLogin        time.Time // zero: null
}

// djangoLayout is how DRF renders a DateTimeField in UTC (microseconds, trailing zeros cut).
const djangoLayout = "2006-01-02T15:04:05.999999Z07:00"

func djangoTime(t time.Time) string { return t.UTC().Format(djangoLayout) }

// me is GET /api/me/: the caller, as a DRF ModelSerializer would render them. The body is
// written without reflection or an interface conversion: this is the protected hot path.
func (h *handler) me() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := caller(r)
		b := meBody{ID: u.ID, Email: u.Email, TwoFactorEnabled: u.TwoFactorEnabled, IsActive: u.IsActive,
			IsStaff: u.IsStaff, IsSuperuser: u.IsSuperuser, DateJoined: u.DateJoined, LastLogin: u.LastLogin}
		noStore(w)
		writeBody(w, http.StatusOK, b.appendJSON(make([]byte, 0, 320)))
	})
}

type statusBody struct {
	Status string `json:"status"`
}

// logout is the tutorial's APILogoutView, fixed: the token must be the caller's, a missing field
// is a 400, "all" means all only when it is true, and logout-all also ends access tokens. In
// cookie mode the token may come from the cookie, and a logout clears the cookie.
func (h *handler) logout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		all, _ := in.boolean("all")
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		u := caller(r)
		if all {
			if err := h.svc.LogoutAll(r.Context(), u.ID, "", h.client(r)); err != nil {
				h.fail(w, r, err)
				return
			}
			h.clearRefreshCookie(w)
			writeJSON(w, http.StatusOK, statusBody{"OK, goodbye, all refresh tokens blacklisted"})
			return
		}
		raw, ok := h.refreshFrom(w, r, in, "refresh_token")
		if !ok {
			return
		}
		_, fromCookie := h.cookieToken(r, in, "refresh_token")
		if err := h.svc.Logout(r.Context(), u, raw, h.client(r)); err != nil {
			// The browser asked to log out: a cookie whose token is refused is dropped anyway.
			var te *auth.TokenError
			if fromCookie && errors.As(err, &te) {
				h.clearRefreshCookie(w)
			}
			h.fail(w, r, err)
			return
		}
		h.clearRefreshCookie(w)
		writeJSON(w, http.StatusOK, statusBody{"OK, goodbye"})
	})
}
