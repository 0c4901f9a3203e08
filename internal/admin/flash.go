package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// flashTTL is how long a one-time message waits for the page after a redirect.
const flashTTL = time.Minute

// setFlash leaves a message for the next page this session sees (after POST-redirect-GET). It is
// signed with the session's CSRF secret, so a cookie set by anyone else is ignored.
func (p *panel) setFlash(w http.ResponseWriter, r *http.Request, s *staffSession, msg string) {
	body := base64.RawURLEncoding.EncodeToString([]byte(msg))
	p.setCookie(w, r, flashCookie, body+"."+flashMAC(s.csrf, body), p.now().Add(flashTTL))
}

// takeFlash returns the pending message, if any, and clears it.
func (p *panel) takeFlash(w http.ResponseWriter, r *http.Request, s *staffSession) string {
	v := cookieValue(r, flashCookie)
	if v == "" {
		return ""
	}
	p.clearCookie(w, r, flashCookie)
	body, mac, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(flashMAC(s.csrf, body))) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return ""
	}
	return string(msg)
}

func flashMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("flash:"))
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
