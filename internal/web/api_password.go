package web

import (
	"net/http"
)

// passwordChangedBody answers a password change with the caller's fresh tokens.
type passwordChangedBody struct {
	Detail  string `json:"detail"`
	Refresh string `json:"refresh,omitempty"`
	Access  string `json:"access"`
}

// passwordChange is POST /api/password/change/: every token of the user is revoked, and the
// caller gets a fresh pair so this session carries on.
func (h *handler) passwordChange() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u := caller(r)
		if !h.throttleReauth(w, r) {
			return
		}
		oldPw, _ := in.str("old_password", true)
		newPw, _ := in.str("new_password", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		p, err := h.svc.ChangePassword(r.Context(), u, oldPw, newPw, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		if h.cookie.Enabled {
			h.setRefreshCookie(w, p.Refresh)
			if !h.cookie.BodyToo {
				p.Refresh = ""
			}
		}
		writeJSON(w, http.StatusOK, passwordChangedBody{"Password has been changed.", p.Refresh, p.Access})
	})
}

const resetSent = "If an active account uses that address, a password reset e-mail has been sent."

// passwordReset is POST /api/password/reset/: the same answer whether the address exists or not.
func (h *handler) passwordReset() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		email, _ := in.str("email", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if !h.throttle(w, r, "reset",
			bucket{"reset:ip:" + h.bucketAddr(r), h.rates.Reset},
			bucket{"reset:acct:" + normEmail(email), h.rates.Reset}) {
			return
		}
		h.svc.RequestPasswordReset(r.Context(), email, h.client(r))
		writeJSON(w, http.StatusOK, detail{Detail: resetSent})
	})
}

// passwordResetConfirm is POST /api/password/reset/confirm/: a reset token from the mail and the
// new password.
func (h *handler) passwordResetConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "reset", bucket{"reset-confirm:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		tok, _ := in.str("token", true)
		newPw, _ := in.str("new_password", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.ConfirmPasswordReset(r.Context(), tok, newPw, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, detail{Detail: "Password has been reset with the new password."})
	})
}
