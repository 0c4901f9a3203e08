package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestDjoserErrors runs every error row of the contract's Djoser table against a real server:
// the exact status and body, field errors in DRF's order, on both backends.
func TestDjoserErrors(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, accountsOpen)
		alice := e.CreateUser("alice@example.com", pw, func(n *auth.NewUser) { n.FirstName = "Alice" })
		bob := e.CreateUser("bob@example.com", pw)
		e.CreateUser("staff@example.com", pw, func(n *auth.NewUser) { n.IsStaff = true })
		_, aliceAccess := e.Login("alice@example.com", pw)
		aliceRefresh, _ := e.Login("alice@example.com", pw)
		_, staffAccess := e.Login("staff@example.com", pw)
		pending := djSignUp(t, e, "pending@example.com", pw).Str("id")
		act, _ := mailedLink(t, e, "pending@example.com", subjectActivation)
		unknown := auth.NewUUID()
		wrong := act.Token[:42] + "A"
		if wrong == act.Token {
			wrong = act.Token[:42] + "B"
		}
		A, S := authtest.Bearer(aliceAccess), authtest.Bearer(staffAccess)
		userJSON := func(u auth.User) string {
			return fmt.Sprintf(`{"first_name":%q,"last_name":"","id":%q,"email":%q}`, u.FirstName, u.ID, u.Email)
		}
		long := strings.Repeat("n", 151)
		const (
			REQ   = `["This field is required."]`
			BLANK = `["This field may not be blank."]`
		)

		for _, c := range []struct {
			name, method, path string
			body               any
			auth               []string
			status             int
			want               string
		}{
			// POST users/
			{"sign-up {}", "POST", "/auth/users/", map[string]any{}, nil, 400,
				`{"email":` + REQ + `,"password":` + REQ + `,"re_password":` + REQ + `}`},
			{"sign-up blanks", "POST", "/auth/users/", map[string]any{"email": "", "password": "", "re_password": " "}, nil, 400,
				`{"email":` + BLANK + `,"password":` + BLANK + `,"re_password":` + BLANK + `}`},
			{"sign-up invalid e-mail", "POST", "/auth/users/", map[string]any{"email": "nope", "password": "x" + pw, "re_password": "x" + pw}, nil, 400,
				`{"email":["Enter a valid email address."]}`},
			{"sign-up mismatch", "POST", "/auth/users/", map[string]any{"email": "m@example.com", "password": pw, "re_password": pw + "!"}, nil, 400,
				`{"non_field_errors":["The two password fields didn't match."]}`},
			{"sign-up weak and mismatched", "POST", "/auth/users/", map[string]any{"email": "w@example.com", "password": "1234", "re_password": "12345"}, nil, 400,
				`{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
			{"sign-up common and numeric", "POST", "/auth/users/", map[string]any{"email": "w@example.com", "password": "12345678", "re_password": "12345678"}, nil, 400,
				`{"password":["This password is too common.","This password is entirely numeric."]}`},
			{"sign-up like the e-mail", "POST", "/auth/users/", map[string]any{"email": "grace.hopper@example.com", "password": "gracehopper", "re_password": "gracehopper"}, nil, 400,
				`{"password":["The password is too similar to the email address."]}`},
			{"sign-up like the first name", "POST", "/auth/users/", map[string]any{"email": "g@example.com", "first_name": "Marguerite", "password": "marguerite1", "re_password": "marguerite1"}, nil, 400,
				`{"password":["The password is too similar to the first name."]}`},
			{"sign-up long name", "POST", "/auth/users/", map[string]any{"email": "l@example.com", "first_name": long, "last_name": long, "password": pw, "re_password": pw}, nil, 400,
				`{"first_name":["Ensure this field has no more than 150 characters."],"last_name":["Ensure this field has no more than 150 characters."]}`},
			{"sign-up malformed JSON", "POST", "/auth/users/", `{"email": }`, nil, 400, ""},
			{"sign-up list body", "POST", "/auth/users/", `[]`, nil, 400,
				`{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
			{"sign-up null and number", "POST", "/auth/users/", map[string]any{"email": nil, "password": 12345678, "re_password": true}, nil, 400,
				`{"email":["This field may not be null."],"re_password":["Not a valid string."]}`},

			// GET users/, users/me/, users/{id}/
			{"list anonymous", "GET", "/auth/users/", nil, nil, 401, bodyNA},
			{"list (HIDE_USERS)", "GET", "/auth/users/", nil, A, 200, "[" + userJSON(alice) + "]"},
			{"me anonymous", "GET", "/auth/users/me/", nil, nil, 401, bodyNA},
			{"me with a bad token", "GET", "/auth/users/me/", nil, authtest.Bearer("nope"), 401,
				`{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}`},
			{"me with a refresh token", "GET", "/auth/users/me/", nil, authtest.Bearer(aliceRefresh), 401,
				`{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}`},
			{"another user's id", "GET", "/auth/users/" + bob.ID + "/", nil, A, 404, bodyNotFound},
			{"unknown id", "GET", "/auth/users/" + unknown + "/", nil, A, 404, bodyNotFound},
			{"invalid id", "GET", "/auth/users/not-a-uuid/", nil, A, 404, bodyNotFound},
			{"staff sees another user", "GET", "/auth/users/" + bob.ID + "/", nil, S, 200, userJSON(bob)},
			{"own id", "GET", "/auth/users/" + alice.ID, nil, A, 200, userJSON(alice)},

			// PUT/PATCH
			{"patch anonymous", "PATCH", "/auth/users/me/", map[string]any{"first_name": "x"}, nil, 401, bodyNA},
			{"patch long name", "PATCH", "/auth/users/me/", map[string]any{"first_name": long}, A, 400,
				`{"first_name":["Ensure this field has no more than 150 characters."]}`},
			{"put another user's", "PUT", "/auth/users/" + bob.ID + "/", map[string]any{"first_name": "x"}, A, 404, bodyNotFound},

			// DELETE
			{"delete without password", "DELETE", "/auth/users/me/", map[string]any{}, A, 400, `{"current_password":` + REQ + `}`},
			{"delete wrong password", "DELETE", "/auth/users/me/", map[string]any{"current_password": "nope"}, A, 400, bodyBadPassword},
			{"delete another user's", "DELETE", "/auth/users/" + bob.ID + "/", map[string]any{"current_password": pw}, A, 403, bodyForbidden},
			{"delete unknown", "DELETE", "/auth/users/" + unknown + "/", map[string]any{"current_password": pw}, A, 404, bodyNotFound},
			{"delete anonymous", "DELETE", "/auth/users/me/", map[string]any{"current_password": pw}, nil, 401, bodyNA},

			// activation
			{"activation {}", "POST", "/auth/users/activation/", map[string]any{}, nil, 400, `{"uid":` + REQ + `,"token":` + REQ + `}`},
			{"activation wrong token", "POST", "/auth/users/activation/", map[string]any{"uid": act.UID, "token": wrong}, nil, 400, bodyBadToken},
			{"activation other user's token", "POST", "/auth/users/activation/", map[string]any{"uid": uidOf(bob.ID), "token": act.Token}, nil, 400, bodyBadToken},
			{"activation unknown uid", "POST", "/auth/users/activation/", map[string]any{"uid": uidOf(unknown), "token": act.Token}, nil, 400, bodyBadUID},
			{"activation garbage uid", "POST", "/auth/users/activation/", map[string]any{"uid": "!!", "token": act.Token}, nil, 400, bodyBadUID},
			{"activation uid not a UUID", "POST", "/auth/users/activation/", map[string]any{"uid": uidOf("hello"), "token": act.Token}, nil, 400,
				`{"non_field_errors":["“hello” is not a valid UUID."]}`},
			{"activation of an active account", "POST", "/auth/users/activation/", map[string]any{"uid": uidOf(alice.ID), "token": act.Token}, nil, 400, bodyBadToken},

			// resend_activation
			{"resend {}", "POST", "/auth/users/resend_activation/", map[string]any{}, nil, 400, `{"email":` + REQ + `}`},
			{"resend invalid", "POST", "/auth/users/resend_activation/", map[string]any{"email": "nope"}, nil, 400, `{"email":["Enter a valid email address."]}`},

			// set_password
			{"set_password {}", "POST", "/auth/users/set_password/", map[string]any{}, A, 400, `{"new_password":` + REQ + `,"current_password":` + REQ + `}`},
			{"set_password wrong and weak", "POST", "/auth/users/set_password/", map[string]any{"new_password": "1", "current_password": "nope"}, A, 400, bodyBadPassword},
			{"set_password weak", "POST", "/auth/users/set_password/", map[string]any{"new_password": "alice123", "current_password": pw}, A, 400,
				`{"new_password":["The password is too similar to the first name.","This password is too common."]}`},
			{"set_password anonymous", "POST", "/auth/users/set_password/", map[string]any{}, nil, 401, bodyNA},

			// reset_password, reset_password_confirm
			{"reset {}", "POST", "/auth/users/reset_password/", map[string]any{}, nil, 400, `{"email":` + REQ + `}`},
			{"reset invalid", "POST", "/auth/users/reset_password/", map[string]any{"email": "a@b"}, nil, 400, `{"email":["Enter a valid email address."]}`},
			{"reset confirm {}", "POST", "/auth/users/reset_password_confirm/", map[string]any{}, nil, 400,
				`{"uid":` + REQ + `,"token":` + REQ + `,"new_password":` + REQ + `}`},
			{"reset confirm weak before uid", "POST", "/auth/users/reset_password_confirm/", map[string]any{"uid": "x", "token": "y", "new_password": "1234"}, nil, 400,
				`{"new_password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
			{"reset confirm unknown uid", "POST", "/auth/users/reset_password_confirm/", map[string]any{"uid": uidOf(unknown), "token": "y", "new_password": pw}, nil, 400, bodyBadUID},
			{"reset confirm wrong token", "POST", "/auth/users/reset_password_confirm/", map[string]any{"uid": uidOf(alice.ID), "token": "y", "new_password": pw}, nil, 400, bodyBadToken},
			{"reset confirm with the activation token", "POST", "/auth/users/reset_password_confirm/", map[string]any{"uid": act.UID, "token": act.Token, "new_password": pw}, nil, 400, bodyBadToken},

			// set_email
			{"set_email {}", "POST", "/auth/users/set_email/", map[string]any{}, A, 400, `{"current_password":` + REQ + `,"new_email":` + REQ + `}`},
			{"set_email wrong password", "POST", "/auth/users/set_email/", map[string]any{"current_password": "nope", "new_email": "new@example.com"}, A, 400, bodyBadPassword},
			{"set_email invalid", "POST", "/auth/users/set_email/", map[string]any{"current_password": pw, "new_email": "nope"}, A, 400, `{"new_email":["Enter a valid email address."]}`},
			{"set_email taken", "POST", "/auth/users/set_email/", map[string]any{"current_password": pw, "new_email": "BOB@example.com"}, A, 400, bodyEmailTaken},
			{"set_email own", "POST", "/auth/users/set_email/", map[string]any{"current_password": pw, "new_email": "alice@example.com"}, A, 400, bodyEmailTaken},
			{"set_email anonymous", "POST", "/auth/users/set_email/", map[string]any{}, nil, 401, bodyNA},

			// reset_email, reset_email_confirm
			{"reset_email {}", "POST", "/auth/users/reset_email/", map[string]any{}, nil, 400, `{"email":` + REQ + `}`},
			{"reset_email invalid", "POST", "/auth/users/reset_email/", map[string]any{"email": "nope"}, nil, 400, `{"email":["Enter a valid email address."]}`},
			{"reset_email_confirm {}", "POST", "/auth/users/reset_email_confirm/", map[string]any{}, nil, 400, `{"new_email":` + REQ + `}`},
			{"reset_email_confirm no uid", "POST", "/auth/users/reset_email_confirm/", map[string]any{"new_email": "n@example.com"}, nil, 400,
				`{"non_field_errors":["“” is not a valid UUID."]}`},
			{"reset_email_confirm taken", "POST", "/auth/users/reset_email_confirm/", map[string]any{"new_email": "bob@example.com", "uid": uidOf(alice.ID), "token": "y"}, nil, 400, bodyEmailTaken},
			{"reset_email_confirm wrong token", "POST", "/auth/users/reset_email_confirm/", map[string]any{"new_email": "n@example.com", "uid": uidOf(alice.ID), "token": "y"}, nil, 400, bodyBadToken},
			{"reset_email_confirm unknown uid", "POST", "/auth/users/reset_email_confirm/", map[string]any{"new_email": "n@example.com", "uid": uidOf(unknown), "token": "y"}, nil, 400, bodyBadUID},

			// jwt/…
			{"jwt/create {}", "POST", "/auth/jwt/create/", map[string]any{}, nil, 400, `{"email":` + REQ + `,"password":` + REQ + `}`},
			{"jwt/create blank", "POST", "/auth/jwt/create/", map[string]any{"email": "", "password": ""}, nil, 400, `{"email":` + BLANK + `,"password":` + BLANK + `}`},
			{"jwt/create wrong password", "POST", "/auth/jwt/create/", map[string]any{"email": "alice@example.com", "password": "nope"}, nil, 401, bodyNoAccount},
			{"jwt/create not activated", "POST", "/auth/jwt/create/", map[string]any{"email": "pending@example.com", "password": pw}, nil, 401, bodyNoAccount},
			{"jwt/refresh {}", "POST", "/auth/jwt/refresh/", map[string]any{}, nil, 400, `{"refresh":` + REQ + `}`},
			{"jwt/refresh garbage", "POST", "/auth/jwt/refresh/", map[string]any{"refresh": "x"}, nil, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`},
			{"jwt/refresh access token", "POST", "/auth/jwt/refresh/", map[string]any{"refresh": aliceAccess}, nil, 401, `{"detail":"Token has wrong type","code":"token_not_valid"}`},
			{"jwt/verify {}", "POST", "/auth/jwt/verify/", map[string]any{}, nil, 400, `{"token":` + REQ + `}`},
			{"jwt/verify garbage", "POST", "/auth/jwt/verify/", map[string]any{"token": "x"}, nil, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`},
			{"jwt/verify", "POST", "/auth/jwt/verify/", map[string]any{"token": aliceRefresh}, nil, 200, `{}`},

			// Methods.
			{"GET activation", "GET", "/auth/users/activation/", nil, A, 405, `{"detail":"Method \"GET\" not allowed."}`},
			{"GET activation anonymous", "GET", "/auth/users/activation/", nil, nil, 401, bodyNA},
			{"POST users/{id}/", "POST", "/auth/users/" + bob.ID + "/", map[string]any{}, A, 405, `{"detail":"Method \"POST\" not allowed."}`},
		} {
			r := e.Do(c.method, c.path, c.body, c.auth...)
			if c.want == "" {
				if r.Status != c.status || !strings.HasPrefix(r.Str("detail"), "JSON parse error - ") {
					t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
				}
				continue
			}
			if r.Status != c.status || r.Raw != c.want {
				t.Errorf("%s: %d %s\nwant %d %s", c.name, r.Status, r.Raw, c.status, c.want)
			}
			if r.Status == http.StatusUnauthorized && r.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
				t.Errorf("%s: 401 without WWW-Authenticate", c.name)
			}
		}
		// The refusals changed nothing.
		if u, err := e.App.DB.UserByID(t.Context(), pending); err != nil || u.IsActive {
			t.Errorf("the pending account after the refusals: %+v %v", u, err)
		}
		wantTokens(t, e, "alice after the refusals", e.Post("/auth/jwt/create/", map[string]string{"email": "alice@example.com", "password": pw}), alice.ID)
		wantTokens(t, e, "bob after the refusals", e.Post("/auth/jwt/create/", map[string]string{"email": "bob@example.com", "password": pw}), bob.ID)
		if n := len(e.Mail.Messages()); n != 1 {
			t.Errorf("the refusals sent %d mails beyond the activation mail", n-1)
		}
	})
}
