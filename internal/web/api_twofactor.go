package web

import (
	"net/http"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// twoFactorFinish is POST /api/token/2fa/: the challenge and the e-mailed (or a recovery) code,
// or with "method" a code of that method (issue #16).
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
		method, _ := in.str("method", false)
		if _, present := in.vals["method"]; present && !h.svc.KnownMethod(method) {
			in.errs.add("method", `"`+method+`" is not a valid choice.`)
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		p, err := h.svc.FinishTwoFactorWith(r.Context(), ch, auth.Answer{Method: method, Code: code}, h.client(r))
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

// twoFactorStatusBody is GET /api/2fa/: enabled says whether logging in takes a second factor.
// factors lists the user's factors once they have one besides e-mailed codes; a user with
// e-mailed codes alone gets the body clients knew before there were several methods.
type twoFactorStatusBody struct {
	Enabled                bool         `json:"enabled"`
	Mode                   string       `json:"mode"`
	RecoveryCodesRemaining int          `json:"recovery_codes_remaining"`
	Factors                []factorBody `json:"factors,omitempty"`
}

// factorBody is one factor: its method, when it was set up and last used (null when unknown or
// never). No secret, ever.
type factorBody struct {
	Method     string  `json:"method"`
	CreatedAt  *string `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := djangoTime(t)
	return &s
}

func twoFactorStatusOf(st auth.TwoFactorStatus) twoFactorStatusBody {
	b := twoFactorStatusBody{st.Enabled, st.Mode, st.RecoveryCodes, nil}
	for _, f := range st.Factors {
		if f.Method != auth.MethodEmail {
			b.Factors = []factorBody{}
			break
		}
	}
	if b.Factors != nil {
		for _, f := range st.Factors {
			b.Factors = append(b.Factors, factorBody{f.Method, optTime(f.CreatedAt), optTime(f.LastUsedAt)})
		}
	}
	return b
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
		writeJSON(w, http.StatusOK, twoFactorStatusOf(st))
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
		if !h.throttleReauth(w, r) {
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
		writeJSON(w, http.StatusOK, twoFactorStatusOf(st))
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
		// A code alone is an authenticator app's (the service asks for the challenge when the
		// user has no app); a challenge always comes with the e-mailed code.
		if p.Password == "" && p.Challenge != "" && p.Code == "" {
			in.errs.add("code", "This field is required.")
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
		if p.Password != "" && !h.throttleReauth(w, r) {
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

// totpBeginBody is what a user copies into an authenticator app, shown this once.
type totpBeginBody struct {
	Secret     string `json:"secret"`
	OtpauthURI string `json:"otpauth_uri"`
	QRCode     string `json:"qr_code"`
}

// totpBegin is POST /api/2fa/totp/: the password, and the answer is a new shared key, its
// otpauth:// URI and a QR code of it. The password check is throttled like a login.
func (h *handler) totpBegin() http.Handler {
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
		pw, _ := in.str("password", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		e, err := h.svc.BeginTOTP(r.Context(), u, pw, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, totpBeginBody{e.Secret, e.URI, e.QRCode})
	})
}

// totpConfirm is POST /api/2fa/totp/confirm/: a first code of the app finishes enrolment. The
// body is the one of /api/2fa/confirm/: recovery codes when the app is the user's first factor,
// none (an empty list) when the user had codes already.
func (h *handler) totpConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		code, _ := in.str("code", true)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		codes, err := h.svc.ConfirmTOTP(r.Context(), caller(r), code, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if codes == nil {
			codes = []string{}
		}
		noStore(w)
		writeJSON(w, http.StatusOK, recoveryBody{true, codes})
	})
}

// totpDisable is POST /api/2fa/totp/disable/: the password or a code of the app removes it. A
// password is throttled like a login, a code like the other code checks.
func (h *handler) totpDisable() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u := caller(r)
		var p auth.RemoveFactorProof
		p.Password, _ = in.str("password", false)
		p.Code, _ = in.str("code", false)
		if p.Password == "" && p.Code == "" && in.errs.empty() {
			in.errs.add("non_field_errors", "Give your password or a code of the app.")
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if p.Password != "" && !h.throttleReauth(w, r) ||
			p.Password == "" && !h.throttle(w, r, "code", bucket{"code:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		if err := h.svc.DisableTOTP(r.Context(), u, p, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		st, err := h.svc.TwoFactorStatus(r.Context(), u)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, twoFactorStatusOf(st))
	})
}
