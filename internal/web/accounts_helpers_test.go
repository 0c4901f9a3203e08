package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// Subjects of the account mails (Djoser's, with the site name "authgate").
const (
	subjectActivation   = "Account activation on authgate"
	subjectActivated    = "authgate - Your account has been successfully created and activated!"
	subjectSignupTaken  = "Sign-up attempt on authgate"
	subjectEmailReset   = "Username reset on authgate"
	subjectEmailChange  = "Confirm your new address on authgate"
	subjectUsernameDone = "authgate - Your username has been successfully changed!"
	subjectEmailChanged = "Your address on authgate was changed"
	subjectInvitation   = "You are invited to authgate"
)

// Djoser's fixed answers (CONTRACT "Accounts (Djoser)").
const (
	bodyNA           = `{"detail":"Authentication credentials were not provided."}`
	bodyNoAccount    = `{"detail":"No active account found with the given credentials"}`
	bodyBadToken     = `{"token":["Invalid token for given user."]}`
	bodyBadUID       = `{"uid":["Invalid user id or user doesn't exist."]}`
	bodyStale        = `{"detail":"Stale token for given user."}`
	bodyNotFound     = `{"detail":"Not found."}`
	bodyForbidden    = `{"detail":"You do not have permission to perform this action."}`
	bodyBadPassword  = `{"current_password":["Invalid password."]}`
	bodyEmailTaken   = `{"new_email":["user with this email address already exists."]}`
	bodyUserNotFound = `{"detail":"User not found","code":"user_not_found"}`
)

// accountsOpen is open sign-up with the defaults otherwise (mandatory verification, verified
// e-mail changes).
var accountsOpen = authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open"})

// djLink is a link of an account mail: the served page's path and its uid and token.
type djLink struct {
	Path, UID, Token string
}

var pageLink = regexp.MustCompile(`http://[^/\s]+(/accounts/[a-z/]+?/)([A-Za-z0-9_-]+)/([A-Za-z0-9_-]{43})/`)

// mailedLink reads the next mail to the address, checks its subject, and returns the link to
// one of authgate's pages it carries (in the text part, and the same in the HTML part).
func mailedLink(t *testing.T, e *authtest.Env, to, subject string) (djLink, mailtest.Message) {
	t.Helper()
	m := nextMail(t, e, to, subject)
	l := pageLink.FindStringSubmatch(m.Text)
	if l == nil {
		t.Fatalf("no link in the mail %q to %s:\n%s", subject, to, m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+l[0]+`"`) {
		t.Errorf("the HTML part of %q lacks the link %s", subject, l[0])
	}
	if !strings.HasPrefix(l[0], e.URL+"/accounts/") {
		t.Errorf("link %s is not under the server's public address %s", l[0], e.URL)
	}
	return djLink{Path: l[1], UID: l[2], Token: l[3]}, m
}

// uidOf is Djoser's uid of a user id.
func uidOf(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// djSignUp signs up through the API and fails unless the answer is 201.
func djSignUp(t *testing.T, e *authtest.Env, email, password string, extra ...string) authtest.Response {
	t.Helper()
	body := map[string]string{"email": email, "password": password, "re_password": password}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i]] = extra[i+1]
	}
	r := e.Post("/auth/users/", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("sign-up %s: %d %s", email, r.Status, r.Raw)
	}
	return r
}

// wantNoContent fails unless the answer is Djoser's 204: no body, no Content-Type.
func wantNoContent(t *testing.T, what string, r authtest.Response) {
	t.Helper()
	if r.Status != http.StatusNoContent || r.Raw != "" || r.Header.Get("Content-Type") != "" {
		t.Fatalf("%s: %d %q (Content-Type %q), want 204 with no body", what, r.Status, r.Raw, r.Header.Get("Content-Type"))
	}
}

// noMailTo fails if a message to the address arrives within a moment.
func noMailTo(t *testing.T, e *authtest.Env, to string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if m, err := e.Mail.WaitFor(ctx, to); err == nil {
		t.Fatalf("unexpected mail to %s: %q", to, m.Subject)
	}
}

// me reads users/me/ with an access token.
func me(e *authtest.Env, access string) authtest.Response {
	return e.Do(http.MethodGet, "/auth/users/me/", nil, authtest.Bearer(access)...)
}

// login posts to Djoser's jwt/create/.
func login(e *authtest.Env, email, password string) authtest.Response {
	return e.Post("/auth/jwt/create/", map[string]string{"email": email, "password": password})
}
