package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// codePage asks for the e-mailed code; without a pending challenge it is back to the login form.
func (p *panel) codePage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if cookieValue(r, challengeCookie) == "" {
		http.Redirect(w, r, withNext(loginPath, next), http.StatusFound)
		return
	}
	f := codeForm{Next: next, Info: msgCodeSent}
	if !p.svc.ChallengeMailed(r.Context(), cookieValue(r, challengeCookie)) {
		f.Info, f.Method = msgUseApp, auth.MethodTOTP
	}
	p.renderCode(w, r, http.StatusOK, f)
}

// codeSubmit finishes a two-factor login.
func (p *panel) codeSubmit(w http.ResponseWriter, r *http.Request) {
	challenge, f, ok := p.codeStep(w, r)
	if !ok {
		return
	}
	code := truncate(strings.TrimSpace(r.PostFormValue("code")), 64)
	if code == "" {
		f.CodeError = msgRequired
		p.renderCode(w, r, http.StatusOK, f)
		return
	}
	a := auth.Answer{Code: code}
	if r.PostFormValue("method") == auth.MethodTOTP {
		a.Method, f.Method = auth.MethodTOTP, auth.MethodTOTP
	}
	u, err := p.svc.FinishStaffTwoFactor(r.Context(), challenge, a, p.client(r))
	var ve *auth.ValidationError
	if errors.As(err, &ve) { // an app the user has not set up
		f.CodeError = strings.Join(ve.Fields["method"], " ")
		p.renderCode(w, r, http.StatusOK, f)
		return
	}
	if errors.Is(err, auth.ErrCodeInvalid) {
		f.CodeError = msgCodeInvalid
		p.renderCode(w, r, http.StatusOK, f)
		return
	}
	if err != nil {
		p.challengeFailed(w, r, err, f.Next)
		return
	}
	p.finishLogin(w, r, u, f.Next)
}

// codeResend e-mails a fresh code for the pending challenge.
func (p *panel) codeResend(w http.ResponseWriter, r *http.Request) {
	challenge, f, ok := p.codeStep(w, r)
	if !ok {
		return
	}
	err := p.svc.ResendCode(r.Context(), challenge, p.client(r))
	var th *auth.ThrottledError
	switch {
	case err == nil:
		f.Info = msgCodeResent
		p.renderCode(w, r, http.StatusOK, f)
	case errors.As(err, &th):
		n := seconds(th.RetryAfter)
		w.Header().Set("Retry-After", strconv.Itoa(n))
		f.Error = "Wait " + strconv.Itoa(n) + " seconds before asking for another code."
		p.renderCode(w, r, http.StatusTooManyRequests, f)
	case errors.Is(err, auth.ErrMailFailed):
		f.Error = msgMailFailed
		p.renderCode(w, r, http.StatusServiceUnavailable, f)
	default:
		p.challengeFailed(w, r, err, f.Next)
	}
}

// codeStep does what both code-step POSTs share: the form, its CSRF token, the pending challenge
// and the throttle. It answers and reports false when the request goes no further.
func (p *panel) codeStep(w http.ResponseWriter, r *http.Request) (string, codeForm, bool) {
	if !p.parseForm(w, r) {
		return "", codeForm{}, false
	}
	if !validLoginPost(r) {
		p.csrfFailure(w, r)
		return "", codeForm{}, false
	}
	f := codeForm{Next: safeNext(r.PostFormValue("next"))}
	challenge := cookieValue(r, challengeCookie)
	if challenge == "" {
		p.renderLogin(w, r, http.StatusOK, loginForm{Next: f.Next, Error: msgCodeGone})
		return "", f, false
	}
	wait, err := p.wait(r.Context(), "admin-code:ip:"+p.clientIP(r))
	if err != nil {
		p.internalError(w, r, err)
		return "", f, false
	}
	if wait > 0 {
		n := seconds(wait)
		w.Header().Set("Retry-After", strconv.Itoa(n))
		f.Error = "Too many attempts. Try again in " + strconv.Itoa(n) + " seconds."
		p.renderCode(w, r, http.StatusTooManyRequests, f)
		return "", f, false
	}
	return challenge, f, true
}

// challengeFailed answers an error of the code step. An expired, exhausted or unknown challenge,
// or an account whose codes are locked, ends the two-factor login: it is dropped and the login
// form shown with the reason. Anything else is a fault.
func (p *panel) challengeFailed(w http.ResponseWriter, r *http.Request, err error, next string) {
	var msg string
	status := http.StatusOK
	switch {
	case errors.Is(err, auth.ErrSecondFactorLocked):
		msg, status = msgCodesLocked, http.StatusForbidden
	case errors.Is(err, auth.ErrCodeExpired):
		msg = msgCodeExpired
	case errors.Is(err, auth.ErrTooManyAttempts):
		msg = msgCodeTooMany
	case errors.Is(err, auth.ErrChallengeInvalid):
		msg = msgCodeGone
	default:
		p.internalError(w, r, err)
		return
	}
	p.clearCookie(w, r, challengeCookie)
	p.renderLogin(w, r, status, loginForm{Next: next, Error: msg})
}
