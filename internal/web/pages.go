package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// accountPages is where the pages account mails link to live, when the operator configured no
// frontend page for them (AUTHGATE_ACTIVATION_URL and its kin are empty). Each page's GET shows
// what will happen and a form; only the form's POST acts, because mail scanners and link
// previews open links and must not use tokens up.
const accountPages = "/accounts/"

// Paths of the pages, as link templates with Djoser's {uid} and {token}.
const (
	pageActivation    = accountPages + "activate/{uid}/{token}/"
	pagePasswordReset = accountPages + "password/reset/confirm/{uid}/{token}/"
	pageEmailReset    = accountPages + "email/reset/confirm/{uid}/{token}/"
	pageEmailChange   = accountPages + "email/change/confirm/{uid}/{token}/"
	pageInvitation    = accountPages + "invitation/{token}/"
)

// ServedLinks are the links to authgate's own account pages, under its public address
// (https://auth.example.com, no trailing slash).
func ServedLinks(publicURL string) auth.Links {
	return auth.Links{
		Activation: publicURL + pageActivation, PasswordReset: publicURL + pagePasswordReset,
		EmailReset: publicURL + pageEmailReset, EmailChange: publicURL + pageEmailChange,
		Invitation: publicURL + pageInvitation,
	}
}

//go:embed pages/page.html pages/pages.css
var pageFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(pageFiles, "pages/page.html"))

// pageCSP lets the pages load their own stylesheet and post their forms to themselves, and
// nothing else; they are never framed (a one-button page invites clickjacking).
const pageCSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageData is what page.html shows: a title, notes, and a form when there is something to do.
type pageData struct {
	Site  string
	Title string
	Kind  string // of the notes: "", "success" or "error"
	Notes []string
	Form  *pageForm
}

type pageForm struct {
	Errors []string
	Fields []pageField
	Button string
}

type pageField struct {
	Name, Label, Type, Value, Autocomplete string
	Required, ReadOnly                     bool
	Errors                                 []string
}

// pageHandlers are one page's GET (show) and POST (act).
type pageHandlers struct {
	get, post http.HandlerFunc
}

// page registers a page at pattern, with and without its trailing slash.
func (h *handler) page(pattern string, p pageHandlers) {
	bare := pattern[:len(pattern)-1]
	for _, pat := range []string{pattern + "{$}", bare} {
		h.pages.Handle("GET "+pat, p.get)
		h.pages.Handle("POST "+pat, p.post)
	}
}

// renderPage writes a page with the headers every account page carries: the URL holds a
// token, so no Referer leaves it and nothing caches it.
func (h *handler) renderPage(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	d.Site = h.svc.Config().Accounts.SiteName
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		h.log.ErrorContext(r.Context(), "account page not rendered", "request_id", requestID(r), "err", err)
		status, b = http.StatusInternalServerError, *bytes.NewBufferString("A server error occurred.")
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Robots-Tag", "noindex, nofollow")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (h *handler) pageStyle() http.Handler {
	css, _ := pageFiles.ReadFile("pages/pages.css")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(css)
	})
}

func (h *handler) pageNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderPage(w, r, http.StatusNotFound, pageData{Title: "Page not found", Kind: "error",
			Notes: []string{"There is no page at this address."}})
	})
}

// pageFailed answers a fault that is not the visitor's (storage down, mail not sent).
func (h *handler) pageFailed(w http.ResponseWriter, r *http.Request, title string, err error) {
	msg := "Something went wrong on our side. Please try again in a moment."
	if errors.Is(err, auth.ErrMailFailed) {
		msg = "The e-mail could not be sent. Please try again in a moment."
	} else {
		h.log.ErrorContext(r.Context(), "account page failed", "request_id", requestID(r), "path", r.URL.Path, "err", err)
	}
	h.renderPage(w, r, http.StatusServiceUnavailable, pageData{Title: title, Kind: "error", Notes: []string{msg}})
}

// pageThrottled answers a POST over its rate.
func (h *handler) pageAllowed(w http.ResponseWriter, r *http.Request, title, kind string, b bucket) bool {
	wait, err := h.allow(r.Context(), b)
	if err == nil && wait == 0 {
		return true
	}
	if err != nil {
		h.pageFailed(w, r, title, err)
		return false
	}
	if h.metrics != nil {
		h.metrics.throttled.WithLabelValues(kind).Inc()
	}
	h.renderPage(w, r, http.StatusTooManyRequests, pageData{Title: title, Kind: "error",
		Notes: []string{"Too many attempts from your address. Please wait a while and try again."}})
	return false
}

const linkInvalid = "This link is invalid, was used already, or has expired."

// invalidLink reports whether err is a refusal of the link itself (uid or token).
func invalidLink(err error) bool {
	var ve *auth.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, f := range []string{"uid", "token", "non_field_errors"} {
		if _, ok := ve.Fields[f]; ok {
			return true
		}
	}
	return false
}

// fieldMessages returns the messages of one field of a validation error.
func fieldMessages(err error, field string) []string {
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields[field]
	}
	return nil
}

func (h *handler) tokenThrottle(r *http.Request) bucket {
	return bucket{"account-token:ip:" + h.bucketAddr(r), h.rates.Code}
}

// activationPage is the activation link's page: a button that activates.
func (h *handler) activationPage() pageHandlers {
	const title = "Activate your account"
	form := &pageForm{Button: "Activate my account"}
	return pageHandlers{
		get: func(w http.ResponseWriter, r *http.Request) {
			h.renderPage(w, r, http.StatusOK, pageData{Title: title, Form: form,
				Notes: []string{"Press the button to activate your account and verify your e-mail address."}})
		},
		post: func(w http.ResponseWriter, r *http.Request) {
			if !h.pageAllowed(w, r, title, "code", h.tokenThrottle(r)) {
				return
			}
			err := h.svc.Activate(r.Context(), r.PathValue("uid"), r.PathValue("token"), h.client(r))
			switch {
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Your account is active", Kind: "success",
					Notes: []string{"Your e-mail address is verified. You can sign in now."}})
			case errors.Is(err, auth.ErrStaleToken):
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Already active", Kind: "success",
					Notes: []string{"This account was activated already. You can sign in."}})
			case invalidLink(err):
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Kind: "error", Notes: []string{
					linkInvalid, "Sign up again with the same address, or ask for a new activation e-mail, to get a new link."}})
			default:
				h.pageFailed(w, r, title, err)
			}
		},
	}
}

// passwordResetPage is the password reset link's page: a new password, twice.
func (h *handler) passwordResetPage() pageHandlers {
	const title = "Choose a new password"
	form := func(errs []string, pwErrs []string) *pageForm {
		return &pageForm{Errors: errs, Button: "Change my password", Fields: []pageField{
			{Name: "new_password", Label: "New password", Type: "password", Autocomplete: "new-password", Required: true, Errors: pwErrs},
			{Name: "re_new_password", Label: "New password again", Type: "password", Autocomplete: "new-password", Required: true},
		}}
	}
	return pageHandlers{
		get: func(w http.ResponseWriter, r *http.Request) {
			h.renderPage(w, r, http.StatusOK, pageData{Title: title, Form: form(nil, nil)})
		},
		post: func(w http.ResponseWriter, r *http.Request) {
			if !h.pageAllowed(w, r, title, "code", h.tokenThrottle(r)) {
				return
			}
			pw, again := r.PostFormValue("new_password"), r.PostFormValue("re_new_password")
			if pw == "" || pw != again {
				msg := "The two password fields didn't match."
				if pw == "" {
					msg = "Type the new password in both fields."
				}
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Form: form([]string{msg}, nil)})
				return
			}
			err := h.svc.ConfirmPasswordResetUID(r.Context(), r.PathValue("uid"), r.PathValue("token"), pw, h.client(r))
			switch {
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Password changed", Kind: "success", Notes: []string{
					"Your password was changed and every session was signed out. Sign in with the new password."}})
			case fieldMessages(err, "new_password") != nil:
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Form: form(nil, fieldMessages(err, "new_password"))})
			case invalidLink(err):
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Kind: "error", Notes: []string{
					linkInvalid, "Ask for a new password reset e-mail to get a new link."}})
			default:
				h.pageFailed(w, r, title, err)
			}
		},
	}
}

// emailResetPage is the e-mail (Djoser's "username") reset link's page: a new address.
func (h *handler) emailResetPage() pageHandlers {
	const title = "Choose a new e-mail address"
	form := func(value string, errs []string) *pageForm {
		return &pageForm{Button: "Use this address", Fields: []pageField{
			{Name: "new_email", Label: "New e-mail address", Type: "email", Autocomplete: "email", Required: true, Value: value, Errors: errs},
		}}
	}
	return pageHandlers{
		get: func(w http.ResponseWriter, r *http.Request) {
			h.renderPage(w, r, http.StatusOK, pageData{Title: title, Form: form("", nil)})
		},
		post: func(w http.ResponseWriter, r *http.Request) {
			if !h.pageAllowed(w, r, title, "code", h.tokenThrottle(r)) {
				return
			}
			email := r.PostFormValue("new_email")
			err := h.svc.ConfirmEmailReset(r.Context(), r.PathValue("uid"), r.PathValue("token"), email, h.client(r))
			switch {
			case err == nil && h.svc.Config().Accounts.EmailChange == auth.EmailChangeImmediate:
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Address changed", Kind: "success",
					Notes: []string{"You sign in as " + email + " from now on."}})
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Check your inbox", Kind: "success", Notes: []string{
					"A confirmation link was sent to " + email + ". The address changes when it is followed."}})
			case fieldMessages(err, "new_email") != nil:
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Form: form(email, fieldMessages(err, "new_email"))})
			case invalidLink(err):
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Kind: "error", Notes: []string{linkInvalid}})
			default:
				h.pageFailed(w, r, title, err)
			}
		},
	}
}

// emailChangePage is the page of the link mailed to a new address: it shows the address and
// a button that confirms it.
func (h *handler) emailChangePage() pageHandlers {
	const title = "Confirm your new address"
	return pageHandlers{
		get: func(w http.ResponseWriter, r *http.Request) {
			email, err := h.svc.PendingEmail(r.Context(), r.PathValue("uid"), r.PathValue("token"))
			switch {
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: title,
					Notes: []string{"Press the button to sign in as " + email + " from now on."},
					Form:  &pageForm{Button: "Confirm " + email}})
			case invalidLink(err):
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Kind: "error", Notes: []string{linkInvalid}})
			default:
				h.pageFailed(w, r, title, err)
			}
		},
		post: func(w http.ResponseWriter, r *http.Request) {
			if !h.pageAllowed(w, r, title, "code", h.tokenThrottle(r)) {
				return
			}
			email, _ := h.svc.PendingEmail(r.Context(), r.PathValue("uid"), r.PathValue("token"))
			err := h.svc.ConfirmEmailChange(r.Context(), r.PathValue("uid"), r.PathValue("token"), h.client(r))
			switch {
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Address changed", Kind: "success",
					Notes: []string{"You sign in as " + email + " from now on."}})
			case fieldMessages(err, "new_email") != nil:
				h.renderPage(w, r, http.StatusConflict, pageData{Title: title, Kind: "error",
					Notes: []string{"Another account uses " + email + " now, so the address was not changed."}})
			case invalidLink(err):
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Kind: "error", Notes: []string{linkInvalid}})
			default:
				h.pageFailed(w, r, title, err)
			}
		},
	}
}

// invitationPage is the invitation link's page: names and a password, and the account exists.
func (h *handler) invitationPage() pageHandlers {
	const title = "Create your account"
	form := func(email string, r *http.Request, errs []string, fe map[string][]string) *pageForm {
		v := func(name string) string {
			if r.Method == http.MethodPost {
				return r.PostFormValue(name)
			}
			return ""
		}
		return &pageForm{Errors: errs, Button: "Create my account", Fields: []pageField{
			{Name: "email", Label: "E-mail address", Value: email, ReadOnly: true},
			{Name: "first_name", Label: "First name", Type: "text", Autocomplete: "given-name", Value: v("first_name"), Errors: fe["first_name"]},
			{Name: "last_name", Label: "Last name", Type: "text", Autocomplete: "family-name", Value: v("last_name"), Errors: fe["last_name"]},
			{Name: "password", Label: "Password", Type: "password", Autocomplete: "new-password", Required: true, Errors: fe["password"]},
			{Name: "re_password", Label: "Password again", Type: "password", Autocomplete: "new-password", Required: true},
		}}
	}
	invalid := pageData{Title: title, Kind: "error", Notes: []string{
		"This invitation is invalid, was used already, or has expired. Ask for a new one."}}
	return pageHandlers{
		get: func(w http.ResponseWriter, r *http.Request) {
			email, err := h.svc.InvitedEmail(r.Context(), r.PathValue("token"))
			switch {
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: title, Form: form(email, r, nil, nil)})
			case errors.Is(err, auth.ErrNotFound):
				h.renderPage(w, r, http.StatusBadRequest, invalid)
			default:
				h.pageFailed(w, r, title, err)
			}
		},
		post: func(w http.ResponseWriter, r *http.Request) {
			if !h.pageAllowed(w, r, title, throttleSignup, bucket{"signup:ip:" + h.bucketAddr(r), h.rates.Signup}) {
				return
			}
			tok := r.PathValue("token")
			email, err := h.svc.InvitedEmail(r.Context(), tok)
			if errors.Is(err, auth.ErrNotFound) {
				h.renderPage(w, r, http.StatusBadRequest, invalid)
				return
			}
			if err != nil {
				h.pageFailed(w, r, title, err)
				return
			}
			pw := r.PostFormValue("password")
			if pw == "" || pw != r.PostFormValue("re_password") {
				msg := "The two password fields didn't match."
				if pw == "" {
					msg = "Type a password in both fields."
				}
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Form: form(email, r, []string{msg}, nil)})
				return
			}
			_, err = h.svc.SignUp(r.Context(), auth.SignUpRequest{Email: email, Password: pw,
				FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"), Invitation: tok}, h.client(r))
			var ve *auth.ValidationError
			switch {
			case err == nil:
				h.renderPage(w, r, http.StatusOK, pageData{Title: "Your account is ready", Kind: "success",
					Notes: []string{"You can sign in as " + email + " now."}})
			case errors.As(err, &ve) && ve.Fields["invitation"] != nil:
				h.renderPage(w, r, http.StatusBadRequest, invalid)
			case errors.Is(err, auth.ErrSignupClosed):
				h.renderPage(w, r, http.StatusForbidden, pageData{Title: title, Kind: "error",
					Notes: []string{"Sign-up is closed on this site."}})
			case errors.As(err, &ve):
				h.renderPage(w, r, http.StatusBadRequest, pageData{Title: title, Form: form(email, r, nil, ve.Fields)})
			default:
				h.pageFailed(w, r, title, err)
			}
		},
	}
}
