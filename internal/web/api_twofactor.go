package web

import (
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// twoFactorFinish is POST /api/token/2fa/: the challenge and the e-mailed (or a recovery) code.
func (h *handler) twoFactorFinish() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		ch, _ := in.str("challenge", true)
		code, _ := in.str("code", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		p, err := h.svc.FinishTwoFactor(r.Context(), ch, code, h.client(r))
		if h.metrics != nil {
			h.metrics.codeResult(err)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.writePair(w, http.StatusOK, p, true)
	})
}

// twoFactorResend is POST /api/token/2fa/resend/.
func (h *handler) twoFactorResend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		ch, _ := in.str("challenge", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.ResendCode(r.Context(), ch, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, detail{Detail: challengeSent})
	})
}

// twoFactorStatusBody is GET /api/2fa/: enabled says whether logging in takes a code.
type twoFactorStatusBody struct {
	Enabled                bool   `json:"enabled"`
	Mode                   string `json:"mode"`
	RecoveryCodesRemaining int    `json:"recovery_codes_remaining"`
}

// twoFactorStatus is GET /api/2fa/.
func (h *handler) twoFactorStatus() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := h.svc.TwoFactorStatus(r.Context(), caller(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, twoFactorStatusBody{st.Enabled, st.Mode, st.RecoveryCodes})
	})
}

// challengeOnly answers /api/2fa/enable/.
type challengeOnly struct {
	Challenge string `json:"challenge"`
	Detail    string `json:"detail"`
}

// twoFactorEnable e-mails a confirmation code; /api/2fa/confirm/ with it turns two-factor on.
func (h *handler) twoFactorEnable() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := readInput(w, r); err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		id, err := h.svc.EnableTwoFactor(r.Context(), caller(r), h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, challengeOnly{id, challengeSent})
	})
}

// recoveryBody carries recovery codes, shown this once.
type recoveryBody struct {
	Enabled       bool     `json:"enabled"`
	RecoveryCodes []string `json:"recovery_codes"`
}

// twoFactorConfirm is POST /api/2fa/confirm/: the confirmation code turns two-factor on and
// returns the recovery codes.
func (h *handler) twoFactorConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		ch, _ := in.str("challenge", true)
		code, _ := in.str("code", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		codes, err := h.svc.ConfirmTwoFactor(r.Context(), caller(r), ch, code, h.client(r))
		if h.metrics != nil {
			h.metrics.codeResult(err)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, recoveryBody{true, codes})
	})
}

// twoFactorDisable is POST /api/2fa/disable/: the password, throttled like a login, since a
// stolen access token must not become a way to guess it.
func (h *handler) twoFactorDisable() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u := caller(r)
		if !h.throttle(w, r, "login", bucket{"login:acct-ip:" + normEmail(u.Email) + "|" + h.bucketAddr(r), h.rates.Login}) {
			return
		}
		pw, _ := in.str("password", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.DisableTwoFactor(r.Context(), u, pw, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		u.TwoFactorEnabled = false
		st, err := h.svc.TwoFactorStatus(r.Context(), u)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, twoFactorStatusBody{st.Enabled, st.Mode, st.RecoveryCodes})
	})
}

// recoveryCodes is POST /api/2fa/recovery-codes/: ten new codes, shown once; the old ones stop
// working. An access token alone is not enough (it may be stolen): with the password, or with
// the challenge and code of a mail that an empty request sends, the codes are replaced and the
// owner is mailed a notice.
func (h *handler) recoveryCodes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		u := caller(r)
		var p auth.Proof
		p.Password, _ = in.str("password", false)
		p.Challenge, _ = in.str("challenge", false)
		p.Code, _ = in.str("code", false)
		if p.Password == "" && (p.Challenge != "") != (p.Code != "") {
			for _, f := range []string{"challenge", "code"} {
				if _, present := in.vals[f]; !present {
					in.errs.add(f, "This field is required.")
				}
			}
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if p == (auth.Proof{}) {
			id, err := h.svc.StartRecoveryCodes(r.Context(), u, h.client(r))
			if err != nil {
				h.fail(w, r, err)
				return
			}
			noStore(w)
			writeJSON(w, http.StatusOK, challengeOnly{id, challengeSent})
			return
		}
		if p.Password != "" && !h.throttle(w, r, "login", bucket{"login:acct-ip:" + normEmail(u.Email) + "|" + h.bucketAddr(r), h.rates.Login}) {
			return
		}
		codes, err := h.svc.RegenerateRecoveryCodes(r.Context(), u, p, h.client(r))
		if h.metrics != nil && p.Password == "" {
			h.metrics.codeResult(err)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, recoveryBody{true, codes})
	})
}
