package admin

import (
	"net/http"
	"time"
)

// The panel's cookies. All are HttpOnly and SameSite=Lax, scoped to the panel's path, and Secure
// behind TLS or when configured (CONTRACT: Admin panel).
const (
	sessionCookie   = "authgate_admin_session" // the session secret; the store keeps its hash
	loginCSRFCookie = "authgate_admin_csrf"    // pre-session CSRF secret for the login forms
	challengeCookie = "authgate_admin_2fa"     // the opaque two-factor challenge between login steps
	flashCookie     = "authgate_admin_flash"   // a one-time message for the next page, signed
)

const (
	adminPath = "/admin/"
	loginPath = "/admin/login/"
	// loginCSRFTTL bounds how long a login form may sit open before it must be reloaded.
	loginCSRFTTL = 2 * time.Hour
)

// setCookie writes a panel cookie that expires at the given instant (zero: at the end of the
// browser session).
func (p *panel) setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	c := &http.Cookie{
		Name: name, Value: value, Path: adminPath, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || p.secure,
	}
	if !expires.IsZero() {
		c.Expires = expires.UTC()
		c.MaxAge = max(1, int(expires.Sub(p.now()).Seconds()))
	}
	http.SetCookie(w, c)
}

// clearCookie tells the browser to drop a panel cookie.
func (p *panel) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: adminPath, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || p.secure,
	})
}

// cookieValue returns a cookie's value, or "" when the request has none.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
