package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestAccountStory is the whole lifecycle over Djoser's API on a real server, on both
// backends, with every mail read from a real SMTP server: sign up, activate, log in, edit the
// profile, change the password and the e-mail, reset a forgotten password and address, and
// delete the account.
func TestAccountStory(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, accountsOpen)
		const email, first = "ada@example.com", "Ada"
		pw1, pw2, pw3 := "analytical engine 1843", "difference engine 1822", "bernoulli numbers 1842"

		// Sign up: 201 with Djoser's body, in its key order; the account cannot log in yet.
		r := djSignUp(t, e, "ada@EXAMPLE.com", pw1, "first_name", first, "is_staff", "true", "id", "x")
		id := r.Str("id")
		wantBody(t, "sign-up", r, 201, fmt.Sprintf(`{"first_name":"Ada","last_name":"","email":"ada@example.com","id":%q}`, id))
		wantBody(t, "login before activation", login(e, email, pw1), 401, bodyNoAccount)
		link, m := mailedLink(t, e, email, subjectActivation)
		if link.Path != "/accounts/activate/" || link.UID != uidOf(id) || !strings.Contains(m.Text, "3 days") {
			t.Fatalf("activation link %+v (uid of %s is %s)", link, id, uidOf(id))
		}

		// The link's page only shows a button: opening it (a mail scanner) activates nothing.
		page := e.Do(http.MethodGet, link.Path+link.UID+"/"+link.Token+"/", nil)
		if page.Status != 200 || !strings.Contains(page.Raw, "Activate my account") ||
			page.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(page.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("activation page: %d %v\n%s", page.Status, page.Header, page.Raw)
		}
		wantBody(t, "login after opening the link", login(e, email, pw1), 401, bodyNoAccount)

		// Activation over the API: 204, a confirmation mail; the second click is stale.
		act := map[string]string{"uid": link.UID, "token": link.Token}
		wantNoContent(t, "activation", e.Post("/auth/users/activation/", act))
		nextMail(t, e, email, subjectActivated)
		wantBody(t, "activation again", e.Post("/auth/users/activation/", act), 403, bodyStale)
		wantEvent(t, e, id, "account_activated", "")

		// Log in, twice: two sessions.
		r = login(e, email, pw1)
		refresh, access := wantTokens(t, e, "login", r, id)
		otherRefresh, otherAccess := wantTokens(t, e, "second login", login(e, email, pw1), id)
		wantBody(t, "me", me(e, access), 200, fmt.Sprintf(`{"first_name":"Ada","last_name":"","id":%q,"email":%q}`, id, email))

		// Profile: names change, the e-mail and flags are read-only.
		r = e.Do(http.MethodPatch, "/auth/users/me/", map[string]any{"last_name": "  Lovelace ", "email": "x@example.com", "is_staff": true}, authtest.Bearer(access)...)
		wantBody(t, "patch", r, 200, fmt.Sprintf(`{"first_name":"Ada","last_name":"Lovelace","id":%q,"email":%q}`, id, email))
		r = e.Do(http.MethodPut, "/auth/users/"+id+"/", map[string]string{"first_name": "Augusta Ada"}, authtest.Bearer(access)...)
		wantBody(t, "put by id", r, 200, fmt.Sprintf(`{"first_name":"Augusta Ada","last_name":"Lovelace","id":%q,"email":%q}`, id, email))
		noMailTo(t, e, email) // Djoser mails an activation link on every update; authgate does not

		// set_password: 204, a notice; the caller's session goes on, the other one ends.
		wantNoContent(t, "set_password", e.Post("/auth/users/set_password/",
			map[string]string{"new_password": pw2, "current_password": pw1, "re_new_password": "ignored"}, authtest.Bearer(access)...))
		nextMail(t, e, email, subjectPwChanged)
		if r := me(e, access); r.Status != 200 {
			t.Fatalf("the caller's access token after set_password: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/auth/jwt/refresh/", map[string]string{"refresh": refresh})
		access = r.Str("access")
		if r.Status != 200 || me(e, access).Status != 200 {
			t.Fatalf("the caller's refresh token after set_password: %d %s", r.Status, r.Raw)
		}
		if r := me(e, otherAccess); r.Status != 401 {
			t.Errorf("the other session's access token after set_password: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/auth/jwt/refresh/", map[string]string{"refresh": otherRefresh}); r.Status != 401 {
			t.Errorf("the other session's refresh token after set_password: %d %s", r.Status, r.Raw)
		}
		wantBody(t, "old password", login(e, email, pw1), 401, bodyNoAccount)
		wantTokens(t, e, "new password", login(e, email, pw2), id)

		// set_email (verify): nothing changes until the new address follows its link.
		const email2 = "ada.lovelace@example.org"
		wantNoContent(t, "set_email", e.Post("/auth/users/set_email/",
			map[string]string{"new_email": email2, "current_password": pw2}, authtest.Bearer(access)...))
		change, m := mailedLink(t, e, email2, subjectEmailChange)
		if change.Path != "/accounts/email/change/confirm/" || !strings.Contains(m.Text, email) {
			t.Fatalf("e-mail change link %+v", change)
		}
		wantBody(t, "login with the new address before it is confirmed", login(e, email2, pw2), 401, bodyNoAccount)
		wantNoContent(t, "set_email_confirm", e.Post("/auth/users/set_email_confirm/",
			map[string]string{"uid": change.UID, "token": change.Token}))
		nextMail(t, e, email2, subjectUsernameDone)
		notice := nextMail(t, e, email, subjectEmailChanged)
		if !strings.Contains(notice.Text, email2) {
			t.Errorf("the old address's notice does not name the new one:\n%s", notice.Text)
		}
		wantBody(t, "login with the old address", login(e, email, pw2), 401, bodyNoAccount)
		wantTokens(t, e, "login with the new address", login(e, email2, pw2), id)
		if r := me(e, access); r.Str("email") != email2 {
			t.Errorf("the caller's session after the e-mail change: %d %s", r.Status, r.Raw)
		}

		// reset_password: a link; the reset ends every session.
		wantNoContent(t, "reset_password", e.Post("/auth/users/reset_password/", map[string]string{"email": email2}))
		reset, m := mailedLink(t, e, email2, subjectReset)
		if reset.Path != "/accounts/password/reset/confirm/" || !strings.Contains(m.Text, "Your username, in case you've forgotten: "+email2) {
			t.Fatalf("reset mail: %+v\n%s", reset, m.Text)
		}
		confirm := map[string]string{"uid": reset.UID, "token": reset.Token, "new_password": pw3}
		wantNoContent(t, "reset_password_confirm", e.Post("/auth/users/reset_password_confirm/", confirm))
		nextMail(t, e, email2, subjectPwChanged)
		wantBody(t, "reset link again", e.Post("/auth/users/reset_password_confirm/", confirm), 400, bodyBadToken)
		if r := me(e, access); r.Status != 401 {
			t.Errorf("an access token after the reset: %d %s", r.Status, r.Raw)
		}
		wantTokens(t, e, "login after the reset", login(e, email2, pw3), id)

		// reset_email, with the served page: the link proves the address, the new one confirms.
		const email3 = "countess@example.net"
		wantNoContent(t, "reset_email", e.Post("/auth/users/reset_email/", map[string]string{"email": email2}))
		er, _ := mailedLink(t, e, email2, subjectEmailReset)
		pagePath := er.Path + er.UID + "/" + er.Token + "/"
		if r := e.Do(http.MethodGet, pagePath, nil); r.Status != 200 || !strings.Contains(r.Raw, `name="new_email"`) {
			t.Fatalf("e-mail reset page: %d %s", r.Status, r.Raw)
		}
		r = e.Do(http.MethodPost, pagePath, url.Values{"new_email": {email3}})
		if r.Status != 200 || !strings.Contains(r.Raw, "Check your inbox") {
			t.Fatalf("e-mail reset page POST: %d %s", r.Status, r.Raw)
		}
		change, _ = mailedLink(t, e, email3, subjectEmailChange)
		changePath := change.Path + change.UID + "/" + change.Token + "/"
		if r := e.Do(http.MethodGet, changePath, nil); r.Status != 200 || !strings.Contains(r.Raw, email3) {
			t.Fatalf("e-mail change page: %d %s", r.Status, r.Raw)
		}
		wantBody(t, "login before the page's button", login(e, email3, pw3), 401, bodyNoAccount)
		if r := e.Do(http.MethodPost, changePath, url.Values{}); r.Status != 200 || !strings.Contains(r.Raw, "Address changed") {
			t.Fatalf("e-mail change page POST: %d %s", r.Status, r.Raw)
		}
		nextMail(t, e, email3, subjectUsernameDone)
		nextMail(t, e, email2, subjectEmailChanged)
		refresh, access = wantTokens(t, e, "login with the third address", login(e, email3, pw3), id)

		// Delete: the password first; then every token stops at once and the login is gone.
		wantBody(t, "delete with a wrong password", e.Do(http.MethodDelete, "/auth/users/me/",
			map[string]string{"current_password": "nope"}, authtest.Bearer(access)...), 400, bodyBadPassword)
		wantNoContent(t, "delete", e.Do(http.MethodDelete, "/auth/users/me/",
			map[string]string{"current_password": pw3}, authtest.Bearer(access)...))
		wantBody(t, "access token of a deleted user", me(e, access), 401, bodyUserNotFound)
		time.Sleep(2 * auth.SessionSyncInterval) // the ended sessions are read: the answer stays
		wantBody(t, "access token of a deleted user, later", me(e, access), 401, bodyUserNotFound)
		if r := e.Post("/auth/jwt/refresh/", map[string]string{"refresh": refresh}); r.Status != 401 {
			t.Errorf("refresh token of a deleted user: %d %s", r.Status, r.Raw)
		}
		wantBody(t, "login of a deleted user", login(e, email3, pw3), 401, bodyNoAccount)
		if _, err := e.App.DB.UserByID(t.Context(), id); err == nil {
			t.Error("the user row is still there")
		}
		if n := countEvents(t, e, "account_deleted", "refresh tokens blacklisted", 1); n != 1 {
			t.Errorf("%d account_deleted events, want 1", n)
		}
		assertNoSecret(t, e, pw1, pw2, pw3, link.Token, reset.Token, er.Token, change.Token)
	})
}
