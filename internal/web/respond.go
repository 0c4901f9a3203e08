package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// detail is DRF's error body; Code is set for SimpleJWT's errors.
type detail struct {
	Detail   string        `json:"detail"`
	Code     string        `json:"code,omitempty"`
	Messages []tokenReason `json:"messages,omitempty"`
}

// tokenReason is one entry of SimpleJWT's "messages" list.
type tokenReason struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

// writeJSON sends v as compact JSON, as DRF's JSONRenderer does. Bodies of the hot paths
// (jsonAppender) write themselves; the rest go through encoding/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b []byte
	if a, ok := v.(jsonAppender); ok {
		b = a.appendJSON(make([]byte, 0, 320))
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"detail":"A server error occurred."}`)
		}
		b = bytes.TrimRight(buf.Bytes(), "\n")
	}
	writeBody(w, status, b)
}

// writeBody sends b, a JSON document, with the headers every API answer carries.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, detail{Detail: msg})
}

func writeFields(w http.ResponseWriter, fe fieldErrors) {
	writeJSON(w, http.StatusBadRequest, fe)
}

// throttled writes DRF's 429 with Retry-After in whole seconds.
func throttled(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	writeDetail(w, http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d %s.", secs, unit))
}

// fail maps a domain error to its status and body, once for the whole API (STYLE 5). Anything it
// does not know is a storage or server fault: logged with the request id, answered 503 so that a
// client never takes it for a verdict on its credentials (fail closed).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var te *auth.TokenError
	var ve *auth.ValidationError
	var th *auth.ThrottledError
	var eb *errBody
	switch {
	case errors.As(err, &eb):
		if eb.fields != nil {
			writeFields(w, *eb.fields)
			return
		}
		writeDetail(w, eb.status, eb.detail)
	case errors.As(err, &ve):
		fe := fieldErrors{}
		order := ve.Order
		if len(order) != len(ve.Fields) {
			order = sortedFields(ve.Fields)
		}
		for _, f := range order {
			for _, m := range ve.Fields[f] {
				fe.add(f, m)
			}
		}
		writeFields(w, fe)
	case errors.As(err, &th):
		throttled(w, th.RetryAfter)
	case errors.As(err, &te):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: te.Message, Code: "token_not_valid"})
	case errors.Is(err, auth.ErrSignupClosed), errors.Is(err, auth.ErrForbidden):
		writeDetail(w, http.StatusForbidden, "You do not have permission to perform this action.")
	case errors.Is(err, auth.ErrStaleToken):
		writeDetail(w, http.StatusForbidden, "Stale token for given user.")
	case errors.Is(err, auth.ErrInvalidCredentials):
		writeDetail(w, http.StatusUnauthorized, "No active account found with the given credentials")
	case errors.Is(err, auth.ErrNoActiveAccount):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "No active account found for the given token.", Code: "no_active_account"})
	case errors.Is(err, auth.ErrChallengeInvalid):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "The verification challenge is invalid or was already used.", Code: "challenge_invalid"})
	case errors.Is(err, auth.ErrCodeInvalid):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "The verification code is invalid.", Code: "code_invalid"})
	case errors.Is(err, auth.ErrCodeExpired):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "The verification code has expired.", Code: "code_expired"})
	case errors.Is(err, auth.ErrSecondFactorLocked):
		writeJSON(w, http.StatusForbidden, detail{Detail: "Too many wrong codes. Codes are refused for this account until its password is reset or an administrator unlocks it.", Code: "second_factor_locked"})
	case errors.Is(err, auth.ErrTooManyAttempts):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "Too many attempts. Log in again to get a new code.", Code: "too_many_attempts"})
	case errors.Is(err, auth.ErrMailFailed):
		h.log.ErrorContext(r.Context(), "mail delivery failed", "request_id", requestID(r), "err", err)
		writeDetail(w, http.StatusServiceUnavailable, "The e-mail could not be sent. Try again later.")
	case errors.Is(err, auth.ErrNotFound):
		writeDetail(w, http.StatusNotFound, "Not found.")
	case errors.Is(err, auth.ErrBusy):
		w.Header().Set("Retry-After", "1")
		writeDetail(w, http.StatusServiceUnavailable, "Service temporarily unavailable.")
	default:
		h.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "path", r.URL.Path, "err", err)
		writeDetail(w, http.StatusServiceUnavailable, "Service temporarily unavailable.")
	}
}

func sortedFields(m map[string][]string) []string {
	// A stable order for bodies built from a map: the usual field order first, then the rest.
	pref := []string{"email", "password", "old_password", "new_password", "token", "challenge", "code", "non_field_errors"}
	out := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, f := range pref {
		if _, ok := m[f]; ok {
			out = append(out, f)
			seen[f] = true
		}
	}
	for f := range m {
		if !seen[f] {
			out = append(out, f)
		}
	}
	return out
}

// authFail writes SimpleJWT's JWTAuthentication answers for a refused Bearer token.
func (h *handler) authFail(w http.ResponseWriter, r *http.Request, err error) {
	var te *auth.TokenError
	switch {
	case errors.As(err, &te):
		writeJSON(w, http.StatusUnauthorized, detail{
			Detail: "Given token not valid for any token type", Code: "token_not_valid",
			Messages: []tokenReason{{TokenClass: "AccessToken", TokenType: "access", Message: te.Message}},
		})
	case errors.Is(err, auth.ErrTokenNoUser):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "Token contained no recognizable user identification", Code: "token_not_valid"})
	case errors.Is(err, auth.ErrUserNotFound):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "User not found", Code: "user_not_found"})
	case errors.Is(err, auth.ErrUserInactive):
		writeJSON(w, http.StatusUnauthorized, detail{Detail: "User is inactive", Code: "user_inactive"})
	default:
		h.fail(w, r, err)
	}
}
