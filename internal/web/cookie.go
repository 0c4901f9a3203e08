package web

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// Cookie mode (opt-in, like dj-rest-auth's JWT_AUTH_REFRESH_COOKIE): the refresh token lives in an
// HttpOnly cookie, so page scripts never see it, scoped to the path trees that read it (the token
// endpoints, logout, and the sessions list, which marks the caller's own login with it). The
// paths have no trailing slash so that /logout_token and /api/token/refresh, which answer too
// (CONTRACT), also receive it (RFC 6265 section 5.1.4: "/logout_token" path-matches
// "/logout_token" and "/logout_token/", never "/logout_tokens").
const (
	tokenCookiePath    = "/api/token"
	logoutCookiePath   = "/logout_token"
	sessionsCookiePath = "/api/sessions"
)

func refreshCookiePaths() [3]string {
	return [3]string{tokenCookiePath, logoutCookiePath, sessionsCookiePath}
}

// setRefreshCookie stores a refresh token in the browser for as long as the token lives.
func (h *handler) setRefreshCookie(w http.ResponseWriter, raw string) {
	for _, p := range refreshCookiePaths() {
		http.SetCookie(w, &http.Cookie{
			Name: h.cookie.Name, Value: raw, Path: p, Domain: h.cookie.Domain,
			MaxAge: int(h.svc.Tokens().RefreshLifetime().Seconds()), HttpOnly: true,
			Secure: h.cookie.Secure, SameSite: h.cookie.SameSite,
		})
	}
}

// clearRefreshCookie expires the cookie under every path it was set with (a cookie is only
// replaced by one with the same name, domain and path).
func (h *handler) clearRefreshCookie(w http.ResponseWriter) {
	if !h.cookie.Enabled {
		return
	}
	for _, p := range refreshCookiePaths() {
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

// cookieToken returns the refresh token of the cookie when cookie mode is on and the body has no
// such field: a token in the body always wins.
func (h *handler) cookieToken(r *http.Request, in *input, field string) (string, bool) {
	if !h.cookie.Enabled {
		return "", false
	}
	if _, sent := in.vals[field]; sent {
		return "", false
	}
	return h.refreshCookie(r)
}

// cookieRequestAllowed guards cookie-authenticated requests against cross-site forgery (OWASP
// CSRF cheat sheet: custom request headers, Origin verification, Fetch metadata). A cross-site
// form or no-cors fetch cannot send a JSON content type or a custom header without a CORS
// preflight, which only listed origins pass; a browser's Origin must be this server's own or a
// listed one; and a request the browser marks cross-site is refused whatever it carries.
func (h *handler) cookieRequestAllowed(r *http.Request) bool {
	if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")
	if !isJSON && r.Header.Get("X-Requested-With") == "" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser, or a same-origin GET/HEAD (never a POST in today's browsers)
	}
	if h.cors.listed(origin) {
		return true
	}
	_, host, ok := splitOrigin(strings.ToLower(origin))
	return ok && host == strings.ToLower(r.Host)
}

// refreshCookieDead reports whether a refresh that failed with err proves the cookie's token can
// never work again, so the answer should clear it. A blacklisted token does not: when two tabs
// refresh with one cookie at once, the loser's answer may arrive after the winner's new cookie,
// and clearing would log the browser out of a live session.
func refreshCookieDead(err error) bool {
	var te *auth.TokenError
	if errors.As(err, &te) {
		return !errors.Is(err, auth.ErrBlacklisted)
	}
	return errors.Is(err, auth.ErrNoActiveAccount)
}

// writeCSRFFailed is the answer to a cookie request cookieRequestAllowed refused.
func writeCSRFFailed(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, detail{
		Detail: "CSRF Failed: cookie-based requests must be same-site JSON requests.", Code: "csrf_failed"})
}
