package web_test

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

const introspectionSecret = "rs-secret-0123456789abcdef"

func basic(id, secret string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))}
}

// introspect posts a token the way RFC 7662 clients do: a form, HTTP Basic.
func introspect(e *authtest.Env, tok string, auth ...string) authtest.Response {
	return e.Post("/api/token/introspect/", url.Values{"token": {tok}, "token_type_hint": {"access_token"}}, auth...)
}

// TestIntrospection (issue #15, RFC 7662): configured resource servers learn whether a token is
// active now, from storage: a logout, an ended session or a logout everywhere shows at once,
// where a signature check would accept the token until it expires. Clients authenticate with
// HTTP Basic; anything not live is {"active":false} and nothing more.
func TestIntrospection(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b, authtest.With(map[string]string{
			"AUTHGATE_INTROSPECTION_CLIENTS": "orders:" + introspectionSecret + ",billing:another-secret-0123456789"}))
		u := e.CreateUser("a@example.com", pw)
		refresh, access := e.Login("a@example.com", pw)
		rs := basic("orders", introspectionSecret)

		for name, h := range map[string][]string{"no credentials": nil, "wrong secret": basic("orders", "wrong-secret-0123456789"),
			"unknown client": basic("nobody", introspectionSecret), "a Bearer token": authtest.Bearer(access)} {
			r := introspect(e, access, h...)
			if r.Status != 401 || r.Raw != `{"error":"invalid_client","error_description":"Client authentication failed."}` ||
				r.Header.Get("WWW-Authenticate") != `Basic realm="authgate token introspection", charset="UTF-8"` {
				t.Errorf("%s: %d %v %s", name, r.Status, r.Header, r.Raw)
			}
		}
		for _, body := range []url.Values{{}, {"token": {" "}}} {
			if r := e.Post("/api/token/introspect/", body, rs...); r.Status != 400 ||
				r.Raw != `{"error":"invalid_request","error_description":"The token parameter is required."}` {
				t.Errorf("no token (%v): %d %s", body, r.Status, r.Raw)
			}
		}
		for name, tok := range map[string]string{"garbage": "x.y.z", "tampered": access[:len(access)-3] + "AAA"} {
			if r := introspect(e, tok, rs...); r.Status != 200 || r.Raw != `{"active":false}` {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}

		r := introspect(e, access, rs...)
		if r.Status != 200 || r.JSON["active"] != true || r.Str("token_type") != "access" || r.Str("sub") != u.ID ||
			r.Str("user_id") != u.ID || r.Str("username") != "a@example.com" || r.Str("sid") == "" || r.Str("jti") == "" ||
			r.JSON["exp"] == nil || r.JSON["iat"] == nil || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("live access token: %d %s", r.Status, r.Raw)
		}
		if r := introspect(e, refresh, basic("billing", "another-secret-0123456789")...); r.JSON["active"] != true || r.Str("token_type") != "refresh" {
			t.Fatalf("live refresh token, second client: %d %s", r.Status, r.Raw)
		}

		rot := e.Post("/api/token/refresh/", map[string]string{"refresh": refresh})
		if r := introspect(e, refresh, rs...); r.Raw != `{"active":false}` {
			t.Errorf("rotated refresh token: %s", r.Raw)
		}
		if r := introspect(e, rot.Str("refresh"), rs...); r.JSON["active"] != true {
			t.Errorf("its successor: %s", r.Raw)
		}
		if r := e.Post("/logout_token/", map[string]string{"refresh_token": rot.Str("refresh")}, authtest.Bearer(access)...); r.Status != 200 {
			t.Fatalf("logout: %d %s", r.Status, r.Raw)
		}
		for name, tok := range map[string]string{"access token of the logged-out session": access, "its newer access token": rot.Str("access"),
			"its refresh token": rot.Str("refresh")} {
			if r := introspect(e, tok, rs...); r.Raw != `{"active":false}` {
				t.Errorf("%s right after logout: %s", name, r.Raw)
			}
		}

		_, a2 := e.Login("a@example.com", pw)
		if r := introspect(e, a2, rs...); r.JSON["active"] != true {
			t.Fatalf("new login: %s", r.Raw)
		}
		if r := e.Post("/logout_token/", map[string]string{"all": "1"}, authtest.Bearer(a2)...); r.Status != 200 {
			t.Fatalf("logout all: %d %s", r.Status, r.Raw)
		}
		if r := introspect(e, a2, rs...); r.Raw != `{"active":false}` {
			t.Errorf("access token after logout everywhere: %s", r.Raw)
		}
	})
}

// TestIntrospectionOff: with no client configured nobody can introspect.
func TestIntrospectionOff(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("a@example.com", pw)
	_, access := e.Login("a@example.com", pw)
	if r := introspect(e, access, basic("", "")...); r.Status != 401 {
		t.Errorf("introspection without clients: %d %s", r.Status, r.Raw)
	}
}
