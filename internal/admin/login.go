package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// Messages of the login forms. A wrong password, an unknown e-mail, an inactive user and a user
// who is not staff all get msgBadLogin (no enumeration).
const (
	msgBadLogin    = "Please enter the correct email and password for a staff account."
	msgRequired    = "This field is required."
	msgBusy        = "The server is busy. Try again in a moment."
	msgMailFailed  = "The verification code could not be sent. Try again later."
	msgCodeInvalid = "That code is not valid. Check the most recent e-mail and try again."
	msgCodeExpired = "The code has expired. Log in again to get a new one."
	msgCodeTooMany = "Too many wrong codes. Log in again to get a new one."
	msgCodeGone    = "This login attempt is no longer valid. Log in again."
	msgCodeResent  = "A new code is on its way to your e-mail."
	msgCodeSent    = "We sent a verification code to your e-mail. Enter it below to finish logging in."
	msgUseApp      = "Enter the code your authenticator app shows (or a recovery code) to finish logging in."
	msgLoggedOut   = "You have been logged out."
	msgCodesLocked = "Too many wrong codes: this account no longer accepts codes. Reset your password, or ask another administrator to unlock it."
)

// loginForm is the data of the login page.
type loginForm struct {
	Email      string
	Next       string
	Error      string
	EmailError string
	PassError  string
}

// codeForm is the data of the two-factor step.
type codeForm struct {
	Next      string
	Error     string
	CodeError string
	Info      string
	Method    string // "totp" when the code is from an authenticator app
}

// loginPage shows the login form; someone already logged in goes straight on.
func (p *panel) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok, err := p.currentSession(r.Context(), r); err != nil {
		p.internalError(w, r, err)
		return
	} else if ok {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	p.renderLogin(w, r, http.StatusOK, loginForm{Next: next})
}

func (p *panel) renderLogin(w http.ResponseWriter, r *http.Request, status int, f loginForm) {
	tok, err := p.loginToken(w, r)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	if f.Next == adminPath {
		f.Next = "" // the default needs no hidden field
	}
	p.render(w, r, status, "login", &view{Title: "Log in", CSRF: tok, Data: f})
}

func (p *panel) renderCode(w http.ResponseWriter, r *http.Request, status int, f codeForm) {
	tok, err := p.loginToken(w, r)
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	if f.Next == adminPath {
		f.Next = ""
	}
	p.render(w, r, status, "code", &view{Title: "Verification code", CSRF: tok, Data: f})
}

func (p *panel) loginToken(w http.ResponseWriter, r *http.Request) (string, error) {
	secret, err := p.loginSecret(w, r)
	if err != nil {
		return "", err
	}
	return p.maskToken(secret)
}

// loginSubmit checks the credentials, throttled per client address and per e-mail like the API;
// with two-factor on it sends the code and moves to the code step.
func (p *panel) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	if !validLoginPost(r) {
		p.csrfFailure(w, r)
		return
	}
	f := loginForm{Email: truncate(strings.TrimSpace(r.PostFormValue("email")), 254), Next: safeNext(r.PostFormValue("next"))}
	pw := r.PostFormValue("password")
	if f.Email == "" || pw == "" {
		if f.Email == "" {
			f.EmailError = msgRequired
		}
		if pw == "" {
			f.PassError = msgRequired
		}
		p.renderLogin(w, r, http.StatusOK, f)
		return
	}
	ctx := r.Context()
	c := p.client(r)
	wait, err := p.wait(ctx, "admin-login:ip:"+c.IP, "admin-login:email:"+strings.ToLower(f.Email))
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	if wait > 0 {
		p.loginThrottled(w, r, f, wait)
		return
	}
	if hasControl(f.Email) {
		f.Error = msgBadLogin
		p.renderLogin(w, r, http.StatusOK, f)
		return
	}
	u, challenge, err := p.svc.StaffLogin(ctx, f.Email, pw, c)
	var th *auth.ThrottledError
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials), errors.Is(err, auth.ErrNotStaff):
		f.Error = msgBadLogin
		p.renderLogin(w, r, http.StatusOK, f)
	case errors.As(err, &th):
		p.loginThrottled(w, r, f, th.RetryAfter)
	case errors.Is(err, auth.ErrMailFailed):
		f.Error = msgMailFailed
		p.renderLogin(w, r, http.StatusServiceUnavailable, f)
	case errors.Is(err, auth.ErrSecondFactorLocked):
		f.Error = msgCodesLocked
		p.renderLogin(w, r, http.StatusForbidden, f)
	case errors.Is(err, auth.ErrBusy):
		w.Header().Set("Retry-After", "1")
		f.Error = msgBusy
		p.renderLogin(w, r, http.StatusServiceUnavailable, f)
	case err != nil:
		p.internalError(w, r, err)
	case challenge != "":
		p.setCookie(w, r, challengeCookie, challenge, p.now().Add(p.svc.Config().CodeTTL))
		http.Redirect(w, r, withNext("/admin/login/code/", f.Next), http.StatusSeeOther)
	default:
		p.finishLogin(w, r, u, f.Next)
	}
}

func (p *panel) loginThrottled(w http.ResponseWriter, r *http.Request, f loginForm, wait time.Duration) {
	n := max(1, seconds(wait))
	w.Header().Set("Retry-After", strconv.Itoa(n))
	f.Error = "Too many attempts. Try again in " + strconv.Itoa(n) + " seconds."
	p.renderLogin(w, r, http.StatusTooManyRequests, f)
}

// finishLogin starts a fresh session and goes where the user was headed.
func (p *panel) finishLogin(w http.ResponseWriter, r *http.Request, u auth.User, next string) {
	if _, err := p.startSession(r.Context(), w, r, u); err != nil {
		p.internalError(w, r, err)
		return
	}
	p.clearCookie(w, r, challengeCookie)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// withNext adds where to go after logging in to a login step's address, unless it is the default.
func withNext(path, next string) string {
	if next == adminPath {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}
