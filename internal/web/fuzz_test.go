package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/token"
)

// fuzzRoutes are the endpoints that decode a request body.
var fuzzRoutes = []string{"/api/token/", "/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/",
	"/api/token/sliding/", "/api/token/sliding/refresh/", "/logout_token/", "/api/token/2fa/", "/api/token/2fa/resend/",
	"/api/2fa/enable/", "/api/2fa/confirm/", "/api/2fa/disable/", "/api/2fa/recovery-codes/", "/api/password/change/",
	"/api/password/reset/", "/api/password/reset/confirm/", "/api/sessions/logout-others/"}

// fuzzServer is a real server on SQLite with throttling off, so fuzzed requests reach the
// handlers, and a function minting a fresh access token of its user for each request.
func fuzzServer(f *testing.F) (http.Handler, func() string) {
	e := authtest.Start(f, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_THROTTLE_LOGIN": "0/min", "AUTHGATE_THROTTLE_LOGIN_ACCOUNT": "0/min", "AUTHGATE_THROTTLE_REFRESH": "0/min",
		"AUTHGATE_THROTTLE_CODE": "0/min", "AUTHGATE_THROTTLE_RESET": "0/min"}))
	u := e.CreateUser("a@example.com", pw)
	return e.App.Handler, func() string {
		access, _, err := e.App.Tokens.Issue(token.TypeAccess, u.ID)
		if err != nil {
			f.Fatal(err)
		}
		return access
	}
}

// fuzzOne sends body to the route picked by n, signed in, and fails on a 5xx (a panic is
// recovered into a 500, so it fails too).
func fuzzOne(t *testing.T, h http.Handler, access func() string, n uint8, contentType, body string) {
	path := fuzzRoutes[int(n)%len(fuzzRoutes)]
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+access())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("POST %s %q: %d %s", path, body, rec.Code, rec.Body.String())
	}
}

// FuzzDecodeJSON throws arbitrary JSON bodies at every endpoint that decodes one.
func FuzzDecodeJSON(f *testing.F) {
	h, access := fuzzServer(f)
	for i, seed := range []string{`{}`, `{"email":"a@example.com","password":"` + pw + `"}`, `{"refresh":"x.y.z"}`,
		`{"all":true}`, `{"all":"0"}`, `{"token":null}`, `{"challenge":"c","code":123456}`, `[{"a":1}]`, `{"email":"\u0000"}`,
		`{"email":"\ud800","password":[]}`, `{"refresh_token":{"a":"b"}}`, `{"a":1}{"b":2}`, `{"new_password":1e999}`, "\xff"} {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, n uint8, body string) {
		fuzzOne(t, h, access, n, "application/json", body)
	})
}

// FuzzDecodeForm throws arbitrary urlencoded form bodies at every endpoint that decodes one.
func FuzzDecodeForm(f *testing.F) {
	h, access := fuzzServer(f)
	for i, seed := range []string{"", "email=a%40example.com&password=" + strings.ReplaceAll(pw, " ", "+"), "refresh=x.y.z",
		"all=1", "all=yes&refresh_token=", "email=%zz", "email=a%00b&password=%ff", "a=1&a=2&a=3", ";&=&==",
		"challenge=c&code=000000", "token=" + strings.Repeat("A", 9000)} {
		f.Add(uint8(i), seed)
	}
	f.Fuzz(func(t *testing.T, n uint8, body string) {
		fuzzOne(t, h, access, n, "application/x-www-form-urlencoded", body)
	})
}
