package web

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

type sessionBody struct {
	ID         string `json:"id"`
	CreatedAt  string `json:"created_at"`
	LastUsedAt string `json:"last_used_at"`
	ExpiresAt  string `json:"expires_at"`
	ClientIP   string `json:"client_ip"`
	UserAgent  string `json:"user_agent"`
	Current    bool   `json:"current"`
}

// currentFamily names the caller's own login: the session of its access token, or, for an access
// token without one (from before sessions were in tokens), the session of the refresh token it
// shows (X-Refresh-Token header, or the refresh cookie in cookie mode).
func (h *handler) currentFamily(r *http.Request) string {
	if sid := callerSession(r); sid != "" {
		return sid
	}
	raw := r.Header.Get("X-Refresh-Token")
	if raw == "" && h.cookie.Enabled {
		raw, _ = h.refreshCookie(r)
	}
	return h.svc.FamilyOf(r.Context(), caller(r), raw)
}

// sessions is GET /api/sessions/: the caller's live logins.
func (h *handler) sessions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := h.svc.Sessions(r.Context(), caller(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		cur := h.currentFamily(r)
		out := make([]sessionBody, 0, len(ss))
		for _, s := range ss {
			out = append(out, sessionBody{ID: s.FamilyID, CreatedAt: djangoTime(s.CreatedAt),
				LastUsedAt: djangoTime(s.LastUsedAt), ExpiresAt: djangoTime(s.ExpiresAt),
				ClientIP: s.ClientIP, UserAgent: s.UserAgent, Current: cur != "" && s.FamilyID == cur})
		}
		noStore(w)
		writeJSON(w, http.StatusOK, out)
	})
}

// revokeSession is DELETE /api/sessions/{id}/.
func (h *handler) revokeSession() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.svc.RevokeSession(r.Context(), caller(r), r.PathValue("id"), h.client(r))
		if errors.Is(err, auth.ErrNotFound) {
			writeDetail(w, http.StatusNotFound, "Not found.")
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

type revokedBody struct {
	Status  string `json:"status"`
	Revoked int    `json:"revoked"`
}

// logoutOthers is POST /api/sessions/logout-others/: every login of the caller but its own ends.
// Its own is the session of its access token, or of the refresh token it sends ({"refresh"}),
// which must then be its live one.
func (h *handler) logoutOthers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u := caller(r)
		keep := callerSession(r)
		if _, sent := in.vals["refresh"]; sent || keep == "" {
			raw, ok := h.refreshFrom(w, r, in, "refresh")
			if !ok {
				return
			}
			if fam := h.svc.FamilyOf(r.Context(), u, raw); fam != keep && keep != "" {
				keep = "" // a refresh token of another session than the access token's
			} else {
				keep = fam
			}
		}
		if keep == "" {
			writeJSON(w, http.StatusUnauthorized, detail{Detail: "Token is invalid or expired", Code: "token_not_valid"})
			return
		}
		n, err := h.svc.LogoutOthers(r.Context(), u, keep, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, revokedBody{"OK, other sessions logged out", n})
	})
}
