package jwtauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Authenticate reads the request's Authorization header as SimpleJWT does and verifies its
// token. A header whose scheme is not one of AuthHeaderTypes counts as none (ErrNoCredentials),
// so that another authentication scheme may handle it.
func (v *Verifier) Authenticate(r *http.Request) (*Claims, error) {
	parts := strings.Fields(r.Header.Get("Authorization"))
	if len(parts) == 0 || !slices.Contains(v.cfg.AuthHeaderTypes, parts[0]) {
		return nil, ErrNoCredentials
	}
	if len(parts) != 2 {
		return nil, ErrBadHeader
	}
	return v.Verify(r.Context(), parts[1])
}

// Middleware lets through requests with a valid access token, their claims in the context
// ([UserID], [ClaimsFrom]), and answers the others as authgate's protected endpoints do: 401
// with SimpleJWT's bodies and WWW-Authenticate, or 503 when the key set cannot be fetched.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := v.Authenticate(r)
		if err != nil {
			writeError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), c)))
	})
}

type message struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

type errorBody struct {
	Detail   string    `json:"detail"`
	Code     string    `json:"code,omitempty"`
	Messages []message `json:"messages,omitempty"`
}

// writeError answers err in the contract's shape ("Protected endpoints").
func writeError(w http.ResponseWriter, err error) {
	status, body := http.StatusUnauthorized, errorBody{}
	var e Error
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		status, body.Detail = http.StatusServiceUnavailable, "Authentication keys are unavailable; try again later."
		w.Header().Set("Retry-After", "5")
	case errors.Is(err, ErrIntrospectionUnavailable):
		status, body.Detail = http.StatusServiceUnavailable, "Authentication service is unavailable; try again later."
		w.Header().Set("Retry-After", "5")
	case errors.Is(err, ErrNoCredentials):
		body.Detail = ErrNoCredentials.Error()
	case errors.Is(err, ErrBadHeader):
		body.Detail, body.Code = ErrBadHeader.Error(), "bad_authorization_header"
	case errors.Is(err, ErrNoUser):
		body.Detail, body.Code = ErrNoUser.Error(), "token_not_valid"
	case errors.As(err, &e):
		body.Detail, body.Code = "Given token not valid for any token type", "token_not_valid"
		body.Messages = []message{{TokenClass: "AccessToken", TokenType: "access", Message: e.Error()}}
	default:
		body.Detail, body.Code = "Given token not valid for any token type", "token_not_valid"
		body.Messages = []message{{TokenClass: "AccessToken", TokenType: "access", Message: ErrInvalid.Error()}}
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
