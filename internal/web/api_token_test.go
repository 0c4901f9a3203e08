package web_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/golang-jwt/jwt/v5"
)

const pw = "correct horse battery staple"

// TestLogin covers every answer of POST /api/token/ (CONTRACT "log in").
func TestLogin(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("Alice@Example.com", pw)
		e.CreateUser("inactive@example.com", pw, func(n *auth.NewUser) { n.Inactive = true })
		const noAccount = `{"detail":"No active account found with the given credentials"}`
		cases := []struct {
			name   string
			body   any
			ctype  string
			status int
			want   string // exact body; empty: checked below
		}{
			{"ok", map[string]string{"email": "Alice@Example.com", "password": pw}, "", 200, ""},
			{"email case-insensitive", map[string]string{"email": "alice@example.COM", "password": pw}, "", 200, ""},
			{"form body", url.Values{"email": {"alice@example.com"}, "password": {pw}}, "", 200, ""},
			{"wrong password", map[string]string{"email": "alice@example.com", "password": "nope"}, "", 401, noAccount},
			{"unknown e-mail", map[string]string{"email": "bob@example.com", "password": pw}, "", 401, noAccount},
			{"inactive user", map[string]string{"email": "inactive@example.com", "password": pw}, "", 401, noAccount},
			{"missing both", map[string]string{}, "", 400, `{"email":["This field is required."],"password":["This field is required."]}`},
			{"blank", map[string]string{"email": "alice@example.com", "password": ""}, "", 400, `{"password":["This field may not be blank."]}`},
			{"blank spaces", map[string]string{"email": "  ", "password": "x"}, "", 400, `{"email":["This field may not be blank."]}`},
			{"null", map[string]any{"email": nil, "password": "x"}, "", 400, `{"email":["This field may not be null."]}`},
			{"wrong types", map[string]any{"email": []int{1}, "password": map[string]int{"a": 1}}, "", 400, `{"email":["Not a valid string."],"password":["Not a valid string."]}`},
			{"number password", map[string]any{"email": "alice@example.com", "password": 12345}, "", 401, noAccount},
			{"empty body", "", "", 400, `{"email":["This field is required."],"password":["This field is required."]}`},
			{"not an object", `[1,2]`, "", 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
			{"malformed JSON", `{"email": `, "", 400, ""},
			{"text/plain", `email=a`, "text/plain", 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
			{"huge body", `{"email":"` + strings.Repeat("a", 2<<20) + `"}`, "", 413, ""},
			{"deep JSON", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), "", 400, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var r authtest.Response
				if c.ctype != "" {
					r = e.Post("/api/token/", c.body, "Content-Type", c.ctype)
				} else {
					r = e.Post("/api/token/", c.body)
				}
				if r.Status != c.status {
					t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Raw)
				}
				if c.want != "" && r.Raw != c.want {
					t.Fatalf("body\n got %s\nwant %s", r.Raw, c.want)
				}
				switch c.status {
				case 200:
					if r.Str("refresh") == "" || r.Str("access") == "" || !strings.HasPrefix(r.Raw, `{"refresh":`) {
						t.Fatalf("want refresh then access: %s", r.Raw)
					}
					if r.Header.Get("Cache-Control") != "no-store" {
						t.Errorf("token answer is cacheable: %q", r.Header.Get("Cache-Control"))
					}
				case 401:
					if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
						t.Errorf("WWW-Authenticate = %q", got)
					}
				case 400:
					if c.want == "" && !strings.HasPrefix(r.Str("detail"), "JSON parse error - ") {
						t.Errorf("want a JSON parse error: %s", r.Raw)
					}
				case 413:
					if r.Str("detail") == "" {
						t.Errorf("413 without a detail: %s", r.Raw)
					}
				}
			})
		}
	})
}

// TestRouting covers the generic answers: trailing slash optional, 404, 405.
func TestRouting(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	e.CreateUser("a@example.com", pw)
	if r := e.Post("/api/token", map[string]string{"email": "a@example.com", "password": pw}); r.Status != 200 {
		t.Errorf("no trailing slash: %d %s", r.Status, r.Raw)
	}
	if r := e.Do("GET", "/api/token/", nil); r.Status != 405 || r.Raw != `{"detail":"Method \"GET\" not allowed."}` {
		t.Errorf("GET login: %d %s", r.Status, r.Raw)
	}
	if r := e.Do("GET", "/nope/", nil); r.Status != 404 || r.Raw != `{"detail":"Not found."}` {
		t.Errorf("unknown path: %d %s", r.Status, r.Raw)
	}
	if r := e.Do("DELETE", "/logout_token/", nil); r.Status != 405 {
		t.Errorf("DELETE logout: %d %s", r.Status, r.Raw)
	}
}

// TestRefresh covers rotation, blacklisting and reuse detection (CONTRACT "rotate").
func TestRefresh(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		r1, a1 := e.Login("a@example.com", pw)

		r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1})
		if r.Status != 200 || !strings.HasPrefix(r.Raw, `{"access":`) || r.Str("refresh") == "" || r.Str("refresh") == r1 {
			t.Fatalf("refresh: %d %s", r.Status, r.Raw)
		}
		r2 := r.Str("refresh")
		if me := e.Do("GET", "/api/me/", nil, authtest.Bearer(r.Str("access"))...); me.Status != 200 {
			t.Fatalf("new access token refused: %d %s", me.Status, me.Raw)
		}

		blacklisted := `{"detail":"Token is blacklisted","code":"token_not_valid"}`
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 || r.Raw != blacklisted {
			t.Fatalf("reuse: %d %s", r.Status, r.Raw)
		}
		// Reuse of a rotated token revoked the family: the newest token is dead too.
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r2}); r.Status != 401 || r.Raw != blacklisted {
			t.Fatalf("family not revoked: %d %s", r.Status, r.Raw)
		}
		ot, err := e.App.DB.TokenByJTI(t.Context(), jti(t, r2))
		if err != nil || !ot.Blacklisted || ot.Reason != auth.ReasonReuseDetected {
			t.Fatalf("store: %+v %v", ot, err)
		}

		invalid := `{"detail":"Token is invalid or expired","code":"token_not_valid"}`
		for name, c := range map[string]struct {
			body   any
			status int
			want   string
		}{
			"access token":  {map[string]string{"refresh": a1}, 401, `{"detail":"Token has wrong type","code":"token_not_valid"}`},
			"garbage":       {map[string]string{"refresh": "abc.def.ghi"}, 401, invalid},
			"bad signature": {map[string]string{"refresh": r1[:len(r1)-4] + "AAAA"}, 401, invalid},
			"missing":       {map[string]string{}, 400, `{"refresh":["This field is required."]}`},
			"number":        {map[string]any{"refresh": 5}, 401, invalid},
		} {
			if r := e.Post("/api/token/refresh/", c.body); r.Status != c.status || r.Raw != c.want {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}

		// Expired refresh token.
		r3, _ := e.Login("a@example.com", pw)
		e.Clock.Advance(73 * time.Hour)
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r3}); r.Status != 401 || r.Raw != invalid {
			t.Errorf("expired: %d %s", r.Status, r.Raw)
		}
	})
}

// TestRefreshDuplicateInFlight: a rotated token presented by a request that started before the
// rotation ran is a duplicate (two tabs refreshing at once), refused without revoking the
// family; presented by a request that started after it, a replay that revokes the family. The
// harness clock stands in for a request that was slow to arrive.
func TestRefreshDuplicateInFlight(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		r1, _ := e.Login("a@example.com", pw)
		e.Clock.Advance(30 * time.Second)
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1})
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Raw)
		}
		r2 := r.Str("refresh")
		blacklisted := `{"detail":"Token is blacklisted","code":"token_not_valid"}`

		e.Clock.Advance(-10 * time.Second) // this request started before the rotation ran
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 || r.Raw != blacklisted {
			t.Fatalf("duplicate: %d %s", r.Status, r.Raw)
		}
		if ot, err := e.App.DB.TokenByJTI(t.Context(), jti(t, r2)); err != nil || ot.Blacklisted {
			t.Fatalf("a duplicate revoked the family: %+v %v", ot, err)
		}

		e.Clock.Advance(20 * time.Second) // and this one after: a replay
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 || r.Raw != blacklisted {
			t.Fatalf("replay: %d %s", r.Status, r.Raw)
		}
		if ot, err := e.App.DB.TokenByJTI(t.Context(), jti(t, r2)); err != nil || !ot.Blacklisted || ot.Reason != auth.ReasonReuseDetected {
			t.Fatalf("a replay left the family alive: %+v %v", ot, err)
		}
	})
}

// TestRefreshRace: of 50 concurrent refreshes of one token exactly one wins (DESIGN: the refresh
// invariant), and the family gains exactly one member.
func TestRefreshRace(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		r1, _ := e.Login("a@example.com", pw)
		const n = 50
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]authtest.Response, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = e.Post("/api/token/refresh/", map[string]string{"refresh": r1})
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, r := range results {
			switch {
			case r.Status == 200:
				wins++
			case r.Status == 401 && r.Str("detail") == "Token is blacklisted":
			default:
				t.Errorf("unexpected answer: %d %s", r.Status, r.Raw)
			}
		}
		if wins != 1 {
			t.Fatalf("%d refreshes won, want exactly 1", wins)
		}
		toks, err := e.App.DB.ListTokens(t.Context(), auth.TokenQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		first, err := e.App.DB.TokenByJTI(t.Context(), jti(t, r1))
		if err != nil {
			t.Fatal(err)
		}
		family := 0
		for _, tok := range toks {
			if tok.FamilyID == first.FamilyID {
				family++
			}
		}
		if family != 2 {
			t.Fatalf("family has %d members, want 2 (the original and one rotation)", family)
		}
	})
}

// TestForeignRefreshToken: a validly signed refresh token authgate never issued (a peer SimpleJWT
// deployment) is accepted once, recorded and rotated.
func TestForeignRefreshToken(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		u := e.CreateUser("a@example.com", pw)
		now := time.Now()
		raw := sign(t, jwt.MapClaims{"token_type": "refresh", "exp": now.Add(time.Hour).Unix(),
			"iat": now.Unix(), "jti": "0123456789abcdef0123456789abcdef", "user_id": u.ID})
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": raw}); r.Status != 200 {
			t.Fatalf("first use: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": raw}); r.Status != 401 || r.Str("detail") != "Token is blacklisted" {
			t.Fatalf("second use: %d %s", r.Status, r.Raw)
		}
	})
}

// TestVerifyAndBlacklist covers SimpleJWT's verify and blacklist views.
func TestVerifyAndBlacklist(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		r1, a1 := e.Login("a@example.com", pw)
		for _, tok := range []string{r1, a1} {
			if r := e.Post("/api/token/verify/", map[string]string{"token": tok}); r.Status != 200 || r.Raw != `{}` {
				t.Fatalf("verify: %d %s", r.Status, r.Raw)
			}
		}
		if r := e.Post("/api/token/verify/", map[string]string{"token": "x"}); r.Status != 401 || r.Raw != `{"detail":"Token is invalid or expired","code":"token_not_valid"}` {
			t.Fatalf("verify garbage: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/verify/", map[string]string{}); r.Status != 400 || r.Raw != `{"token":["This field is required."]}` {
			t.Fatalf("verify missing: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/blacklist/", map[string]string{"refresh": r1}); r.Status != 200 || r.Raw != `{}` {
			t.Fatalf("blacklist: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/verify/", map[string]string{"token": r1}); r.Status != 400 || r.Raw != `{"non_field_errors":["Token is blacklisted"]}` {
			t.Fatalf("verify blacklisted: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/blacklist/", map[string]string{"refresh": r1}); r.Status != 401 || r.Str("detail") != "Token is blacklisted" {
			t.Fatalf("blacklist twice: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": r1}); r.Status != 401 {
			t.Fatalf("refresh after blacklist: %d %s", r.Status, r.Raw)
		}
	})
}

// TestSliding covers the sliding-token views.
func TestSliding(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := authtest.Start(t, b)
		e.CreateUser("a@example.com", pw)
		r := e.Post("/api/token/sliding/", map[string]string{"email": "a@example.com", "password": pw})
		if r.Status != 200 || r.Str("token") == "" {
			t.Fatalf("obtain: %d %s", r.Status, r.Raw)
		}
		tok := r.Str("token")
		e.Clock.Advance(2 * time.Second)
		r = e.Post("/api/token/sliding/refresh/", map[string]string{"token": tok})
		if r.Status != 200 || r.Str("token") == "" || r.Str("token") == tok {
			t.Fatalf("refresh: %d %s", r.Status, r.Raw)
		}
		if jti(t, r.Str("token")) != jti(t, tok) {
			t.Errorf("sliding refresh changed the jti")
		}
		if r := e.Post("/api/token/sliding/", map[string]string{"email": "a@example.com", "password": "x"}); r.Status != 401 {
			t.Fatalf("bad credentials: %d %s", r.Status, r.Raw)
		}
	})
}

// TestThrottleLogin: past the rate, 429 with DRF's message and Retry-After; another address's
// bucket of the same account is unaffected (no lock-out of every address).
func TestThrottleLogin(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{
		"AUTHGATE_THROTTLE_LOGIN": "3/min", "AUTHGATE_TRUSTED_PROXIES": "127.0.0.1",
	}))
	e.CreateUser("a@example.com", pw)
	body := map[string]string{"email": "a@example.com", "password": "wrong"}
	for i := range 3 {
		if r := e.Post("/api/token/", body, "X-Forwarded-For", "203.0.113.1"); r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Raw)
		}
	}
	r := e.Post("/api/token/", body, "X-Forwarded-For", "203.0.113.1")
	if r.Status != 429 || !strings.HasPrefix(r.Str("detail"), "Request was throttled. Expected available in ") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt: %d %s %v", r.Status, r.Raw, r.Header)
	}
	if r := e.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw}, "X-Forwarded-For", "198.51.100.7"); r.Status != 200 {
		t.Fatalf("other address locked out: %d %s", r.Status, r.Raw)
	}
}

// TestParallelLoginsThrottled: parallel attempts cannot slip past the limit.
func TestParallelLoginsThrottled(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite, authtest.With(map[string]string{"AUTHGATE_THROTTLE_LOGIN": "5/min"}))
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Post("/api/token/", map[string]string{"email": "x@example.com", "password": "y"})
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[401] != 5 || counts[429] != 25 {
		t.Fatalf("statuses %v, want 5×401 and 25×429", counts)
	}
}

// TestOperations covers /healthz, /readyz and /metrics.
func TestOperations(t *testing.T) {
	e := authtest.Start(t, authtest.SQLite)
	if r := e.Do("GET", "/healthz", nil); r.Status != 200 || r.Str("status") != "ok" {
		t.Fatalf("healthz: %d %s", r.Status, r.Raw)
	}
	if r := e.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz: %d %s", r.Status, r.Raw)
	}
	e.Post("/api/token/", map[string]string{"email": "x@example.com", "password": "y"})
	r := e.Do("GET", "/metrics", nil)
	for _, want := range []string{`authgate_http_requests_total{method="POST",route="/api/token/",status="401"} 1`,
		`authgate_logins_total{result="failed"} 1`, "authgate_build_info", "go_goroutines", "authgate_db_max_open_connections"} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	// Storage down: readyz says so and login fails closed with 503, never a token.
	e.App.DB.Close()
	if r := e.Do("GET", "/readyz", nil); r.Status != 503 {
		t.Fatalf("readyz with storage down: %d %s", r.Status, r.Raw)
	}
	if r := e.Post("/api/token/", map[string]string{"email": "x@example.com", "password": "y"}); r.Status != 503 || r.Raw != `{"detail":"Service temporarily unavailable."}` {
		t.Fatalf("login with storage down: %d %s", r.Status, r.Raw)
	}
}

func jti(t *testing.T, raw string) string {
	t.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, c); err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	s, _ := c["jti"].(string)
	return s
}

func sign(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(authtest.Key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
