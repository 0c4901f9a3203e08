package attacktest

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

// route is one method and path of the API; protected routes want an access token.
type route struct {
	method, path string
	protected    bool
}

var handleRe = regexp.MustCompile(`h\.handle\("([A-Z]+)", "([^"]+)", (h\.requireAccess\()?`)

// routes reads the API's routes from internal/web/routes.go itself, so that a route added there
// is attacked here without anyone remembering to list it, plus the routes dispatch serves by
// prefix.
func routes(t *testing.T) []route {
	t.Helper()
	src, err := os.ReadFile("../web/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	for _, m := range handleRe.FindAllStringSubmatch(string(src), -1) {
		out = append(out, route{m[1], m[2], m[3] != ""})
	}
	if len(out) < 20 {
		t.Fatalf("found only %d routes in routes.go: has its form changed?", len(out))
	}
	return append(out, route{"DELETE", "/api/sessions/0123456789abcdef0123456789abcdef/", true},
		route{"GET", "/admin/", false}, route{"POST", "/admin/login/", false})
}

// fieldNames are every body field any endpoint reads.
var fieldNames = []string{"email", "password", "refresh", "token", "refresh_token", "all", "challenge", "code",
	"old_password", "new_password"}

// hostileValues are JSON values no endpoint expects, each sent in every field at once.
var hostileValues = []string{`null`, `true`, `-0`, `1e999`, `[]`, `{"a":{"b":[]}}`, `""`, `"   "`, `"\u0000"`,
	`"\udfff\ud800"`, `"` + "\xff\xfe" + `"`, strings.Repeat("9", 5000), `"` + strings.Repeat("x", 64<<10+1) + `"`,
	`"NaN"`, `"../../../../etc/passwd"`, `"' OR 1=1 --"`, `"${jndi:ldap://x/a}"`, `"@"`,
	`"` + strings.Repeat("a", 300) + `@example.com"`, `"eyJhbGciOiJub25lIn0.e30."`}

// deepValues are tried in each field a route reads, alone, the others plausible, so they reach
// the domain and storage: wrong types, and strings PostgreSQL cannot hold.
var deepValues = []string{`[]`, `"a\u0000b@example.com"`, `"\ud800"`, `"` + "\xc3" + `"`, `"` + strings.Repeat("x", 64<<10+1) + `"`}

// plausible is a body every endpoint would get past its field checks with.
func plausible(refresh string) map[string]string {
	return map[string]string{"email": `"a@example.com"`, "password": quote(pw), "refresh": quote(refresh),
		"token": quote(refresh), "refresh_token": quote(refresh), "all": `false`, "challenge": `"c"`,
		"code": `"123456"`, "old_password": `"wrong"`, "new_password": `"a new pass phrase"`}
}

// quote writes a JSON string of plain ASCII text.
func quote(s string) string { return `"` + s + `"` }

// object writes the members as a JSON object, with one field replaced.
func object(members map[string]string, field, value string) string {
	var b strings.Builder
	b.WriteByte('{')
	for _, f := range fieldNames {
		v := members[f]
		if f == field {
			v = value
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + f + `":` + v)
	}
	return b.String() + "}"
}

// parserBodies are malformed bodies and every content type, for the body parser.
func parserBodies() [][2]string {
	j, form := "application/json", "application/x-www-form-urlencoded"
	return [][2]string{
		{j, `{`}, {j, `[]`}, {j, `"str"`}, {j, `{"a":1}{"b":2}`}, {j, "\xef\xbb\xbf{}"}, {j, "{\"email\":\"\xff\"}"},
		{j, `{"email":"a","email":"b"}`}, {j, `{"email":` + strings.Repeat("[", 40) + `}`},
		{"application/json; charset=utf-16", "\xff\xfe{\x00}\x00"}, {"application/vnd.api+json", `{"email":1}`},
		{"text/plain", `{"email":"a"}`}, {"", `{"email":"a"}`}, {"garbage;;=", `{}`},
		{form, "email=%zz&password=%"}, {form, "email=a%00b&&&==&password"}, {form, ";;;"},
		{form, "email=a%ff%00%40example.com&password=x&refresh=%ff&token=%00&challenge=%ff&code=%00&refresh_token=%00"},
		{"multipart/form-data", "--x\r\n"}, {"multipart/form-data; boundary=x", "garbage"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na\r\n"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nzz\r\n--x--\r\n"},
	}
}

// hostileHeaders are header sets sent with a plausible body; storage tells whether the header
// value reaches the database (and so may differ between backends).
func hostileHeaders(access string) (headers [][]string, storage []bool) {
	add := func(stored bool, h ...string) {
		headers, storage = append(headers, h), append(storage, stored)
	}
	add(false, "Authorization", "Bearer a b")
	add(false, "Authorization", "Bearer "+strings.Repeat("a", 70<<10))
	add(false, "Authorization", "Bearer \xc3\xa9\xff")
	add(false, "Authorization", "Basic YTpi")
	add(false, "Authorization", "Bearer "+access+"x")
	add(false, "Authorization", "Bearer eyJhbGciOiJub25lIn0.e30.")
	add(false, "Authorization", "Bearer "+access, "X-Refresh-Token", strings.Repeat("a", 20<<10))
	add(true, "X-Forwarded-For", "garbage, 999.1.1.1, ::ffff:1.2.3.4%eth0, "+strings.Repeat("1.", 2000))
	add(false, "X-Request-Id", "../../\"><script>"+strings.Repeat("a", 1000))
	add(false, "Cookie", "authgate_refresh="+strings.Repeat("x", 4000)+"; a=b; =;;")
	add(false, "Origin", "http://"+strings.Repeat("a", 2000))
	add(false, "Transfer-Encoding", "chunked")
	add(true, "User-Agent", "x\xffy\xc3")
	add(true, "User-Agent", strings.Repeat("a", 511)+"é")
	add(true, "User-Agent", strings.Repeat("é", 5000))
	return headers, storage
}

// fieldsRead asks a route which fields it requires, from its 400 to an empty object (DRF's field
// errors name them), signed in.
func fieldsRead(e *authtest.Env, rt route, access string) []string {
	r := e.Do(rt.method, rt.path, `{}`, "Content-Type", "application/json", "Authorization", "Bearer "+access)
	var fe map[string]json.RawMessage
	if r.Status != 400 || json.Unmarshal([]byte(r.Raw), &fe) != nil {
		return nil
	}
	var out []string
	for f := range fe {
		if slices.Contains(fieldNames, f) {
			out = append(out, f)
		}
	}
	if rt.path == "/logout_token/" {
		out = append(out, "all") // optional, and not named by the 400
	}
	return out
}

// TestHostileInputNever500 (CONTRACT "never a 500 for client input", ASVS 13.1.x): a table of
// hostile requests — malformed and mistyped bodies in every content type, a hostile value in
// every field and in each field a route reads, oversize and forged headers, odd methods and
// paths — sent to every route, never gets a 5xx, never panics. Everything runs on SQLite; on
// PostgreSQL, what can reach storage (field values, stored headers) runs again: a NUL byte or
// invalid UTF-8 is a PostgreSQL error unless the server stops it first.
func TestHostileInputNever500(t *testing.T) {
	t.Parallel()
	rts := routes(t)
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		full := b == authtest.SQLite
		e := authtest.Start(t, b, authtest.With(map[string]string{
			"AUTHGATE_THROTTLE_LOGIN": "0/min", "AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "0/min", "AUTHGATE_THROTTLE_REFRESH": "0/min",
			"AUTHGATE_THROTTLE_CODE": "0/min", "AUTHGATE_THROTTLE_RESET": "0/min"}))
		e.CreateUser("a@example.com", pw)
		refresh, _ := e.Login("a@example.com", pw)
		if r := e.Post("/api/token/", object(plausible(refresh), "", ""), "Content-Type", "application/json"); r.Status != 200 {
			t.Fatalf("the plausible body does not log in: %d %s", r.Status, r.Raw)
		}
		var mu sync.Mutex
		failures, sent := 0, 0
		check := func(what string, r authtest.Response) {
			mu.Lock()
			defer mu.Unlock()
			sent++
			if r.Status >= 500 {
				if failures++; failures <= 20 {
					t.Errorf("%s: %d %.300s", what, r.Status, r.Raw)
				}
			}
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, rt := range rts {
			// Each route attacks with its own user, so that one route's logout-all or password
			// change does not end the session the others attack with.
			email := fmt.Sprintf("route%d@example.com", i)
			e.CreateUser(email, pw)
			refresh, access := e.Login(email, pw)
			var auth []string
			if rt.protected {
				auth = authtest.Bearer(access)
			}
			json := append([]string{"Content-Type", "application/json"}, auth...)
			base := plausible(refresh)
			creds := object(base, "", "")
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				send := func(what, body string, headers ...string) {
					check(fmt.Sprintf("%s %s %s %.80q", rt.method, rt.path, what, body), e.Do(rt.method, rt.path, body, headers...))
				}
				if rt.method == "POST" {
					for _, f := range fieldsRead(e, rt, access) {
						for _, v := range deepValues {
							send("field "+f, object(base, f, v), json...)
						}
					}
					for _, v := range hostileValues { // last: "all": true logs the route's user out
						every := map[string]string{}
						for _, f := range fieldNames {
							every[f] = v
						}
						send("every field", object(every, "", ""), json...)
					}
				}
				headers, stored := hostileHeaders(access)
				for i, hd := range headers {
					if full || stored[i] {
						send(fmt.Sprintf("headers %.60q", hd), creds, append(slices.Clone(json), hd...)...)
					}
				}
				if !full {
					return
				}
				if rt.method == "POST" {
					for _, bd := range parserBodies() {
						send("type "+bd[0], bd[1], append([]string{"Content-Type", bd[0]}, auth...)...)
					}
				}
				if rt.protected {
					send("signed out", creds, "Content-Type", "application/json")
				}
				for _, m := range []string{"PUT", "DELETE", "TRACE", "PROPFIND"} {
					check(m+" "+rt.path, e.Do(m, rt.path, creds, json...))
				}
			})
		}
		wg.Wait()
		if full {
			for _, p := range []string{"/api/token/..", "/api/sessions/../../etc/passwd", "/api/sessions/%00/", "//api//token//",
				"/api/token/%2e%2e/", "/api/sessions/" + strings.Repeat("a", 4000) + "/", "/api/sessions/a%2Fb/", "/%ff", "/admin/%00"} {
				for _, m := range []string{"GET", "DELETE"} {
					check(m+" "+p, e.Do(m, p, nil))
				}
			}
		}
		t.Logf("%d hostile requests", sent)
		if strings.Contains(e.Logs.String(), "panic serving request") {
			t.Errorf("a handler panicked:\n%.3000s", e.Logs.String())
		}
		if r := e.Do("GET", "/readyz", nil); r.Status != 200 {
			t.Errorf("server unwell after the barrage: %d %s", r.Status, r.Raw)
		}
	})
}
