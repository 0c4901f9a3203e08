package web

import (
	"context"
	"net/http"
	"time"
)

type healthBody struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

// healthz answers while the process serves; it touches nothing else.
func (h *handler) healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, healthBody{"ok", h.version})
	})
}

type readyBody struct {
	Status  string `json:"status"`
	Storage string `json:"storage"`
}

// readyz answers 200 only when storage answers within a second, so a load balancer stops sending
// traffic to an instance that would fail closed anyway.
func (h *handler) readyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := h.svc.Ready(ctx); err != nil {
			h.log.WarnContext(r.Context(), "not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, readyBody{"unavailable", "unreachable"})
			return
		}
		writeJSON(w, http.StatusOK, readyBody{"ok", "ok"})
	})
}

// jwks serves the public verification keys (asymmetric algorithms only; a shared secret is never
// published).
func (h *handler) jwks() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := h.svc.Tokens().JWKS()
		if !ok {
			writeDetail(w, http.StatusNotFound, "Not found.")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc)
	})
}

type discoveryBody struct {
	Issuer                string   `json:"issuer,omitempty"`
	JWKSURI               string   `json:"jwks_uri,omitempty"`
	TokenEndpoint         string   `json:"token_endpoint"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuth     []string `json:"token_endpoint_auth_methods_supported"`
	GrantTypes            []string `json:"grant_types_supported"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	IntrospectionEndpoint string   `json:"introspection_endpoint"`
}

// discovery serves the OpenID discovery fields that apply to authgate.
func (h *handler) discovery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" && h.trustedPeer(r) {
			base = "https://" + r.Host
		}
		tm := h.svc.Tokens()
		b := discoveryBody{
			Issuer: tm.Issuer(), TokenEndpoint: base + "/api/token/", SigningAlgs: tm.Algorithms(),
			TokenEndpointAuth: []string{"none"}, GrantTypes: []string{"password", "refresh_token"},
			RevocationEndpoint: base + "/api/token/blacklist/", IntrospectionEndpoint: base + "/api/token/verify/",
		}
		if b.Issuer == "" {
			b.Issuer = base
		}
		if _, ok := tm.JWKS(); ok {
			b.JWKSURI = base + "/.well-known/jwks.json"
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		writeJSON(w, http.StatusOK, b)
	})
}
