package web

import (
	"errors"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

type pairBody struct {
	Refresh string `json:"refresh,omitempty"`
	Access  string `json:"access"`
}

type refreshedBody struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh,omitempty"`
}

type challengeBody struct {
	TwoFactorRequired bool     `json:"two_factor_required"`
	Challenge         string   `json:"challenge"`
	Detail            string   `json:"detail"`
	Methods           []string `json:"methods,omitempty"`
}

const (
	challengeSent   = "A verification code was sent to your e-mail."
	challengeNoMail = "Confirm the login with your second factor."
)

// loginChallenge is the answer of a login that needs a second factor. A user who has only the
// e-mailed code (and recovery codes) gets the answer clients knew before there were several
// methods, byte for byte; "methods" appears once the user has another method, and the detail
// says a code was mailed only when one was.
func loginChallenge(res auth.LoginResult) challengeBody {
	b := challengeBody{true, res.Challenge, challengeSent, nil}
	if !res.Mailed {
		b.Detail = challengeNoMail
	}
	for _, m := range res.Methods {
		if m != auth.MethodEmail && m != auth.MethodRecovery {
			b.Methods = res.Methods
			break
		}
	}
	return b
}

// writeLogin answers a login that succeeded: the token pair, or the challenge of its second
// step (password login and an external provider's sign-in alike).
func (h *handler) writeLogin(w http.ResponseWriter, res auth.LoginResult) {
	noStore(w)
	if res.Challenge != "" {
		writeJSON(w, http.StatusOK, loginChallenge(res))
		return
	}
	h.writePair(w, http.StatusOK, res.Pair, true)
}

// obtainPair is SimpleJWT's TokenObtainPairView with e-mail login, throttling and two-factor.
func (h *handler) obtainPair() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email, pw, ok := h.credentials(w, r)
		if !ok {
			return
		}
		res, err := h.svc.Login(r.Context(), email, pw, h.client(r))
		h.countLogin(err, res.Challenge != "")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.writeLogin(w, res)
	})
}

// credentials reads and throttles the e-mail and password of a login request: per client address,
// and per account and address. The per-account ceiling across addresses is the service's budget
// of failed password checks, which every door that checks a password draws on.
func (h *handler) credentials(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	in, err := readInput(w, r)
	if err != nil {
		h.fail(w, r, err)
		return "", "", false
	}
	ip := throttleAddr(h.clientIP(r))
	if !h.throttleLogin(w, r, "per client address", bucket{"login:ip:" + ip, h.rates.Login}) {
		return "", "", false
	}
	email, _ := in.str("email", true)
	pw, _ := in.str("password", true)
	if !in.errs.empty() {
		writeFields(w, in.errs)
		return "", "", false
	}
	acct := normEmail(email)
	if !h.throttleLogin(w, r, "per account and address", bucket{"login:acct-ip:" + acct + "|" + ip, h.rates.Login}) {
		return "", "", false
	}
	return email, pw, true
}

// writePair sends tokens in the order SimpleJWT does (refresh first on login, access first on
// refresh); in cookie mode the refresh token goes into an HttpOnly cookie instead.
func (h *handler) writePair(w http.ResponseWriter, status int, p auth.Pair, login bool) {
	noStore(w)
	if h.cookie.Enabled && p.Refresh != "" {
		h.setRefreshCookie(w, p.Refresh)
		if !h.cookie.BodyToo {
			p.Refresh = ""
		}
	}
	if login {
		writeJSON(w, status, pairBody{Refresh: p.Refresh, Access: p.Access})
		return
	}
	writeJSON(w, status, refreshedBody{Access: p.Access, Refresh: p.Refresh})
}

// refresh is SimpleJWT's TokenRefreshView with atomic rotation and reuse detection; in cookie mode
// the token may come from the cookie, and a cookie whose token can never work again is cleared.
func (h *handler) refresh() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "refresh", bucket{"refresh:ip:" + throttleAddr(h.clientIP(r)), h.rates.Refresh}) {
			return
		}
		raw, ok := h.refreshFrom(w, r, in, "refresh")
		if !ok {
			return
		}
		_, fromCookie := h.cookieToken(r, in, "refresh")
		p, err := h.svc.Refresh(r.Context(), raw, h.client(r))
		h.countRefresh(err)
		if err != nil {
			if fromCookie && refreshCookieDead(err) {
				h.clearRefreshCookie(w)
			}
			h.fail(w, r, err)
			return
		}
		h.writePair(w, http.StatusOK, p, false)
	})
}

// refreshFrom takes the refresh token from the body, or in cookie mode from the cookie when the
// body has none (with the cross-site checks of cookie.go).
func (h *handler) refreshFrom(w http.ResponseWriter, r *http.Request, in *input, field string) (string, bool) {
	if raw, ok := h.cookieToken(r, in, field); ok {
		if !h.cookieRequestAllowed(r) {
			writeCSRFFailed(w)
			return "", false
		}
		return raw, true
	}
	raw, _ := in.str(field, true)
	if !in.errs.empty() {
		writeFields(w, in.errs)
		return "", false
	}
	return raw, true
}

// verify is SimpleJWT's TokenVerifyView (with the blacklist app: a blacklisted token is a 400).
func (h *handler) verify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		raw, _ := in.str("token", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		err = h.svc.Verify(r.Context(), raw)
		if errors.Is(err, auth.ErrBlacklisted) {
			fe := fieldErrors{}
			fe.add("non_field_errors", "Token is blacklisted")
			writeFields(w, fe)
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	})
}

// blacklist is SimpleJWT's TokenBlacklistView.
func (h *handler) blacklist() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		raw, ok := h.refreshFrom(w, r, in, "refresh")
		if !ok {
			return
		}
		if err := h.svc.Blacklist(r.Context(), raw, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	})
}

type slidingBody struct {
	Token string `json:"token"`
}

// obtainSliding is SimpleJWT's TokenObtainSlidingView.
func (h *handler) obtainSliding() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email, pw, ok := h.credentials(w, r)
		if !ok {
			return
		}
		tok, res, err := h.svc.ObtainSliding(r.Context(), email, pw, h.client(r))
		h.countLogin(err, res.Challenge != "")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		if res.Challenge != "" {
			writeJSON(w, http.StatusOK, loginChallenge(res))
			return
		}
		writeJSON(w, http.StatusOK, slidingBody{tok})
	})
}

// refreshSliding is SimpleJWT's TokenRefreshSlidingView.
func (h *handler) refreshSliding() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		raw, _ := in.str("token", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		tok, err := h.svc.RefreshSliding(r.Context(), raw)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, slidingBody{tok})
	})
}
