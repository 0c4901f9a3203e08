package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// jwksMaxAge is how long verifiers may cache the key set. A verifier that meets an unknown kid
// refetches anyway (jwtauth does), so a new signing key is picked up without waiting for it.
const jwksMaxAge = "public, max-age=300"

// jwks serves the public verification keys (RFC 7517 §5) with a strong ETag, so that verifiers
// revalidate cheaply. With only HMAC keys it is 404: a shared secret is never published.
func (h *handler) jwks() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := h.svc.Tokens().JWKS()
		if !ok {
			writeDetail(w, http.StatusNotFound, "Not found.")
			return
		}
		sum := sha256.Sum256(doc)
		etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
		hd := w.Header()
		hd.Set("Cache-Control", jwksMaxAge)
		hd.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		hd.Set("Content-Type", "application/json")
		hd.Set("Content-Length", strconv.Itoa(len(doc)))
		_, _ = w.Write(doc)
	})
}

// etagMatch implements If-None-Match's weak comparison (RFC 9110 §13.1.2): "*" or any listed tag
// equal to etag once a W/ prefix is dropped.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

type discoveryBody struct {
	Issuer                string   `json:"issuer"`
	JWKSURI               string   `json:"jwks_uri,omitempty"`
	TokenEndpoint         string   `json:"token_endpoint"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuth     []string `json:"token_endpoint_auth_methods_supported"`
	GrantTypes            []string `json:"grant_types_supported"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	IntrospectionEndpoint string   `json:"introspection_endpoint"`
}

// discovery serves the OpenID discovery fields that apply to authgate. When the configured
// issuer is an http(s) URL the endpoints are under it, as RFC 8414 §3 has them; otherwise they
// are under the address the request came to.
func (h *handler) discovery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tm := h.svc.Tokens()
		base := strings.TrimSuffix(tm.Issuer(), "/")
		if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			base = "http://" + r.Host
			if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" && h.trustedPeer(r) {
				base = "https://" + r.Host
			}
		}
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
		w.Header().Set("Cache-Control", jwksMaxAge)
		writeJSON(w, http.StatusOK, b)
	})
}
