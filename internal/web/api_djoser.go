package web

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/throttle"
)

// Djoser's endpoints (CONTRACT "Accounts (Djoser)"), on the same Service as authgate's own
// routes. Each handler reads its fields in the order of Djoser's serializer, so that field
// errors come out in DRF's order, and answers 204 with no body where Djoser does.

// createdUserBody is Djoser's UserCreateSerializer: REQUIRED_FIELDS, then LOGIN_FIELD, then
// USER_ID_FIELD (DRF renders fields in declaration order).
type createdUserBody struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	ID        string `json:"id"`
}

// userBody is Djoser's UserSerializer: REQUIRED_FIELDS, USER_ID_FIELD, LOGIN_FIELD.
type userBody struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	ID        string `json:"id"`
	Email     string `json:"email"`
}

func userJSON(u auth.User) userBody {
	return userBody{FirstName: u.FirstName, LastName: u.LastName, ID: u.ID, Email: u.Email}
}

// usersPage is GET users/ for staff beyond djoserListLimit users, or when asked for a page.
type usersPage struct {
	Count   int        `json:"count"`
	Next    *string    `json:"next"`
	Results []userBody `json:"results"`
}

// djoserListLimit is the most users GET users/ answers as Djoser's plain list; beyond it (or
// with ?cursor= or ?page_size=) the answer is a usersPage.
const djoserListLimit = 100

// noContent is Djoser's 204: no body and no Content-Type.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

const (
	msgPermission  = "You do not have permission to perform this action."
	msgPwMismatch  = "The two password fields didn't match."
	throttleSignup = "signup"
)

var (
	nameField     = charField{allowBlank: true, maxLength: auth.MaxNameLength}
	passwordField = charField{required: true, keepSpace: true} // authgate's login does not trim either
	tokenField    = charField{required: true}
)

// djSignUp is POST users/ (Djoser's UserCreatePasswordRetypeSerializer): fields, then the
// password policy with the new user's attributes, then the retype; an address in use answers
// like a new one (auth.SignUp).
func (h *handler) djSignUp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mode := h.svc.Config().Accounts.Signup
		if mode == auth.SignupClosed {
			writeDetail(w, http.StatusForbidden, msgPermission)
			return
		}
		if !h.throttle(w, r, throttleSignup, bucket{"signup:ip:" + h.bucketAddr(r), h.rates.Signup}) {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		first, _ := in.char("first_name", nameField)
		last, _ := in.char("last_name", nameField)
		email, _, _ := in.emailField("email", true, auth.ValidEmailDjango, nil)
		pw, _ := in.char("password", passwordField)
		re, _ := in.char("re_password", passwordField)
		invitation, _ := in.char("invitation", charField{required: mode == auth.SignupInvite})
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if !h.throttle(w, r, throttleSignup, bucket{"signup:acct:" + normEmail(email), h.rates.Signup}) {
			return
		}
		attrs := auth.PasswordAttrs{FirstName: first, LastName: last, Email: email}
		if err := h.svc.CheckNewPassword(pw, attrs, "password"); err != nil {
			h.fail(w, r, err)
			return
		}
		if pw != re {
			in.errs.add("non_field_errors", msgPwMismatch)
			writeFields(w, in.errs)
			return
		}
		u, err := h.svc.SignUp(r.Context(), auth.SignUpRequest{Email: email, Password: pw, FirstName: first,
			LastName: last, Invitation: invitation}, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusCreated, createdUserBody{u.FirstName, u.LastName, u.Email, u.ID})
	})
}

// djList is GET users/: the caller alone (HIDE_USERS), or every user for staff: Djoser's plain
// list up to djoserListLimit users, a page with a cursor beyond.
func (h *handler) djList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		cursor, paged := q.Get("cursor"), q.Has("cursor") || q.Has("page_size")
		after := ""
		if cursor != "" {
			b, err := base64.RawURLEncoding.DecodeString(cursor)
			if err != nil {
				writeDetail(w, http.StatusNotFound, "Invalid cursor")
				return
			}
			after = string(b)
		}
		size := djoserListLimit
		if v := q.Get("page_size"); v != "" {
			n := 0
			for _, c := range v {
				if c < '0' || c > '9' || n > djoserListLimit {
					n = djoserListLimit + 1
					break
				}
				n = n*10 + int(c-'0')
			}
			if n >= 1 && n <= djoserListLimit {
				size = n
			}
		}
		u := caller(r)
		users, total, err := h.svc.Accounts(r.Context(), u, after, size+1)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		if !paged && total <= djoserListLimit && len(users) <= djoserListLimit {
			out := make([]userBody, 0, len(users))
			for _, x := range users {
				out = append(out, userJSON(x))
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		page := usersPage{Count: total, Results: make([]userBody, 0, size)}
		if len(users) > size {
			users = users[:size]
			next := h.publicURL + h.djoser + "users/?" + url.Values{
				"cursor":    {base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(users[size-1].Email)))},
				"page_size": {strconv.Itoa(size)},
			}.Encode()
			page.Next = &next
		}
		for _, x := range users {
			page.Results = append(page.Results, userJSON(x))
		}
		writeJSON(w, http.StatusOK, page)
	})
}

// djUserTarget resolves users/me/ or users/{id}/ to an account the caller may see.
func (h *handler) djUserTarget(w http.ResponseWriter, r *http.Request) (auth.User, bool) {
	u := caller(r)
	id := r.PathValue("id")
	if id == "" {
		return u, true
	}
	t, err := h.svc.AccountFor(r.Context(), u, id)
	if err != nil {
		h.fail(w, r, err)
		return auth.User{}, false
	}
	return t, true
}

// djMe is GET users/me/ and users/{id}/.
func (h *handler) djMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := h.djUserTarget(w, r)
		if !ok {
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, userJSON(t))
	})
}

// djUpdate is PUT and PATCH users/me/ and users/{id}/: the names (both optional even for PUT;
// the e-mail, id and flags are read-only and ignored, as Djoser's serializer has them).
// Djoser also mails an activation link on every update; authgate does not (an active account
// has nothing to activate).
func (h *handler) djUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := h.djUserTarget(w, r)
		if !ok {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		var ch auth.ProfileChange
		if v, ok := in.char("first_name", nameField); ok {
			ch.FirstName = &v
		}
		if v, ok := in.char("last_name", nameField); ok {
			ch.LastName = &v
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		u, err := h.svc.UpdateProfile(r.Context(), caller(r), t, ch, h.client(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		noStore(w)
		writeJSON(w, http.StatusOK, userJSON(u))
	})
}

// reauth reads current_password (REQ, blank) and checks it through the Service, recording
// Djoser's "Invalid password." in the field's place. The check runs once per request, under
// the caller's login throttle.
func (h *handler) reauth(w http.ResponseWriter, r *http.Request, in *input) (auth.Reauthenticated, bool) {
	pw, ok := in.char("current_password", passwordField)
	if !ok {
		return auth.Reauthenticated{}, true
	}
	p, err := h.svc.Reauthenticate(r.Context(), caller(r), pw, h.client(r))
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		in.errs.add("current_password", ve.Fields["current_password"][0])
		return auth.Reauthenticated{}, true
	}
	if err != nil {
		h.fail(w, r, err)
		return auth.Reauthenticated{}, false
	}
	return p, true
}

// throttleReauth applies the login rate per account and client address to every password check
// of a logged-in caller: password change, two-factor and app changes, Djoser's current_password.
func (h *handler) throttleReauth(w http.ResponseWriter, r *http.Request) bool {
	return h.throttle(w, r, "login", bucket{"login:acct-ip:" + normEmail(caller(r).Email) + "|" + h.bucketAddr(r), h.rates.Login})
}

// djDelete is DELETE users/me/ and users/{id}/ with the caller's current_password: another
// user's account is 403 unless the caller is staff (a superuser's: unless a superuser), an
// unknown one 404.
func (h *handler) djDelete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := caller(r)
		target := u
		if id := r.PathValue("id"); id != "" {
			t, err := h.svc.UserByID(r.Context(), id)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if !auth.CanDelete(u, t) {
				writeDetail(w, http.StatusForbidden, msgPermission)
				return
			}
			target = t
		}
		if !h.throttleReauth(w, r) {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p, ok := h.reauth(w, r, in)
		if !ok {
			return
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.DeleteAccount(r.Context(), p, u, target, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		if target.ID == u.ID {
			h.clearRefreshCookie(w)
		}
		noContent(w)
	})
}

// djActivation is POST users/activation/.
func (h *handler) djActivation() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, tok, ok := h.uidToken(w, r, nil)
		if !ok {
			return
		}
		if err := h.svc.Activate(r.Context(), uid, tok, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	})
}

// uidToken reads a uid and token (and, with more, further fields) under the per-address
// throttle of codes, since a token is a secret one could try to guess.
func (h *handler) uidToken(w http.ResponseWriter, r *http.Request, more func(in *input)) (string, string, bool) {
	if !h.throttle(w, r, "code", bucket{"account-token:ip:" + h.bucketAddr(r), h.rates.Code}) {
		return "", "", false
	}
	in, err := readInput(w, r)
	if err != nil {
		h.fail(w, r, err)
		return "", "", false
	}
	uid, _ := in.char("uid", tokenField)
	tok, _ := in.char("token", tokenField)
	if more != nil {
		more(in)
	}
	if !in.errs.empty() {
		writeFields(w, in.errs)
		return "", "", false
	}
	return uid, tok, true
}

// djResendActivation is POST users/resend_activation/: 204 whatever the address (Djoser answers
// 400 with no body for an unknown or active one, which tells who has an account).
func (h *handler) djResendActivation() http.Handler {
	return h.emailRequest(throttleSignup, "signup", h.rates.Signup, func(r *http.Request, email string) {
		h.svc.ResendActivation(r.Context(), email, h.client(r))
	})
}

// djResetPassword is POST users/reset_password/: 204 whatever the address.
func (h *handler) djResetPassword() http.Handler {
	return h.emailRequest("reset", "reset", h.rates.Reset, func(r *http.Request, email string) {
		h.svc.RequestPasswordReset(r.Context(), email, h.client(r))
	})
}

// djResetEmail is POST users/reset_email/: 204 whatever the address.
func (h *handler) djResetEmail() http.Handler {
	return h.emailRequest("reset", "reset-email", h.rates.Reset, func(r *http.Request, email string) {
		h.svc.RequestEmailReset(r.Context(), email, h.client(r))
	})
}

// emailRequest is a Djoser endpoint taking one e-mail (SendEmailResetSerializer): throttled
// per client address, then per address; the answer is 204 whatever happens next.
func (h *handler) emailRequest(kind, key string, rate throttle.Rate, do func(*http.Request, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.throttle(w, r, kind, bucket{key + ":ip:" + h.bucketAddr(r), rate}) {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		email, _, _ := in.emailField("email", true, auth.ValidEmailDjango, nil)
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if !h.throttle(w, r, kind, bucket{key + ":acct:" + normEmail(email), rate}) {
			return
		}
		do(r, email)
		noContent(w)
	})
}

// djSetPassword is POST users/set_password/ (SetPasswordSerializer: new_password, then
// current_password; the policy with the caller's attributes only when both are right).
// Every other session of the caller ends; theirs goes on (Djoser answers no new tokens).
func (h *handler) djSetPassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.throttleReauth(w, r) {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		newPw, _ := in.char("new_password", passwordField)
		p, ok := h.reauth(w, r, in)
		if !ok {
			return
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.SetOwnPassword(r.Context(), p, caller(r), newPw, callerSession(r), h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	})
}

// djResetPasswordConfirm is POST users/reset_password_confirm/.
func (h *handler) djResetPasswordConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var newPw string
		uid, tok, ok := h.uidToken(w, r, func(in *input) { newPw, _ = in.char("new_password", passwordField) })
		if !ok {
			return
		}
		if err := h.svc.ConfirmPasswordResetUID(r.Context(), uid, tok, newPw, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	})
}

// djSetEmail is POST users/set_email/ (SetUsernameSerializer: current_password, then
// new_email, which must be free, the caller's own address included).
func (h *handler) djSetEmail() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := caller(r)
		if !h.throttleReauth(w, r) ||
			!h.throttle(w, r, "reset", bucket{"set-email:acct:" + u.ID, h.rates.Reset}) {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p, ok := h.reauth(w, r, in)
		if !ok {
			return
		}
		email, _, err := in.emailField("new_email", true, auth.ValidEmailDjango, h.emailTaken(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		if err := h.svc.SetEmail(r.Context(), p, u, email, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	})
}

func (h *handler) emailTaken(r *http.Request) func(string) (bool, error) {
	return func(e string) (bool, error) { return h.svc.EmailTaken(r.Context(), e) }
}

// djResetEmailConfirm is POST users/reset_email_confirm/. Djoser's serializer declares only
// new_email as a field (uid and token are read from the raw body), so only it can be
// "required", and a missing uid is Django's "“” is not a valid UUID.".
func (h *handler) djResetEmailConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.throttle(w, r, "code", bucket{"account-token:ip:" + h.bucketAddr(r), h.rates.Code}) {
			return
		}
		in, err := readInput(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		email, _, err := in.emailField("new_email", true, auth.ValidEmailDjango, h.emailTaken(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !in.errs.empty() {
			writeFields(w, in.errs)
			return
		}
		uid, _ := in.vals["uid"].(string)
		tok, _ := in.vals["token"].(string)
		if err := h.svc.ConfirmEmailReset(r.Context(), uid, tok, email, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	})
}

// djSetEmailConfirm is POST users/set_email_confirm/ (authgate's, for a frontend page behind
// AUTHGATE_EMAIL_CHANGE_CONFIRM_URL): the uid and token of the link mailed to a new address.
func (h *handler) djSetEmailConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, tok, ok := h.uidToken(w, r, nil)
		if !ok {
			return
		}
		if err := h.svc.ConfirmEmailChange(r.Context(), uid, tok, h.client(r)); err != nil {
			h.fail(w, r, err)
			return
		}
		noContent(w)
	})
}
