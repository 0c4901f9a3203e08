package web

import (
	"net/http"
	"net/url"
	"strings"
)

// Cookie mode (opt-in, like dj-rest-auth's JWT_AUTH_REFRESH_COOKIE): the refresh token lives in an
// HttpOnly cookie scoped to the two paths that read it, so page scripts never see it.
var cookiePaths = []string{"/api/token/", "/logout_token/"}

func (h *handler) setRefreshCookie(w http.ResponseWriter, raw string) {
	for _, p := range cookiePaths {
		http.SetCookie(w, &http.Cookie{
			Name: h.cookie.Name, Value: raw, Path: p, Domain: h.cookie.Domain,
			MaxAge: int(h.svc.Tokens().RefreshLifetime().Seconds()), HttpOnly: true,
			Secure: h.cookie.Secure, SameSite: h.cookie.SameSite,
		})
	}
}

func (h *handler) clearRefreshCookie(w http.ResponseWriter) {
	if !h.cookie.Enabled {
		return
	}
	for _, p := range cookiePaths {
		http.SetCookie(w, &http.Cookie{
			Name: h.cookie.Name, Value: "", Path: p, Domain: h.cookie.Domain, MaxAge: -1,
			HttpOnly: true, Secure: h.cookie.Secure, SameSite: h.cookie.SameSite,
		})
	}
}

func (h *handler) refreshCookie(r *http.Request) (string, bool) {
	c, err := r.Cookie(h.cookie.Name)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// cookieRequestAllowed guards cookie-authenticated requests against cross-site forgery: a form
// post from another site cannot set a JSON content type or a custom header without a CORS
// preflight, and a browser's Origin must be this server's or a listed one.
func (h *handler) cookieRequestAllowed(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "application/json") && r.Header.Get("X-Requested-With") == "" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if h.cors.listed(origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}
