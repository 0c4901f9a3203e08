package web

// registerRoutes is the whole HTTP surface, top to bottom (CONTRACT.md). Every path also answers
// without its trailing slash; {name} is one path segment (r.PathValue). /admin/ is served by
// dispatch. Every route here has its operation in the OpenAPI document (openapi/openapi.yaml).
func (h *handler) registerRoutes() {
	// SimpleJWT's views, as the tutorial wires them.
	h.handle("POST", "/api/token/", h.obtainPair())
	h.handle("POST", "/api/token/refresh/", h.refresh())
	h.handle("POST", "/api/token/verify/", h.verify())
	h.handle("POST", "/api/token/blacklist/", h.blacklist())
	h.handle("POST", "/api/token/sliding/", h.obtainSliding())
	h.handle("POST", "/api/token/sliding/refresh/", h.refreshSliding())
	h.handle("POST", "/logout_token/", h.requireAccessToLogOut(h.logout()))
	h.handle("GET", "/api/me/", h.requireAccess(h.me()))

	// Token introspection (RFC 7662), for resource servers that must see revocations at once.
	h.handle("POST", "/api/token/introspect/", h.introspect())

	// Two-factor login by e-mailed code.
	h.handle("POST", "/api/token/2fa/", h.twoFactorFinish())
	h.handle("POST", "/api/token/2fa/resend/", h.twoFactorResend())
	h.handle("GET", "/api/2fa/", h.requireAccess(h.twoFactorStatus()))
	h.handle("POST", "/api/2fa/enable/", h.requireAccess(h.twoFactorEnable()))
	h.handle("POST", "/api/2fa/confirm/", h.requireAccess(h.twoFactorConfirm()))
	h.handle("POST", "/api/2fa/disable/", h.requireAccess(h.twoFactorDisable()))
	h.handle("POST", "/api/2fa/recovery-codes/", h.requireAccess(h.recoveryCodes()))

	// Passwords.
	h.handle("POST", "/api/password/change/", h.requireAccess(h.passwordChange()))
	h.handle("POST", "/api/password/reset/", h.passwordReset())
	h.handle("POST", "/api/password/reset/confirm/", h.passwordResetConfirm())

	// Sessions (one per refresh-token family).
	h.handle("GET", "/api/sessions/", h.requireAccess(h.sessions()))
	h.handle("DELETE", "/api/sessions/{id}/", h.requireAccess(h.revokeSession()))
	h.handle("POST", "/api/sessions/logout-others/", h.requireAccess(h.logoutOthers()))

	// Keys and discovery.
	h.handle("GET", "/.well-known/jwks.json", h.jwks())
	h.handle("GET", "/.well-known/openid-configuration", h.discovery())

	// This API, described (OpenAPI 3.1, openapi/openapi.yaml).
	h.handle("GET", "/api/schema/", h.schema())

	// Operations.
	h.handle("GET", "/healthz", h.healthz())
	h.handle("GET", "/readyz", h.readyz())
	if h.metrics != nil {
		h.handle("GET", "/metrics", h.metrics.handler())
	}
}
