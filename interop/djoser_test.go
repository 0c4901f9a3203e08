package interop_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// djoserDir is the Djoser interop project (interop/djoser): Django 3.2, DRF, SimpleJWT and
// Djoser 2.1 set up as the contract measured them.
const djoserDir = "djoser"

// side is one server the scenario runs against, with what the scenario learned on it.
type side struct {
	name string
	url  string
	mail *mailtest.Server
	vars map[string]string // "ada.id", "ada.access", "act.token", …
	seen map[string]string // a learned value → its placeholder, for normalizing bodies
}

func (s *side) learn(name, value string) {
	s.vars[name] = value
	if value != "" {
		s.seen[value] = "<" + name + ">"
	}
}

var varRe = regexp.MustCompile(`\{([a-z0-9.]+)\}`)

// fill replaces {name} with the side's value of name.
func (s *side) fill(t *testing.T, v string) string {
	return varRe.ReplaceAllStringFunc(v, func(m string) string {
		x, ok := s.vars[m[1:len(m)-1]]
		if !ok {
			t.Fatalf("%s: no value for %s", s.name, m)
		}
		return x
	})
}

var (
	jwtRe  = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// answer is a status and a body normalized: tokens and ids replaced by placeholders, so that
// the two servers' answers compare byte for byte. NoType is a body sent without Content-Type.
type answer struct {
	Status int
	Body   string
	NoType bool
}

func (a answer) String() string {
	ct := ""
	if a.NoType {
		ct = " (no Content-Type)"
	}
	return fmt.Sprintf("%d %s%s", a.Status, a.Body, ct)
}

func (s *side) normalize(raw string) string {
	raw = jwtRe.ReplaceAllString(raw, "<jwt>") // first: a learned value may occur inside a token
	for v, p := range s.seen {
		raw = strings.ReplaceAll(raw, v, p)
	}
	return uuidRe.ReplaceAllString(raw, "<uuid>")
}

// do sends one request of the scenario and returns the raw body and the normalized answer.
func (s *side) do(t *testing.T, method, path string, body any, access string) (string, answer) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(s.fill(t, b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader([]byte(s.fill(t, string(j))))
	}
	req, err := http.NewRequest(method, s.url+s.fill(t, path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+s.fill(t, "{"+access+"}"))
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", s.name, method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw), answer{resp.StatusCode, s.normalize(string(raw)), resp.Header.Get("Content-Type") == ""}
}

// mailLink is the {uid}/{token} link of an account mail, on either server: Djoser's frontend
// URLs (activate/…, password/reset/confirm/…, email/reset/confirm/…) or authgate's pages.
var mailLink = regexp.MustCompile(`/(activate|password/reset/confirm|email/reset/confirm|email/change/confirm)/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)`)

// readLink waits for the next mail to the address carrying a link of the kind (skipping the
// others, such as Djoser's activation mail after every profile update) and learns as.uid and
// as.token from it.
func (s *side) readLink(t *testing.T, to, kind, as string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		m, err := s.mail.WaitFor(ctx, to)
		if err != nil {
			t.Fatalf("%s: no %s mail to %s: %v", s.name, kind, to, err)
		}
		if l := mailLink.FindStringSubmatch(m.Text); l != nil && l[1] == kind {
			s.learn(as+".uid", l[2])
			s.learn(as+".token", l[3])
			return
		}
	}
}

// step is one row of the scenario: a request sent to both servers whose answers must be equal
// (and equal want, when set), or, for a deliberate deviation (dev says why), each side's own
// expected answer. only runs a step on one side (what follows a deviation there).
type step struct {
	name, method, path string
	body               any
	access             string // the variable holding the access token to send
	want               *answer
	dev                string
	djoser, authgate   *answer
	only               string
	mail               *mailStep
	learn              func(s *side, raw string) // learn values from the answer
}

type mailStep struct{ to, kind, as string }

func ans(status int, body string) *answer {
	return &answer{Status: status, Body: body, NoType: body == ""}
}

// learnJSON learns string fields of a JSON answer as prefix.field.
func learnJSON(prefix string, fields ...string) func(*side, string) {
	return func(s *side, raw string) {
		var m map[string]any
		_ = json.Unmarshal([]byte(raw), &m)
		for _, f := range fields {
			if v, _ := m[f].(string); v != "" {
				s.learn(prefix+"."+f, v)
			}
		}
	}
}

// TestDjoserInterop runs one scenario table against real Djoser 2.1 (interop/djoser) and
// against authgate, comparing statuses and bodies byte for byte after ids and tokens are
// replaced by placeholders. The rows marked dev are authgate's deliberate deviations
// (issue 14 item 3, docs/accounts.md): there each side must give its own expected answer.
func TestDjoserInterop(t *testing.T) {
	t.Parallel()
	djMail, agMail := mailtest.NewServer(t), mailtest.NewServer(t)
	_, port, _ := strings.Cut(djMail.Addr(), ":")
	dj := startProject(t, djoserDir, []string{"INTEROP_SMTP_PORT=" + port})
	ag := authtest.StartWithMail(t, authtest.SQLite, agMail, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "open"}))

	const (
		pw1, pw2, pw3 = "tangerine orbit 1881", "quiet lantern 4477", "amber harbor 9120"
		unknown       = "0f4d5c3e-8a1b-4c2d-9e7f-112233445566"
		REQ, BLANK    = `["This field is required."]`, `["This field may not be blank."]`
		na            = `{"detail":"Authentication credentials were not provided."}`
		noAccount     = `{"detail":"No active account found with the given credentials"}`
		badToken      = `{"token":["Invalid token for given user."]}`
		badUID        = `{"uid":["Invalid user id or user doesn't exist."]}`
		taken         = `{"new_email":["user with this email address already exists."]}`
	)
	uid := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	long := strings.Repeat("n", 151)
	signUp := func(email, password, again string, extra ...string) map[string]any {
		b := map[string]any{"email": email, "password": password, "re_password": again}
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i]] = extra[i+1]
		}
		return b
	}
	activate := func(who, email string) []step {
		return []step{
			{name: who + " signs up", method: "POST", path: "/auth/users/", body: signUp(email, pw1, pw1),
				learn: learnJSON(who, "id")},
			{name: who + "'s activation mail", mail: &mailStep{email, "activate", who + ".act"}},
			{name: who + " activates", method: "POST", path: "/auth/users/activation/",
				body: map[string]any{"uid": "{" + who + ".act.uid}", "token": "{" + who + ".act.token}"}, want: ans(204, "")},
			{name: who + " logs in", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": email, "password": pw1},
				learn: learnJSON(who, "access", "refresh")},
		}
	}

	steps := []step{
		// POST users/: fields, validators, retype.
		{name: "sign-up {}", method: "POST", path: "/auth/users/", body: map[string]any{},
			want: ans(400, `{"email":`+REQ+`,"password":`+REQ+`,"re_password":`+REQ+`}`)},
		{name: "sign-up blanks", method: "POST", path: "/auth/users/", body: signUp("", " ", ""),
			want: ans(400, `{"email":`+BLANK+`,"password":`+BLANK+`,"re_password":`+BLANK+`}`)},
		{name: "sign-up invalid e-mail", method: "POST", path: "/auth/users/", body: signUp("ada@example", pw1, pw1),
			want: ans(400, `{"email":["Enter a valid email address."]}`)},
		{name: "sign-up retype differs", method: "POST", path: "/auth/users/", body: signUp("ada@example.com", pw1, pw2),
			want: ans(400, `{"non_field_errors":["The two password fields didn't match."]}`)},
		{name: "sign-up 1234 (and a retype that differs)", method: "POST", path: "/auth/users/", body: signUp("ada@example.com", "1234", "12345"),
			want: ans(400, `{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`)},
		{name: "sign-up 12345678", method: "POST", path: "/auth/users/", body: signUp("ada@example.com", "12345678", "12345678"),
			want: ans(400, `{"password":["This password is too common.","This password is entirely numeric."]}`)},
		// Django 3.2 says "The password is too similar…" (the contract's "This password …" is Django 4's).
		{name: "sign-up like the e-mail", method: "POST", path: "/auth/users/", body: signUp("ada.lovelace@example.com", "adalovelace", "adalovelace"),
			want: ans(400, `{"password":["The password is too similar to the email address."]}`)},
		{name: "sign-up like the first name", method: "POST", path: "/auth/users/", body: signUp("m@example.com", "marguerite1", "marguerite1", "first_name", "Marguerite"),
			want: ans(400, `{"password":["The password is too similar to the first name."]}`)},
		{name: "sign-up long names", method: "POST", path: "/auth/users/", body: signUp("l@example.com", pw1, pw1, "first_name", long, "last_name", long),
			want: ans(400, `{"first_name":["Ensure this field has no more than 150 characters."],"last_name":["Ensure this field has no more than 150 characters."]}`)},
		{name: "sign-up a list", method: "POST", path: "/auth/users/", body: `[]`,
			want: ans(400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`)},
		{name: "sign-up malformed JSON", method: "POST", path: "/auth/users/", body: `{"email": }`,
			dev:      "parse errors are worded by Go's decoder, not Python's",
			djoser:   ans(400, `{"detail":"JSON parse error - Expecting value: line 1 column 11 (char 10)"}`),
			authgate: &answer{Status: 400, Body: `{"detail":"JSON parse error - invalid character '}' looking for beginning of value (at byte 11)"}`}},
		{name: "ada signs up", method: "POST", path: "/auth/users/", body: signUp("ada@Example.COM", pw1, pw1, "first_name", "Ada", "is_staff", "true"),
			want: &answer{Status: 201, Body: `{"first_name":"Ada","last_name":"","email":"ada@example.com","id":"<ada.id>"}`}, learn: learnJSON("ada", "id")},
		{name: "ada's activation mail", mail: &mailStep{"ada@example.com", "activate", "act"}},
		{name: "login before activation", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "ada@example.com", "password": pw1},
			want: ans(401, noAccount)},
		{name: "sign-up with ada's address", method: "POST", path: "/auth/users/", body: signUp("ada@example.com", pw2, pw2),
			dev:      "no enumeration: an address in use is answered like a new one (its owner is mailed)",
			djoser:   &answer{Status: 400, Body: `{"email":["user with this email address already exists."]}`},
			authgate: &answer{Status: 201, Body: `{"first_name":"","last_name":"","email":"ada@example.com","id":"<uuid>"}`}},

		// resend_activation.
		{name: "resend {}", method: "POST", path: "/auth/users/resend_activation/", body: map[string]any{}, want: ans(400, `{"email":`+REQ+`}`)},
		{name: "resend invalid", method: "POST", path: "/auth/users/resend_activation/", body: map[string]any{"email": "nope"},
			want: ans(400, `{"email":["Enter a valid email address."]}`)},
		{name: "resend to nobody", method: "POST", path: "/auth/users/resend_activation/", body: map[string]any{"email": "nobody@example.com"},
			dev:    "no enumeration: 204 whatever the address",
			djoser: ans(400, ""), authgate: ans(204, "")},
		{name: "resend to ada", method: "POST", path: "/auth/users/resend_activation/", body: map[string]any{"email": "ada@example.com"}, want: ans(204, "")},
		{name: "ada's second activation mail", mail: &mailStep{"ada@example.com", "activate", "act"}},

		// activation.
		{name: "activation {}", method: "POST", path: "/auth/users/activation/", body: map[string]any{},
			want: ans(400, `{"uid":`+REQ+`,"token":`+REQ+`}`)},
		{name: "activation wrong token", method: "POST", path: "/auth/users/activation/", body: map[string]any{"uid": "{act.uid}", "token": "x-y"},
			want: ans(400, badToken)},
		{name: "activation unknown uid", method: "POST", path: "/auth/users/activation/", body: map[string]any{"uid": uid(unknown), "token": "{act.token}"},
			want: ans(400, badUID)},
		{name: "activation uid not a UUID", method: "POST", path: "/auth/users/activation/", body: map[string]any{"uid": uid("hello"), "token": "{act.token}"},
			want: ans(400, `{"non_field_errors":["“hello” is not a valid UUID."]}`)},
		{name: "activation", method: "POST", path: "/auth/users/activation/", body: map[string]any{"uid": "{act.uid}", "token": "{act.token}"}, want: ans(204, "")},
		{name: "activation again", method: "POST", path: "/auth/users/activation/", body: map[string]any{"uid": "{act.uid}", "token": "{act.token}"},
			want: ans(403, `{"detail":"Stale token for given user."}`)},
		// Djoser's one token generator: the activation link, still valid after activation, resets the
		// password (to the same one here, so that both sides go on alike).
		{name: "the activation token resets the password", method: "POST", path: "/auth/users/reset_password_confirm/",
			body:   map[string]any{"uid": "{act.uid}", "token": "{act.token}", "new_password": pw1},
			dev:    "a token serves one purpose: an activation link cannot reset a password",
			djoser: ans(204, ""), authgate: ans(400, badToken)},

		// Logins, the profile.
		{name: "ada logs in", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "ada@example.com", "password": pw1},
			want: &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`}, learn: learnJSON("ada", "access", "refresh")},
		{name: "ada logs in elsewhere", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "ada@example.com", "password": pw1},
			want: &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`}, learn: learnJSON("other", "access", "refresh")},
		{name: "me", method: "GET", path: "/auth/users/me/", access: "ada.access",
			want: &answer{Status: 200, Body: `{"first_name":"Ada","last_name":"","id":"<ada.id>","email":"ada@example.com"}`}},
		{name: "list (HIDE_USERS)", method: "GET", path: "/auth/users/", access: "ada.access",
			want: &answer{Status: 200, Body: `[{"first_name":"Ada","last_name":"","id":"<ada.id>","email":"ada@example.com"}]`}},
		{name: "patch names; e-mail ignored", method: "PATCH", path: "/auth/users/me/", access: "ada.access",
			body: map[string]any{"last_name": " Lovelace ", "email": "x@example.com", "is_staff": true},
			want: &answer{Status: 200, Body: `{"first_name":"Ada","last_name":"Lovelace","id":"<ada.id>","email":"ada@example.com"}`}},
		{name: "put a long name", method: "PUT", path: "/auth/users/me/", access: "ada.access", body: map[string]any{"first_name": long},
			want: ans(400, `{"first_name":["Ensure this field has no more than 150 characters."]}`)},
		{name: "unknown id", method: "GET", path: "/auth/users/" + unknown + "/", access: "ada.access", want: ans(404, `{"detail":"Not found."}`)},
		{name: "malformed id", method: "GET", path: "/auth/users/not-a-uuid/", access: "ada.access", want: ans(404, `{"detail":"Not found."}`)},
	}
	steps = append(steps, activate("bob", "bob@example.com")...)
	steps = append(steps, []step{
		{name: "another user's id", method: "GET", path: "/auth/users/{bob.id}/", access: "ada.access", want: ans(404, `{"detail":"Not found."}`)},
		{name: "delete another user", method: "DELETE", path: "/auth/users/{bob.id}/", access: "ada.access", body: map[string]any{"current_password": pw1},
			want: ans(403, `{"detail":"You do not have permission to perform this action."}`)},

		// set_password.
		{name: "set_password {}", method: "POST", path: "/auth/users/set_password/", access: "ada.access", body: map[string]any{},
			want: ans(400, `{"new_password":`+REQ+`,"current_password":`+REQ+`}`)},
		{name: "set_password wrong and weak", method: "POST", path: "/auth/users/set_password/", access: "ada.access",
			body: map[string]any{"new_password": "1", "current_password": "nope"}, want: ans(400, `{"current_password":["Invalid password."]}`)},
		{name: "set_password like the last name", method: "POST", path: "/auth/users/set_password/", access: "ada.access",
			body: map[string]any{"new_password": "lovelace1", "current_password": pw1},
			want: ans(400, `{"new_password":["The password is too similar to the last name."]}`)},
		{name: "set_password", method: "POST", path: "/auth/users/set_password/", access: "ada.access",
			body: map[string]any{"new_password": pw2, "current_password": pw1, "re_new_password": "ignored"}, want: ans(204, "")},
		{name: "the caller's session goes on", method: "GET", path: "/auth/users/me/", access: "ada.access",
			want: &answer{Status: 200, Body: `{"first_name":"Ada","last_name":"Lovelace","id":"<ada.id>","email":"ada@example.com"}`}},
		{name: "the other session after set_password", method: "POST", path: "/auth/jwt/refresh/", body: map[string]any{"refresh": "{other.refresh}"},
			dev:      "a password change ends the user's other sessions",
			djoser:   &answer{Status: 200, Body: `{"access":"<jwt>","refresh":"<jwt>"}`},
			authgate: &answer{Status: 401, Body: `{"detail":"Token is blacklisted","code":"token_not_valid"}`}},

		// jwt/refresh, jwt/verify.
		{name: "refresh", method: "POST", path: "/auth/jwt/refresh/", body: map[string]any{"refresh": "{ada.refresh}"},
			want: &answer{Status: 200, Body: `{"access":"<jwt>","refresh":"<jwt>"}`},
			learn: func(s *side, raw string) {
				s.learn("old.refresh", s.vars["ada.refresh"])
				learnJSON("ada", "access", "refresh")(s, raw)
			}},
		{name: "verify", method: "POST", path: "/auth/jwt/verify/", body: map[string]any{"token": "{ada.refresh}"}, want: ans(200, `{}`)},
		{name: "refresh reused", method: "POST", path: "/auth/jwt/refresh/", body: map[string]any{"refresh": "{old.refresh}"},
			want: ans(401, `{"detail":"Token is blacklisted","code":"token_not_valid"}`)},
		{name: "verify the rotated-to token after the replay", method: "POST", path: "/auth/jwt/verify/", body: map[string]any{"token": "{ada.refresh}"},
			dev:    "reuse detection: a replayed rotated token revokes its whole login (SimpleJWT has none)",
			djoser: ans(200, `{}`), authgate: ans(400, `{"non_field_errors":["Token is blacklisted"]}`)},
		{name: "refresh {}", method: "POST", path: "/auth/jwt/refresh/", body: map[string]any{}, want: ans(400, `{"refresh":`+REQ+`}`)},
		{name: "refresh garbage", method: "POST", path: "/auth/jwt/refresh/", body: map[string]any{"refresh": "garbage"},
			want: ans(401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`)},
		{name: "refresh an access token", method: "POST", path: "/auth/jwt/refresh/", body: map[string]any{"refresh": "{ada.access}"},
			want: ans(401, `{"detail":"Token has wrong type","code":"token_not_valid"}`)},
		{name: "verify {}", method: "POST", path: "/auth/jwt/verify/", body: map[string]any{}, want: ans(400, `{"token":`+REQ+`}`)},
		{name: "verify garbage", method: "POST", path: "/auth/jwt/verify/", body: map[string]any{"token": "garbage"},
			want: ans(401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`)},
		{name: "verify a blacklisted refresh token", method: "POST", path: "/auth/jwt/verify/", body: map[string]any{"token": "{old.refresh}"},
			want: ans(400, `{"non_field_errors":["Token is blacklisted"]}`)},

		// reset_password, reset_password_confirm.
		{name: "reset {}", method: "POST", path: "/auth/users/reset_password/", body: map[string]any{}, want: ans(400, `{"email":`+REQ+`}`)},
		{name: "reset invalid", method: "POST", path: "/auth/users/reset_password/", body: map[string]any{"email": "nope"},
			want: ans(400, `{"email":["Enter a valid email address."]}`)},
		{name: "reset for nobody", method: "POST", path: "/auth/users/reset_password/", body: map[string]any{"email": "nobody@example.com"}, want: ans(204, "")},
		{name: "reset", method: "POST", path: "/auth/users/reset_password/", body: map[string]any{"email": "ada@example.com"}, want: ans(204, "")},
		{name: "the reset mail", mail: &mailStep{"ada@example.com", "password/reset/confirm", "reset"}},
		{name: "reset confirm {}", method: "POST", path: "/auth/users/reset_password_confirm/", body: map[string]any{},
			want: ans(400, `{"uid":`+REQ+`,"token":`+REQ+`,"new_password":`+REQ+`}`)},
		{name: "reset confirm weak, before the uid", method: "POST", path: "/auth/users/reset_password_confirm/",
			body: map[string]any{"uid": "x", "token": "y", "new_password": "1234"},
			want: ans(400, `{"new_password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`)},
		{name: "reset confirm like the e-mail (no attributes)", method: "POST", path: "/auth/users/reset_password_confirm/",
			body: map[string]any{"uid": uid(unknown), "token": "y", "new_password": "ada@example.com"}, want: ans(400, badUID)},
		{name: "reset confirm wrong token", method: "POST", path: "/auth/users/reset_password_confirm/",
			body: map[string]any{"uid": "{reset.uid}", "token": "x-y", "new_password": pw3}, want: ans(400, badToken)},
		{name: "reset confirm", method: "POST", path: "/auth/users/reset_password_confirm/",
			body: map[string]any{"uid": "{reset.uid}", "token": "{reset.token}", "new_password": pw3}, want: ans(204, "")},
		{name: "reset confirm again", method: "POST", path: "/auth/users/reset_password_confirm/",
			body: map[string]any{"uid": "{reset.uid}", "token": "{reset.token}", "new_password": pw1}, want: ans(400, badToken)},
		{name: "the old password", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "ada@example.com", "password": pw2}, want: ans(401, noAccount)},
		{name: "the new password", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "ada@example.com", "password": pw3},
			want: &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`}, learn: learnJSON("ada", "access", "refresh")},

		// set_email.
		{name: "set_email {}", method: "POST", path: "/auth/users/set_email/", access: "ada.access", body: map[string]any{},
			want: ans(400, `{"current_password":`+REQ+`,"new_email":`+REQ+`}`)},
		{name: "set_email wrong password", method: "POST", path: "/auth/users/set_email/", access: "ada.access",
			body: map[string]any{"current_password": "nope", "new_email": "countess@example.com"}, want: ans(400, `{"current_password":["Invalid password."]}`)},
		{name: "set_email invalid", method: "POST", path: "/auth/users/set_email/", access: "ada.access",
			body: map[string]any{"current_password": pw3, "new_email": "nope"}, want: ans(400, `{"new_email":["Enter a valid email address."]}`)},
		{name: "set_email to one's own", method: "POST", path: "/auth/users/set_email/", access: "ada.access",
			body: map[string]any{"current_password": pw3, "new_email": "ada@example.com"}, want: ans(400, taken)},
		{name: "set_email to bob's", method: "POST", path: "/auth/users/set_email/", access: "ada.access",
			body: map[string]any{"current_password": pw3, "new_email": "bob@example.com"}, want: ans(400, taken)},
		{name: "set_email", method: "POST", path: "/auth/users/set_email/", access: "ada.access",
			body: map[string]any{"current_password": pw3, "new_email": "countess@example.com"}, want: ans(204, "")},
		{name: "login with the new address", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "countess@example.com", "password": pw3},
			dev:      "the new address logs in once it followed the link mailed to it (AUTHGATE_EMAIL_CHANGE=verify)",
			djoser:   &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`},
			authgate: ans(401, noAccount)},
		{name: "the confirmation mail", only: "authgate", mail: &mailStep{"countess@example.com", "email/change/confirm", "change"}},
		{name: "confirm the new address", only: "authgate", method: "POST", path: "/auth/users/set_email_confirm/",
			body: map[string]any{"uid": "{change.uid}", "token": "{change.token}"}, want: ans(204, "")},
		{name: "login with the confirmed address", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "countess@example.com", "password": pw3},
			want: &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`}, learn: learnJSON("ada", "access", "refresh")},

		// reset_email, reset_email_confirm.
		{name: "reset_email {}", method: "POST", path: "/auth/users/reset_email/", body: map[string]any{}, want: ans(400, `{"email":`+REQ+`}`)},
		{name: "reset_email", method: "POST", path: "/auth/users/reset_email/", body: map[string]any{"email": "countess@example.com"}, want: ans(204, "")},
		{name: "the e-mail reset mail", mail: &mailStep{"countess@example.com", "email/reset/confirm", "er"}},
		{name: "reset_email_confirm {}", method: "POST", path: "/auth/users/reset_email_confirm/", body: map[string]any{},
			want: ans(400, `{"new_email":`+REQ+`}`)},
		{name: "reset_email_confirm without uid", method: "POST", path: "/auth/users/reset_email_confirm/", body: map[string]any{"new_email": "x@example.com"},
			want: ans(400, `{"non_field_errors":["“” is not a valid UUID."]}`)},
		{name: "reset_email_confirm to a taken address", method: "POST", path: "/auth/users/reset_email_confirm/",
			body: map[string]any{"uid": "{er.uid}", "token": "{er.token}", "new_email": "bob@example.com"}, want: ans(400, taken)},
		{name: "reset_email_confirm wrong token", method: "POST", path: "/auth/users/reset_email_confirm/",
			body: map[string]any{"uid": "{er.uid}", "token": "x-y", "new_email": "byron@example.com"}, want: ans(400, badToken)},
		{name: "reset_email_confirm unknown uid", method: "POST", path: "/auth/users/reset_email_confirm/",
			body: map[string]any{"uid": uid(unknown), "token": "{er.token}", "new_email": "byron@example.com"}, want: ans(400, badUID)},
		{name: "reset_email_confirm", method: "POST", path: "/auth/users/reset_email_confirm/",
			body: map[string]any{"uid": "{er.uid}", "token": "{er.token}", "new_email": "byron@example.com"}, want: ans(204, "")},
		{name: "login with the reset address", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "byron@example.com", "password": pw3},
			dev:      "the new address logs in once it followed the link mailed to it (AUTHGATE_EMAIL_CHANGE=verify)",
			djoser:   &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`},
			authgate: ans(401, noAccount)},
		{name: "the confirmation mail", only: "authgate", mail: &mailStep{"byron@example.com", "email/change/confirm", "change"}},
		{name: "confirm the reset address", only: "authgate", method: "POST", path: "/auth/users/set_email_confirm/",
			body: map[string]any{"uid": "{change.uid}", "token": "{change.token}"}, want: ans(204, "")},
		{name: "login with the confirmed reset address", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "byron@example.com", "password": pw3},
			want: &answer{Status: 200, Body: `{"refresh":"<jwt>","access":"<jwt>"}`}, learn: learnJSON("ada", "access", "refresh")},

		// Deletion.
		{name: "delete {}", method: "DELETE", path: "/auth/users/me/", access: "ada.access", body: map[string]any{},
			want: ans(400, `{"current_password":`+REQ+`}`)},
		{name: "delete wrong password", method: "DELETE", path: "/auth/users/me/", access: "ada.access", body: map[string]any{"current_password": "nope"},
			want: ans(400, `{"current_password":["Invalid password."]}`)},
		{name: "delete", method: "DELETE", path: "/auth/users/me/", access: "ada.access", body: map[string]any{"current_password": pw3}, want: ans(204, "")},
		{name: "a deleted user's token", method: "GET", path: "/auth/users/me/", access: "ada.access",
			want: ans(401, `{"detail":"User not found","code":"user_not_found"}`)},
		{name: "a deleted user's login", method: "POST", path: "/auth/jwt/create/", body: map[string]any{"email": "byron@example.com", "password": pw3},
			want: ans(401, noAccount)},

		// Anonymous, methods.
		{name: "list anonymous", method: "GET", path: "/auth/users/", want: ans(401, na)},
		{name: "me anonymous", method: "GET", path: "/auth/users/me/", want: ans(401, na)},
		{name: "set_password anonymous", method: "POST", path: "/auth/users/set_password/", body: map[string]any{}, want: ans(401, na)},
		{name: "me with a bad token", method: "GET", path: "/auth/users/me/", access: "bad",
			want: ans(401, `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}`)},
		{name: "me with a refresh token", method: "GET", path: "/auth/users/me/", access: "bob.refresh",
			want: ans(401, `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}`)},
		{name: "GET activation, anonymous", method: "GET", path: "/auth/users/activation/", want: ans(401, na)},
		{name: "GET activation", method: "GET", path: "/auth/users/activation/", access: "bob.access", want: ans(405, `{"detail":"Method \"GET\" not allowed."}`)},
		{name: "POST users/{id}/", method: "POST", path: "/auth/users/{bob.id}/", access: "bob.access", body: map[string]any{},
			want: ans(405, `{"detail":"Method \"POST\" not allowed."}`)},
	}...)

	sides := []*side{
		{name: "djoser", url: dj.URL, mail: djMail, vars: map[string]string{"bad": "not.a.token"}, seen: map[string]string{}},
		{name: "authgate", url: ag.URL, mail: agMail, vars: map[string]string{"bad": "not.a.token"}, seen: map[string]string{}},
	}
	for _, st := range steps {
		got := map[string]answer{}
		for _, s := range sides {
			if st.only != "" && st.only != s.name {
				continue
			}
			if st.mail != nil {
				s.readLink(t, st.mail.to, st.mail.kind, st.mail.as)
				continue
			}
			raw, a := s.do(t, st.method, st.path, st.body, st.access)
			if st.learn != nil && a.Status < 300 {
				st.learn(s, raw)
				a.Body = s.normalize(raw)
			}
			got[s.name] = a
		}
		if st.mail != nil {
			continue
		}
		dja, aga := got["djoser"], got["authgate"]
		switch {
		case st.only != "":
			if st.want != nil && got[st.only] != *st.want {
				t.Errorf("%s (%s only): %s, want %s", st.name, st.only, got[st.only], *st.want)
			}
		case st.dev != "":
			if dja != *st.djoser {
				t.Errorf("%s: Djoser answered %s, the table says %s", st.name, dja, *st.djoser)
			}
			if aga != *st.authgate {
				t.Errorf("%s (deviation: %s): authgate answered %s, want %s", st.name, st.dev, aga, *st.authgate)
			}
		default:
			if dja != aga {
				t.Errorf("%s: authgate %s, Djoser %s", st.name, aga, dja)
			}
			if st.want != nil && dja != *st.want {
				t.Errorf("%s: Djoser answered %s, the table says %s", st.name, dja, *st.want)
			}
		}
	}
}
