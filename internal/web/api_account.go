package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

type userKey struct{}

// caller returns the user requireAccess authenticated.
func caller(r *http.Request) auth.User {
	u, _ := r.Context().Value(userKey{}).(auth.User)
	return u
}

// requireAccess is SimpleJWT's JWTAuthentication with IsAuthenticated: the Authorization header
// is split on white space; a scheme other than the configured ones counts as no header.
func (h *handler) requireAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Fields(r.Header.Get("Authorization"))
		if len(parts) == 0 || !slices.Contains(h.schemes, parts[0]) {
			writeDetail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
			return
		}
		if len(parts) != 2 {
			writeJSON(w, http.StatusUnauthorized, detail{Detail: "Authorization header must contain two space-delimited values", Code: "bad_authorization_header"})
			return
		}
		u, _, err := h.svc.Authenticate(r.Context(), parts[1])
		if err != nil {
			h.authFail(w, r, err)
			return
		}
		setUser(r, u.ID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

type meBody struct {
	ID               string  `json:"id"`
	Email            string  `json:"email"`
	TwoFactorEnabled bool    `json:"two_factor_enabled"`
	IsActive         bool    `json:"is_active"`
	IsStaff          bool    `json:"is_staff"`
	IsSuperuser      bool    `json:"is_superuser"`
	DateJoined       string  `json:"date_joined"`
	LastLogin        *string `json:"last_login"`
}

func djangoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") }

// me is GET /api/me/: the caller, as a DRF ModelSerializer would render them.
func (h *handler) me() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := caller(r)
		b := meBody{ID: u.ID, Email: u.Email, TwoFactorEnabled: u.TwoFactorEnabled, IsActive: u.IsActive,
			IsStaff: u.IsStaff, IsSuperuser: u.IsSuperuser, DateJoined: djangoTime(u.DateJoined)}
		if !u.LastLogin.IsZero() {
			s := djangoTime(u.LastLogin)
			b.LastLogin = &s
		}
		noStore(w)
		writeJSON(w, http.StatusOK, b)
	})
}

type statusBody struct {
	Status string `json:"status"`
}

// logout is the tutorial's APILogoutView, fixed: the token must be the caller's, a missing field
// is a 400, "all" means all only when it is true, and logout-all also ends access tokens.
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
		if err := h.svc.Logout(r.Context(), u, raw, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		h.clearRefreshCookie(w)
		writeJSON(w, http.StatusOK, statusBody{"OK, goodbye"})
	})
}
