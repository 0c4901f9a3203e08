package web

import (
	"net/http"
)

// twoFactorFinish is POST /api/token/2fa/: the challenge and the e-mailed (or a recovery) code.
func (h *handler) twoFactorFinish() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.clientIP(r), h.rates.Code}) {
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
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.clientIP(r), h.rates.Code}) {
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

type twoFactorStatusBody struct {
	Enabled                bool   `json:"enabled"`
	Mode                   string `json:"mode"`
	RecoveryCodesRemaining int    `json:"recovery_codes_remaining"`
}

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
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.clientIP(r), h.rates.Code}) {
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

type recoveryBody struct {
	Enabled       bool     `json:"enabled"`
	RecoveryCodes []string `json:"recovery_codes"`
}

func (h *handler) twoFactorConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.clientIP(r), h.rates.Code}) {
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

func (h *handler) twoFactorDisable() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		pw, _ := in.str("password", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.DisableTwoFactor(r.Context(), caller(r), pw, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, twoFactorStatusBody{Enabled: false, Mode: h.svc.Config().TwoFactor})
	})
}

func (h *handler) recoveryCodes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := readInput(w, r); err != nil {
			h.fail(w, r, err)
			return
		}
		u := caller(r)
		codes, err := h.svc.RegenerateRecoveryCodes(r.Context(), u, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, recoveryBody{u.TwoFactorEnabled, codes})
	})
}
