package web

// registerRoutes is the whole HTTP surface, top to bottom (CONTRACT.md). Every path also answers
// without its trailing slash; {name} is one path segment (r.PathValue). /admin/ and the
// /accounts/ pages are served by dispatch. Every route here has its operation in the OpenAPI
// document (openapi/openapi.yaml).
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
	h.handle("POST", "/api/2fa/totp/", h.requireAccess(h.totpBegin()))
	h.handle("POST", "/api/2fa/totp/confirm/", h.requireAccess(h.totpConfirm()))
	h.handle("POST", "/api/2fa/totp/disable/", h.requireAccess(h.totpDisable()))

	// Passwords.
	h.handle("POST", "/api/password/change/", h.requireAccess(h.passwordChange()))
	h.handle("POST", "/api/password/reset/", h.passwordReset())
	h.handle("POST", "/api/password/reset/confirm/", h.passwordResetConfirm())

	// Djoser's accounts API (CONTRACT "Accounts (Djoser)") under its prefix, /auth/ by default;
	// jwt/… are SimpleJWT's views again, as djoser.urls.jwt has them.
	dj := h.djoser
	h.handle("POST", dj+"users/", h.djSignUp())
	h.handle("GET", dj+"users/", h.requireAccess(h.djList()))
	h.handle("GET", dj+"users/me/", h.requireAccess(h.djMe()))
	h.handle("PUT", dj+"users/me/", h.requireAccess(h.djUpdate()))
	h.handle("PATCH", dj+"users/me/", h.requireAccess(h.djUpdate()))
	h.handle("DELETE", dj+"users/me/", h.requireAccess(h.djDelete()))
	h.handle("GET", dj+"users/{id}/", h.requireAccess(h.djMe()))
	h.handle("PUT", dj+"users/{id}/", h.requireAccess(h.djUpdate()))
	h.handle("PATCH", dj+"users/{id}/", h.requireAccess(h.djUpdate()))
	h.handle("DELETE", dj+"users/{id}/", h.requireAccess(h.djDelete()))
	h.handle("POST", dj+"users/activation/", h.djActivation())
	h.handle("POST", dj+"users/resend_activation/", h.djResendActivation())
	h.handle("POST", dj+"users/set_password/", h.requireAccess(h.djSetPassword()))
	h.handle("POST", dj+"users/reset_password/", h.djResetPassword())
	h.handle("POST", dj+"users/reset_password_confirm/", h.djResetPasswordConfirm())
	h.handle("POST", dj+"users/set_email/", h.requireAccess(h.djSetEmail()))
	h.handle("POST", dj+"users/set_email_confirm/", h.djSetEmailConfirm())
	h.handle("POST", dj+"users/reset_email/", h.djResetEmail())
	h.handle("POST", dj+"users/reset_email_confirm/", h.djResetEmailConfirm())
	h.handle("POST", dj+"jwt/create/", h.obtainPair())
	h.handle("POST", dj+"jwt/refresh/", h.refresh())
	h.handle("POST", dj+"jwt/verify/", h.verify())

	// The pages account mails link to when no frontend URL is configured (pages.go): a GET
	// shows what will happen, only the form's POST acts (mail scanners open links).
	h.page("/accounts/activate/{uid}/{token}/", h.activationPage())
	h.page("/accounts/password/reset/confirm/{uid}/{token}/", h.passwordResetPage())
	h.page("/accounts/email/reset/confirm/{uid}/{token}/", h.emailResetPage())
	h.page("/accounts/email/change/confirm/{uid}/{token}/", h.emailChangePage())
	h.page("/accounts/invitation/{token}/", h.invitationPage())
	h.pages.Handle("GET /accounts/static/pages.css", h.pageStyle())
	h.pages.Handle("/", h.pageNotFound())

	// Sessions (one per refresh-token family).
	h.handle("GET", "/api/sessions/", h.requireAccess(h.sessions()))
	h.handle("DELETE", "/api/sessions/{id}/", h.requireAccess(h.revokeSession()))
	h.handle("POST", "/api/sessions/logout-others/", h.requireAccess(h.logoutOthers()))

	// Sign-in with external identity providers (issue #19; docs/social-login.md), and the
	// caller's linked identities.
	h.handle("GET", "/api/oauth/providers/", h.oauthProviders())
	h.handle("GET", "/api/oauth/{provider}/start/", h.oauthStart())
	h.handle("GET", "/api/oauth/{provider}/callback/", h.oauthCallback())
	h.handle("POST", "/api/oauth/token/", h.oauthToken())
	h.handle("GET", "/api/identities/", h.requireAccess(h.identities()))
	h.handle("POST", "/api/identities/{provider}/link/", h.requireAccess(h.linkIdentity()))
	h.handle("DELETE", "/api/identities/{id}/", h.requireAccess(h.unlinkIdentity()))

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
