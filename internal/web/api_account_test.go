package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/golang-jwt/jwt/v5"
)

// TestLogout covers POST /logout_token/ (the tutorial's APILogoutView, fixed).
func TestLogout(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		e.CreateUser("b@example.com", pw)
		r1, a1 := e.Login("a@example.com", pw)
		_, a2 := e.Login("a@example.com", pw) // another session of the same user
		rb, _ := e.Login("b@example.com", pw)
		auth1 := authtest.Bearer(a1)

		cases := []struct {
			name   string
			body   any
			status int
			want   string
		}{
			{"neither field", map[string]any{}, 400, `{"refresh_token":["This field is required."]}`},
			{"all false", map[string]any{"all": false}, 400, `{"refresh_token":["This field is required."]}`},
			{"all \"0\"", map[string]any{"all": "0"}, 400, `{"refresh_token":["This field is required."]}`},
			{"all junk", map[string]any{"all": "maybe"}, 400, `{"all":["Must be a valid boolean."]}`},
			{"someone else's token", map[string]any{"refresh_token": rb}, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`},
			{"garbage token", map[string]any{"refresh_token": "nope"}, 401, `{"detail":"Token is invalid or expired","code":"token_not_valid"}`},
			{"access token", map[string]any{"refresh_token": a1}, 401, `{"detail":"Token has wrong type","code":"token_not_valid"}`},
			{"own token", map[string]any{"refresh_token": r1}, 200, `{"status":"OK, goodbye"}`},
		}
		for _, c := range cases {
			r := e.Post("/logout_token/", c.body, auth1...)
			if r.Status != c.status || r.Raw != c.want {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Raw, c.status, c.want)
			}
		}
		// The logout ended the session: its access token stops working at once (issue #15).
		if r := e.Do("GET", "/api/me/", nil, auth1...); r.Status != 401 || r.Str("code") != "token_not_valid" {
			t.Errorf("the logged-out session's access token: %d %s", r.Status, r.Raw)
		}
		if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a2)...); r.Status != 200 {
			t.Errorf("the user's other session's access token: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/logout_token/", map[string]any{"refresh_token": r1}, authtest.Bearer(a2)...); r.Status != 401 ||
			r.Raw != `{"detail":"Token is blacklisted","code":"token_not_valid"}` {
			t.Errorf("own token again: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 || r.Str("detail") != "Token is blacklisted" {
			t.Errorf("logged-out token still refreshes: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": rb}); r.Status != 200 {
			t.Errorf("b's token was touched: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/logout_token/", map[string]any{"refresh_token": r1}); r.Status != 401 || r.Raw != `{"detail":"Authentication credentials were not provided."}` {
			t.Errorf("no credentials: %d %s", r.Status, r.Raw)
		}
	})
}

// TestLogoutAll: every refresh token of the caller, rotated ones included, is blacklisted, and
// access tokens issued before stop working, while a new login right after works.
func TestLogoutAll(t *testing.T) {
	for _, all := range []any{"1", 1, true, "true"} {
		t.Run(fmt.Sprintf("%T %v", all, all), func(t *testing.T) { testLogoutAll(t, all) })
	}
}

func testLogoutAll(t *testing.T, all any) {
	{
		authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
			e := authtest.Start(t, b)
			e.CreateUser("a@example.com", pw)
			r1, a1 := e.Login("a@example.com", pw)
			r2, _ := e.Login("a@example.com", pw)
			rot := e.Post("/api/token/refresh/", map[string]string{"refresh": r2})
			r := e.Post("/logout_token/", map[string]any{"all": all}, authtest.Bearer(a1)...)
			if r.Status != 200 || r.Raw != `{"status":"OK, goodbye, all refresh tokens blacklisted"}` {
				t.Fatalf("all=%v: %d %s", all, r.Status, r.Raw)
			}
			for _, tok := range []string{r1, r2, rot.Str("refresh")} {
				if r := e.Post("/api/token/refresh/", map[string]string{"refresh": tok}); r.Status != 401 {
					t.Errorf("refresh token survived logout-all: %d %s", r.Status, r.Raw)
				}
			}
			if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a1)...); r.Status != 401 || r.Str("code") != "token_not_valid" {
				t.Errorf("old access token still works: %d %s", r.Status, r.Raw)
			}
			if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(rot.Str("access"))...); r.Status != 401 {
				t.Errorf("rotated access token still works: %d %s", r.Status, r.Raw)
			}
			_, a3 := e.Login("a@example.com", pw)
			if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a3)...); r.Status != 200 {
				t.Errorf("login right after logout-all: %d %s", r.Status, r.Raw)
			}
		})
	}
}

// TestProtected covers SimpleJWT's JWTAuthentication answers on GET /api/me/.
func TestProtected(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		r1, a1 := e.Login("a@example.com", pw)
		r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a1)...)
		if r.Status != 200 || r.Str("id") != u.ID || r.Str("email") != "a@example.com" || r.JSON["two_factor_enabled"] != false {
			t.Fatalf("me: %d %s", r.Status, r.Raw)
		}
		now := time.Now()
		claims := func(drop string, set map[string]any) string {
			c := jwt.MapClaims{"token_type": "access", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
				"jti": "00112233445566778899aabbccddeeff", "user_id": u.ID}
			delete(c, drop)
			for k, v := range set {
				c[k] = v
			}
			return sign(t, c)
		}
		msg := func(m string) string {
			return `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"` + m + `"}]}`
		}
		cases := []struct {
			name   string
			header string
			want   string
		}{
			{"no header", "", `{"detail":"Authentication credentials were not provided."}`},
			{"other scheme", "Basic abc", `{"detail":"Authentication credentials were not provided."}`},
			{"lowercase bearer", "bearer " + a1, `{"detail":"Authentication credentials were not provided."}`},
			{"one part", "Bearer", `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
			{"three parts", "Bearer a b", `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`},
			{"garbage", "Bearer abc", msg("Token is invalid or expired")},
			{"refresh token", "Bearer " + r1, msg("Token has wrong type")},
			{"no type", "Bearer " + claims("token_type", nil), msg("Token has no type")},
			{"no jti", "Bearer " + claims("jti", nil), msg("Token has no id")},
			{"no exp", "Bearer " + claims("exp", nil), msg("Token has no 'exp' claim")},
			{"expired", "Bearer " + claims("", map[string]any{"exp": now.Add(-time.Minute).Unix()}), msg("Token is invalid or expired")},
			{"no user_id", "Bearer " + claims("user_id", nil), `{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}`},
			{"unknown user", "Bearer " + claims("", map[string]any{"user_id": "7f3e2a8c-3e4b-4d5a-9c1e-2b3c4d5e6f70"}), `{"detail":"User not found","code":"user_not_found"}`},
			{"non-uuid user", "Bearer " + claims("", map[string]any{"user_id": "1' OR 1=1"}), `{"detail":"User not found","code":"user_not_found"}`},
			{"alg none", "Bearer " + noneToken(u.ID), msg("Token is invalid or expired")},
		}
		for _, c := range cases {
			var r authtest.Response
			if c.header == "" {
				r = e.Do("GET", "/api/me/", nil)
			} else {
				r = e.Do("GET", "/api/me/", nil, "Authorization", c.header)
			}
			if r.Status != 401 || r.Raw != c.want {
				t.Errorf("%s: %d %s\nwant %s", c.name, r.Status, r.Raw, c.want)
			}
			if r.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
				t.Errorf("%s: WWW-Authenticate %q", c.name, r.Header.Get("WWW-Authenticate"))
			}
		}
		// Deactivation: access refused at once, refresh refused too.
		u.IsActive = false
		if err := e.App.Service.UpdateUser(t.Context(), u, "", auth.Client{}); err != nil {
			t.Fatal(err)
		}
		if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a1)...); r.Status != 401 || r.Raw != `{"detail":"User is inactive","code":"user_inactive"}` {
			t.Errorf("inactive: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 {
			t.Errorf("inactive user's refresh: %d %s", r.Status, r.Raw)
		}
	})
}

func noneToken(userID string) string {
	c := jwt.MapClaims{"token_type": "access", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		"jti": "00112233445566778899aabbccddeeff", "user_id": userID}
	s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	return s
}

// TestPasswordChangeRevokes: a password change ends every earlier token of the user.
func TestPasswordChangeRevokes(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		r1, a1 := e.Login("a@example.com", pw)
		r := e.Post("/api/password/change/", map[string]string{"old_password": "wrong", "new_password": "another long passphrase"}, authtest.Bearer(a1)...)
		if r.Status != 400 || !strings.Contains(r.Raw, `"old_password"`) {
			t.Fatalf("wrong old password: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "password"}, authtest.Bearer(a1)...)
		if r.Status != 400 || r.Raw != `{"new_password":["This password is too common."]}` {
			t.Fatalf("weak password: %d %s", r.Status, r.Raw)
		}
		r = e.Post("/api/password/change/", map[string]string{"old_password": pw, "new_password": "another long passphrase"}, authtest.Bearer(a1)...)
		if r.Status != 200 || r.Str("access") == "" {
			t.Fatalf("change: %d %s", r.Status, r.Raw)
		}
		fresh := r.Str("access")
		if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a1)...); r.Status != 401 {
			t.Errorf("old access token: %d", r.Status)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 {
			t.Errorf("old refresh token: %d", r.Status)
		}
		if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(fresh)...); r.Status != 200 {
			t.Errorf("the caller's fresh access token: %d %s", r.Status, r.Raw)
		}
		e.Login("a@example.com", "another long passphrase")
	})
}
