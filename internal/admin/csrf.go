package admin

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// csrfField is the hidden form field carrying the token, named as Django names it.
const csrfField = "csrfmiddlewaretoken"

// maskToken turns a CSRF secret into a form token: a fresh random mask followed by the secret
// XOR the mask. Each page carries different bytes for the same secret, so a compression side
// channel (BREACH) cannot recover it; Django masks its tokens the same way.
func (p *panel) maskToken(secret []byte) (string, error) {
	mask, err := p.randomBytes(len(secret))
	if err != nil {
		return "", err
	}
	out := make([]byte, 2*len(secret))
	copy(out, mask)
	for i := range secret {
		out[len(secret)+i] = secret[i] ^ mask[i]
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// validToken reports whether a form token unmasks to the secret, comparing in constant time.
func validToken(secret []byte, token string) bool {
	if len(secret) == 0 || len(token) != base64.RawURLEncoding.EncodedLen(2*len(secret)) {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 2*len(secret) {
		return false
	}
	n := len(secret)
	got := make([]byte, n)
	for i := 0; i < n; i++ {
		got[i] = raw[i] ^ raw[n+i]
	}
	return subtle.ConstantTimeCompare(got, secret) == 1
}

// loginSecret returns the pre-session CSRF secret for the login forms (double submit: the cookie
// holds the secret, the form a masked token of it), setting the cookie when the browser has
// none or a malformed one.
func (p *panel) loginSecret(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if b, ok := parseCookieSecret(cookieValue(r, loginCSRFCookie)); ok {
		return b, nil
	}
	v, b, err := p.newCookieSecret()
	if err != nil {
		return nil, err
	}
	p.setCookie(w, r, loginCSRFCookie, v, p.now().Add(loginCSRFTTL))
	return b, nil
}

// validLoginPost reports whether a login-step POST carries a token matching its pre-session
// cookie.
func validLoginPost(r *http.Request) bool {
	b, ok := parseCookieSecret(cookieValue(r, loginCSRFCookie))
	return ok && validToken(b, r.PostFormValue(csrfField))
}
