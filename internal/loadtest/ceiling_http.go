package loadtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// CeilingHandler is the throughput ceiling of a protected endpoint: a bare net/http handler
// that verifies an HS256 Bearer token with the standard library (algorithm pinned, signature,
// expiry, token type) and answers {"id": user_id}. No logging, metrics, user lookup or
// revocation check: what any Go server must do at least, so that authgate's overhead shows
// as a ratio measured on the same machine in the same run.
func CeilingHandler(key []byte, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, `{"detail":"Authentication credentials were not provided."}`, http.StatusUnauthorized)
			return
		}
		userID, ok := verifyHS256(key, tok, now())
		if !ok {
			http.Error(w, `{"detail":"Given token not valid for any token type"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			ID string `json:"id"`
		}{userID})
	})
}

// verifyHS256 checks a compact JWS signed with HS256 and returns its user_id.
func verifyHS256(key []byte, tok string, now time.Time) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if !decodeSegment(parts[0], &header) || header.Alg != "HS256" {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tok[:len(parts[0])+1+len(parts[1])]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return "", false
	}
	var c struct {
		Exp       int64  `json:"exp"`
		TokenType string `json:"token_type"`
		UserID    string `json:"user_id"`
	}
	if !decodeSegment(parts[1], &c) || c.TokenType != "access" || c.UserID == "" || now.Unix() >= c.Exp {
		return "", false
	}
	return c.UserID, true
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	return err == nil && json.Unmarshal(b, v) == nil
}

// CeilingToken mints an access token CeilingHandler accepts, valid for an hour from now.
func CeilingToken(key []byte, userID string, now time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload, _ := json.Marshal(map[string]any{"token_type": "access", "exp": now.Add(time.Hour).Unix(),
		"iat": now.Unix(), "jti": "00000000000000000000000000000000", "user_id": userID})
	input := header + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}
