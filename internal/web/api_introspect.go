package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/authgate/authgate/internal/auth"
)

// introspectionBody is RFC 7662's answer: {"active": false} alone for a token that is not, the
// token's claims for one that is. token_type is the token's SimpleJWT type (access, refresh,
// sliding); user_id repeats sub under SimpleJWT's claim name; username is the e-mail.
type introspectionBody struct {
	Active    bool            `json:"active"`
	TokenType string          `json:"token_type,omitempty"`
	Sub       string          `json:"sub,omitempty"`
	UserID    string          `json:"user_id,omitempty"`
	Username  string          `json:"username,omitempty"`
	Exp       int64           `json:"exp,omitempty"`
	Iat       int64           `json:"iat,omitempty"`
	JTI       string          `json:"jti,omitempty"`
	SID       string          `json:"sid,omitempty"`
	Iss       json.RawMessage `json:"iss,omitempty"`
	Aud       json.RawMessage `json:"aud,omitempty"`
}

// oauthError is RFC 6749's error body, which OAuth clients of this endpoint understand.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// introspect is POST /api/token/introspect/ (RFC 7662): a resource server, authenticated with
// HTTP Basic as one of AUTHGATE_INTROSPECTION_CLIENTS, asks whether a token is active now.
func (h *handler) introspect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.introspectionClient(r) {
			if !h.throttle(w, r, "introspect", bucket{"introspect:ip:" + h.bucketAddr(r), h.rates.Login}) {
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="authgate token introspection", charset="UTF-8"`)
			writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "Client authentication failed."})
			return
		}
		raw, _ := in.str("token", true)
		if !in.errs.empty() {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "The token parameter is required."})
			return
		}
		res, err := h.svc.Introspect(r.Context(), raw)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, introspection(res))
	})
}

func introspection(res auth.Introspection) introspectionBody {
	if !res.Active {
		return introspectionBody{}
	}
	c := res.Claims
	b := introspectionBody{Active: true, TokenType: string(c.Type), Sub: res.User.ID, UserID: res.User.ID,
		Username: res.User.Email, Exp: c.ExpiresAt.Unix(), JTI: c.JTI, SID: c.SessionID}
	if !c.IssuedAt.IsZero() {
		b.Iat = c.IssuedAt.Unix()
	}
	b.Iss, _ = c.Get("iss")
	b.Aud, _ = c.Get("aud")
	return b
}

// introspectionClient checks the request's HTTP Basic credentials against the configured
// clients, in constant time whether the client id is known or not. Per RFC 6749 2.3.1 the id
// and secret are form-urlencoded inside the Basic credentials.
func (h *handler) introspectionClient(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	want, known := h.introClients[id]
	got := sha256.Sum256([]byte(secret))
	if !known {
		want = sha256.Sum256([]byte("no such client")) // the same work for an unknown id
	}
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1 && known
}
