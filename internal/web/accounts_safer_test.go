package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestSignUpNoEnumeration: signing up with an address in use answers as a new sign-up does (201,
// the same shape and headers, a fresh id), changes nothing, and tells the owner by mail;
// resend_activation answers 204 whatever the address (issue 14 item 3; Djoser answers 400).
func TestSignUpNoEnumeration(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, accountsOpen)
		alice := e.CreateUser("alice@example.com", pw, func(n *auth.NewUser) { n.FirstName = "Alice" })

		fresh := djSignUp(t, e, "new@example.com", "a fresh passphrase 1", "first_name", "Nia")
		taken := djSignUp(t, e, "Alice@EXAMPLE.com", "a fresh passphrase 1", "first_name", "Nia")
		if got, want := headerNames(taken.Header), headerNames(fresh.Header); !slices.Equal(got, want) {
			t.Errorf("headers of a taken address %v, of a new one %v", got, want)
		}
		wantBody(t, "taken address", taken, 201,
			fmt.Sprintf(`{"first_name":"Nia","last_name":"","email":"Alice@example.com","id":%q}`, taken.Str("id")))
		if id := taken.Str("id"); id == alice.ID || id == fresh.Str("id") || len(id) != 36 {
			t.Errorf("the answer for a taken address has id %q (alice %s)", id, alice.ID)
		}
		nextMail(t, e, "new@example.com", subjectActivation)
		notice := nextMail(t, e, "alice@example.com", subjectSignupTaken)
		if !strings.Contains(notice.Text, "Hello Alice") || strings.Contains(notice.Text, "a fresh passphrase") {
			t.Errorf("the owner's notice:\n%s", notice.Text)
		}
		noMailTo(t, e, "alice@example.com")
		wantTokens(t, e, "the owner's password still works", login(e, "alice@example.com", pw), alice.ID)
		wantBody(t, "the sign-up's password does not", login(e, "alice@example.com", "a fresh passphrase 1"), 401, bodyNoAccount)
		if u, _ := e.App.DB.UserByID(t.Context(), alice.ID); u.FirstName != "Alice" {
			t.Errorf("the taken account changed: %+v", u)
		}
		wantEvent(t, e, alice.ID, "signup_existing_address", "")

		// A weak password is refused the same for both: the check comes before the lookup.
		for _, addr := range []string{"alice@example.com", "other@example.com"} {
			wantBody(t, "weak password for "+addr, e.Post("/auth/users/", map[string]string{"email": addr, "password": "12345678", "re_password": "12345678"}),
				400, `{"password":["This password is too common.","This password is entirely numeric."]}`)
		}

		// resend_activation: 204 for unknown, active and pending addresses; only pending gets mail.
		var first authtest.Response
		for i, addr := range []string{"new@example.com", "alice@example.com", "nobody@example.com"} {
			r := e.Post("/auth/users/resend_activation/", map[string]string{"email": addr})
			wantNoContent(t, "resend to "+addr, r)
			if i == 0 {
				first = r
			} else if got, want := headerNames(r.Header), headerNames(first.Header); !slices.Equal(got, want) {
				t.Errorf("resend to %s: headers %v, want %v", addr, got, want)
			}
		}
		again, _ := mailedLink(t, e, "new@example.com", subjectActivation)
		noMailTo(t, e, "alice@example.com")
		noMailTo(t, e, "nobody@example.com")
		wantNoContent(t, "activation with the resent link", e.Post("/auth/users/activation/", map[string]string{"uid": again.UID, "token": again.Token}))
	})
}

// TestAccountTokens: each link serves its purpose only, once, for its lifetime, and dies when
// the password or the address changes (Djoser's one token generator serves all purposes and
// lives through activation).
func TestAccountTokens(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open",
			"AUTHGATE_EMAIL_VERIFICATION": "optional", "AUTHGATE_ACTIVATION_TOKEN_LIFETIME": "2h"}))
		id := djSignUp(t, e, "t@example.com", pw).Str("id")
		act, _ := mailedLink(t, e, "t@example.com", subjectActivation)
		wantTokens(t, e, "optional verification: login before activation", login(e, "t@example.com", pw), id)

		wantNoContent(t, "reset_password", e.Post("/auth/users/reset_password/", map[string]string{"email": "t@example.com"}))
		reset, _ := mailedLink(t, e, "t@example.com", subjectReset)
		wantNoContent(t, "reset_email", e.Post("/auth/users/reset_email/", map[string]string{"email": "t@example.com"}))
		er, _ := mailedLink(t, e, "t@example.com", subjectEmailReset)

		// Purpose: every token at every other door is invalid.
		for name, tok := range map[string]string{"activation": act.Token, "e-mail reset": er.Token} {
			wantBody(t, name+" token resets a password", e.Post("/auth/users/reset_password_confirm/",
				map[string]string{"uid": uidOf(id), "token": tok, "new_password": "a new passphrase 7"}), 400, bodyBadToken)
		}
		for name, tok := range map[string]string{"reset": reset.Token, "e-mail reset": er.Token} {
			wantBody(t, name+" token activates", e.Post("/auth/users/activation/", map[string]string{"uid": uidOf(id), "token": tok}), 400, bodyBadToken)
			wantBody(t, name+" token confirms an address", e.Post("/auth/users/set_email_confirm/", map[string]string{"uid": uidOf(id), "token": tok}), 400, bodyBadToken)
		}
		wantBody(t, "a reset token at the authgate route is still one", resetConfirm(e, act.Token, "a new passphrase 7"), 400, bodyResetBad)

		// Lifetimes: the reset link lives 30 minutes, the activation link (here) two hours.
		e.Clock.Advance(30*time.Minute + time.Second)
		wantBody(t, "expired reset link", e.Post("/auth/users/reset_password_confirm/",
			map[string]string{"uid": reset.UID, "token": reset.Token, "new_password": "a new passphrase 7"}), 400, bodyBadToken)
		e.Clock.Advance(90 * time.Minute)
		wantBody(t, "expired activation link", e.Post("/auth/users/activation/", map[string]string{"uid": act.UID, "token": act.Token}), 400, bodyBadToken)
		if u, _ := e.App.DB.UserByID(t.Context(), id); !u.VerifiedAt.IsZero() {
			t.Fatal("an expired link verified the address")
		}

		// A password change kills every pending link.
		wantNoContent(t, "resend", e.Post("/auth/users/resend_activation/", map[string]string{"email": "t@example.com"}))
		act, _ = mailedLink(t, e, "t@example.com", subjectActivation)
		wantNoContent(t, "reset_password", e.Post("/auth/users/reset_password/", map[string]string{"email": "t@example.com"}))
		reset, _ = mailedLink(t, e, "t@example.com", subjectReset)
		_, access := wantTokens(t, e, "login", login(e, "t@example.com", pw), id)
		wantNoContent(t, "set_password", e.Post("/auth/users/set_password/",
			map[string]string{"new_password": "another passphrase 9", "current_password": pw}, authtest.Bearer(access)...))
		nextMail(t, e, "t@example.com", subjectPwChanged)
		wantBody(t, "reset link after set_password", e.Post("/auth/users/reset_password_confirm/",
			map[string]string{"uid": reset.UID, "token": reset.Token, "new_password": "a new passphrase 7"}), 400, bodyBadToken)
		wantBody(t, "activation link after set_password", e.Post("/auth/users/activation/", map[string]string{"uid": act.UID, "token": act.Token}), 400, bodyBadToken)

		// An address change kills them too; optional verification: activation verifies only.
		wantNoContent(t, "reset_password", e.Post("/auth/users/reset_password/", map[string]string{"email": "t@example.com"}))
		reset, _ = mailedLink(t, e, "t@example.com", subjectReset)
		wantNoContent(t, "set_email", e.Post("/auth/users/set_email/",
			map[string]string{"new_email": "t2@example.com", "current_password": "another passphrase 9"}, authtest.Bearer(access)...))
		change, _ := mailedLink(t, e, "t2@example.com", subjectEmailChange)
		wantNoContent(t, "set_email_confirm", e.Post("/auth/users/set_email_confirm/", map[string]string{"uid": change.UID, "token": change.Token}))
		wantBody(t, "reset link after the address changed", e.Post("/auth/users/reset_password_confirm/",
			map[string]string{"uid": reset.UID, "token": reset.Token, "new_password": "a new passphrase 7"}), 400, bodyBadToken)
		wantBody(t, "e-mail change link used twice", e.Post("/auth/users/set_email_confirm/", map[string]string{"uid": change.UID, "token": change.Token}), 400, bodyBadToken)
		if u, _ := e.App.DB.UserByID(t.Context(), id); u.VerifiedAt.IsZero() || u.Email != "t2@example.com" {
			t.Errorf("a confirmed address counts as verified: %+v", u)
		}
		assertNoSecret(t, e, act.Token, reset.Token, er.Token, change.Token)
	})
}

// TestActivationNeverUndoesDeactivation: an administrator's deactivation stands whatever
// activation link the user holds or asks for.
func TestActivationNeverUndoesDeactivation(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open", "AUTHGATE_EMAIL_VERIFICATION": "optional"}))
		id := djSignUp(t, e, "d@example.com", pw).Str("id")
		act, _ := mailedLink(t, e, "d@example.com", subjectActivation)
		u, err := e.App.DB.UserByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		u.IsActive = false
		if err := e.App.Service.UpdateUser(t.Context(), u, "", auth.Client{IP: "admin"}); err != nil {
			t.Fatal(err)
		}
		wantBody(t, "activation of a deactivated account", e.Post("/auth/users/activation/", map[string]string{"uid": act.UID, "token": act.Token}), 403, bodyStale)
		wantNoContent(t, "resend", e.Post("/auth/users/resend_activation/", map[string]string{"email": "d@example.com"}))
		noMailTo(t, e, "d@example.com")
		wantBody(t, "login", login(e, "d@example.com", pw), 401, bodyNoAccount)

		// Mandatory verification: an administrator who activates a pending account verifies it.
		e2 := authtest.Start(t, b, accountsOpen)
		id = djSignUp(t, e2, "p@example.com", pw).Str("id")
		act, _ = mailedLink(t, e2, "p@example.com", subjectActivation)
		u, _ = e2.App.DB.UserByID(t.Context(), id)
		u.IsActive = true
		if err := e2.App.Service.UpdateUser(t.Context(), u, "", auth.Client{IP: "admin"}); err != nil {
			t.Fatal(err)
		}
		if u, _ = e2.App.DB.UserByID(t.Context(), id); u.ActivationPending || u.VerifiedAt.IsZero() {
			t.Errorf("an account the administrator activated: %+v", u)
		}
		wantBody(t, "the link after the administrator's activation", e2.Post("/auth/users/activation/", map[string]string{"uid": act.UID, "token": act.Token}), 403, bodyStale)
	})
}

var invitationLink = regexp.MustCompile(`http://[^/\s]+/accounts/invitation/([A-Za-z0-9_-]{43})/`)

// TestSignUpModes: AUTHGATE_SIGNUP and AUTHGATE_EMAIL_VERIFICATION.
func TestSignUpModes(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		t.Run("closed by default", func(t *testing.T) {
			e := authtest.Start(t, b)
			wantBody(t, "sign-up", e.Post("/auth/users/", map[string]string{"email": "c@example.com", "password": pw, "re_password": pw}), 403, bodyForbidden)
			if n, _ := e.App.DB.CountUsers(t.Context()); n != 0 {
				t.Errorf("%d users after a closed sign-up", n)
			}
		})
		t.Run("no verification", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open", "AUTHGATE_EMAIL_VERIFICATION": "none"}))
			id := djSignUp(t, e, "n@example.com", pw).Str("id")
			nextMail(t, e, "n@example.com", subjectActivated)
			wantTokens(t, e, "login at once", login(e, "n@example.com", pw), id)
			wantNoContent(t, "resend", e.Post("/auth/users/resend_activation/", map[string]string{"email": "n@example.com"}))
			noMailTo(t, e, "n@example.com")
		})
		t.Run("invite", func(t *testing.T) {
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "invite"}))
			wantBody(t, "sign-up without an invitation", e.Post("/auth/users/", map[string]string{"email": "i@example.com", "password": pw, "re_password": pw}),
				400, `{"invitation":["This field is required."]}`)
			if err := e.App.Service.Invite(t.Context(), "i@example.com", "", auth.Client{IP: "cli"}); err != nil {
				t.Fatal(err)
			}
			m := nextMail(t, e, "i@example.com", subjectInvitation)
			l := invitationLink.FindStringSubmatch(m.Text)
			if l == nil || !strings.Contains(m.HTML, l[0]) {
				t.Fatalf("no invitation link:\n%s", m.Text)
			}
			tok := l[1]
			wantBody(t, "invitation for another address", e.Post("/auth/users/", map[string]string{"email": "x@example.com", "password": pw, "re_password": pw, "invitation": tok}),
				400, `{"invitation":["Invalid or expired invitation."]}`)
			r := e.Post("/auth/users/", map[string]string{"email": "I@example.com", "password": pw, "re_password": pw, "invitation": tok})
			if r.Status != 201 {
				t.Fatalf("invited sign-up: %d %s", r.Status, r.Raw)
			}
			nextMail(t, e, "I@example.com", subjectActivated)
			wantTokens(t, e, "an invited account logs in at once", login(e, "i@example.com", pw), r.Str("id"))
			wantBody(t, "the invitation used twice", e.Post("/auth/users/", map[string]string{"email": "i@example.com", "password": pw, "re_password": pw, "invitation": tok}),
				400, `{"invitation":["Invalid or expired invitation."]}`)

			// The served sign-up page.
			if err := e.App.Service.Invite(t.Context(), "j@example.com", "", auth.Client{IP: "cli"}); err != nil {
				t.Fatal(err)
			}
			l = invitationLink.FindStringSubmatch(nextMail(t, e, "j@example.com", subjectInvitation).Text)
			path := "/accounts/invitation/" + l[1] + "/"
			if r := e.Do(http.MethodGet, path, nil); r.Status != 200 || !strings.Contains(r.Raw, "j@example.com") || !strings.Contains(r.Raw, `name="password"`) {
				t.Fatalf("invitation page: %d %s", r.Status, r.Raw)
			}
			if r := e.Do(http.MethodPost, path, url.Values{"password": {"1234"}, "re_password": {"1234"}}); r.Status != 400 || !strings.Contains(r.Raw, "This password is too common.") {
				t.Fatalf("invitation page with a weak password: %d %s", r.Status, r.Raw)
			}
			if r := e.Do(http.MethodPost, path, url.Values{"first_name": {"Jo"}, "password": {pw}, "re_password": {pw}}); r.Status != 200 || !strings.Contains(r.Raw, "Your account is ready") {
				t.Fatalf("invitation page: %d %s", r.Status, r.Raw)
			}
			u, err := e.App.DB.UserByEmail(t.Context(), "j@example.com")
			if err != nil || !u.IsActive || u.VerifiedAt.IsZero() || u.FirstName != "Jo" {
				t.Errorf("the invited account: %+v %v", u, err)
			}
			if r := e.Do(http.MethodGet, path, nil); r.Status != 400 {
				t.Errorf("the used invitation's page: %d", r.Status)
			}
		})
	})
}

// TestEmailChangeImmediate is Djoser's behaviour, by choice: the new address logs in at once
// (unverified), the old one is told.
func TestEmailChangeImmediate(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_EMAIL_CHANGE": "immediate"}))
		u := e.CreateUser("old@example.com", pw)
		_, access := e.Login("old@example.com", pw)
		wantNoContent(t, "set_email", e.Post("/auth/users/set_email/",
			map[string]string{"new_email": "new@example.com", "current_password": pw}, authtest.Bearer(access)...))
		nextMail(t, e, "new@example.com", subjectUsernameDone)
		nextMail(t, e, "old@example.com", subjectEmailChanged)
		wantTokens(t, e, "login with the new address", login(e, "new@example.com", pw), u.ID)
		if got, _ := e.App.DB.UserByID(t.Context(), u.ID); !got.VerifiedAt.IsZero() {
			t.Error("an address nobody confirmed counts as verified")
		}
		if r := me(e, access); r.Status != 200 || r.Str("email") != "new@example.com" {
			t.Errorf("the caller's session after set_email: %d %s", r.Status, r.Raw)
		}
	})
}

// TestSignUpThrottle: AUTHGATE_THROTTLE_SIGNUP counts sign-ups and resend_activation per client
// address.
func TestSignUpThrottle(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open", "AUTHGATE_THROTTLE_SIGNUP": "2/hour"}))
	djSignUp(t, e, "a1@example.com", pw)
	wantNoContent(t, "resend", e.Post("/auth/users/resend_activation/", map[string]string{"email": "a1@example.com"}))
	r := e.Post("/auth/users/", map[string]string{"email": "a2@example.com", "password": pw, "re_password": pw})
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Str("detail"), "Request was throttled.") {
		t.Fatalf("third request within the hour: %d %s", r.Status, r.Raw)
	}
	if _, err := e.App.DB.UserByEmail(t.Context(), "a2@example.com"); err == nil {
		t.Error("a throttled sign-up made an account")
	}
}

// TestDjoserStaff: staff list every account (Djoser's plain list up to 100, pages beyond) and
// manage other accounts, but only a superuser manages a superuser's.
func TestDjoserStaff(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("staff@example.com", pw, func(n *auth.NewUser) { n.IsStaff = true })
		root := e.CreateUser("root@example.com", pw, func(n *auth.NewUser) { n.IsSuperuser = true })
		bob := e.CreateUser("bob@example.com", pw)
		_, staff := e.Login("staff@example.com", pw)
		S := authtest.Bearer(staff)

		r := e.Do(http.MethodGet, "/auth/users/", nil, S...)
		if r.Status != 200 || !strings.HasPrefix(r.Raw, `[{"first_name":"","last_name":"","id":"`) || strings.Count(r.Raw, `"id"`) != 3 {
			t.Fatalf("staff list: %d %s", r.Status, r.Raw)
		}
		wantBody(t, "staff deletes a superuser", e.Do(http.MethodDelete, "/auth/users/"+root.ID+"/", map[string]string{"current_password": pw}, S...), 403, bodyForbidden)
		wantBody(t, "staff renames a superuser", e.Do(http.MethodPatch, "/auth/users/"+root.ID+"/", map[string]string{"first_name": "x"}, S...), 403, bodyForbidden)
		r = e.Do(http.MethodPatch, "/auth/users/"+bob.ID+"/", map[string]string{"first_name": "Robert"}, S...)
		if r.Status != 200 || r.Str("first_name") != "Robert" {
			t.Fatalf("staff renames bob: %d %s", r.Status, r.Raw)
		}
		wantNoContent(t, "staff deletes bob", e.Do(http.MethodDelete, "/auth/users/"+bob.ID+"/", map[string]string{"current_password": pw}, S...))
		if n := waitEvent(t, e, bob.ID, "account_deleted", ""); n.ActorID == "" {
			t.Error("the deletion's audit event names no actor")
		}

		// Past 100 accounts the list is paged: count, next, results.
		for i := range 101 {
			e.CreateUser(fmt.Sprintf("u%03d@example.com", i), pw)
		}
		seen := map[string]bool{}
		next := "/auth/users/?page_size=40"
		for pages := 0; next != ""; pages++ {
			r := e.Do(http.MethodGet, strings.TrimPrefix(next, e.URL), nil, S...)
			results, _ := r.JSON["results"].([]any)
			if r.Status != 200 || r.JSON["count"] != float64(103) || pages > 3 {
				t.Fatalf("page %d: %d %.200s", pages, r.Status, r.Raw)
			}
			for _, x := range results {
				seen[x.(map[string]any)["id"].(string)] = true
			}
			next, _ = r.JSON["next"].(string)
		}
		if len(seen) != 103 {
			t.Errorf("the pages held %d distinct users, want 103", len(seen))
		}
		r = e.Do(http.MethodGet, "/auth/users/", nil, S...)
		if r.JSON["count"] != float64(103) || len(r.JSON["results"].([]any)) != 100 || r.JSON["next"] == nil {
			t.Errorf("an unpaged list of 103 users: %.300s", r.Raw)
		}
	})
}
