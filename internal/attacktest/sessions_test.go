package attacktest

import (
	"encoding/json"
	"net/netip"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

// device is one login of a user: where from, and the tokens it holds.
type device struct {
	ip, ua          string
	refresh, access string
	family          string // the session id, from the tokens' sid claim
}

// sessionsEnv starts a server that believes X-Forwarded-For from the test client.
func sessionsEnv(t *testing.T, b authtest.Backend) *authtest.Env {
	return authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"}))
}

// loginFrom logs in from an address with a user agent.
func loginFrom(t *testing.T, e *authtest.Env, email, ip, ua string) *device {
	t.Helper()
	r := e.Post("/api/token/", map[string]string{"email": email, "password": pw}, "X-Forwarded-For", ip, "User-Agent", ua)
	if r.Status != 200 {
		t.Fatalf("login from %s: %d %s", ip, r.Status, r.Raw)
	}
	sid, _ := payloadOf(t, r.Str("refresh"))["sid"].(string)
	if asid, _ := payloadOf(t, r.Str("access"))["sid"].(string); sid == "" || asid != sid {
		t.Fatalf("login: refresh token's sid %q, access token's %q", sid, asid)
	}
	return &device{ip: ip, ua: ua, refresh: r.Str("refresh"), access: r.Str("access"), family: sid}
}

// sessionList is GET /api/sessions/ as the device, showing its refresh token when current.
func sessionList(t *testing.T, e *authtest.Env, d *device, current string) map[string]map[string]any {
	t.Helper()
	h := authtest.Bearer(d.access)
	if current != "" {
		h = append(h, "X-Refresh-Token", current)
	}
	r := e.Do("GET", "/api/sessions/", nil, h...)
	var list []map[string]any
	if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" || json.Unmarshal([]byte(r.Raw), &list) != nil {
		t.Fatalf("sessions: %d %v %s", r.Status, r.Header, r.Raw)
	}
	out := map[string]map[string]any{}
	for _, s := range list {
		out[s["id"].(string)] = s
	}
	return out
}

func canonical(t *testing.T, ip string) string {
	t.Helper()
	return netip.MustParseAddr(ip).String()
}

// TestSessionsList (ASVS 3.3.4: "view and log out of any or all currently active sessions"):
// GET /api/sessions/ shows the caller's logins, one per refresh family however often it was
// refreshed, with its creation and last use, the address and user agent of its newest token,
// and "current" only for the login of the caller's access token (its sid), whatever refresh
// token it shows — never another user's. Session ids are opaque, never a token's jti (review
// finding 13.5).
func TestSessionsList(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := sessionsEnv(t, b)
		e.CreateUser("a@example.com", pw)
		e.CreateUser("other@example.com", pw)
		laptop := loginFrom(t, e, "a@example.com", "198.51.100.1", "Firefox/130")
		phone := loginFrom(t, e, "a@example.com", "2001:db8::0:1", "Phone/1.0")
		cli := loginFrom(t, e, "a@example.com", "198.51.100.3", "curl/8")
		other := loginFrom(t, e, "other@example.com", "198.51.100.4", "Other/1")
		e.Clock.Advance(2e9)
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": laptop.refresh}, "X-Forwarded-For", "198.51.100.9", "User-Agent", "Firefox/131")
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Raw)
		}
		stale, fresh := laptop.refresh, r.Str("refresh")

		list := sessionList(t, e, phone, phone.refresh)
		if len(list) != 3 || list[other.family] != nil {
			t.Fatalf("want the 3 logins of the caller only, got %v", list)
		}
		want := map[string][2]string{laptop.family: {"198.51.100.9", "Firefox/131"}, phone.family: {canonical(t, "2001:db8::1"), "Phone/1.0"},
			cli.family: {"198.51.100.3", "curl/8"}}
		for fam, w := range want {
			s := list[fam]
			if s == nil || s["client_ip"] != w[0] || s["user_agent"] != w[1] {
				t.Errorf("session %s: %v, want address %s and agent %s", fam, s, w[0], w[1])
				continue
			}
			if s["current"] != (fam == phone.family) {
				t.Errorf("session %s current=%v", fam, s["current"])
			}
			if s["created_at"].(string) > s["last_used_at"].(string) {
				t.Errorf("session %s created after its last use: %v", fam, s)
			}
		}
		if l := list[laptop.family]; l != nil && l["created_at"] == l["last_used_at"] {
			t.Errorf("refreshed session's last use did not move: %v", l)
		}
		for name, shown := range map[string]string{"a rotated token": stale, "another user's token": other.refresh,
			"junk": "x.y.z", "another of the caller's tokens": cli.refresh} {
			for fam, s := range sessionList(t, e, phone, shown) {
				if s["current"] != (fam == phone.family) {
					t.Errorf("showing %s: session %s current=%v", name, fam, s["current"])
				}
			}
		}
		for fam := range list {
			for _, tok := range []string{laptop.refresh, fresh, phone.refresh, phone.access, cli.refresh, cli.access} {
				if fam == payloadOf(t, tok)["jti"] {
					t.Errorf("session id %s is a token's jti", fam)
				}
			}
		}
		if s := sessionList(t, e, laptop, fresh)[laptop.family]; s == nil || s["current"] != true {
			t.Errorf("the refreshed login is not current with its new token: %v", s)
		}
		if r := e.Do("GET", "/api/sessions/", nil); r.Status != 401 {
			t.Errorf("sessions without a token: %d %s", r.Status, r.Raw)
		}
	})
}

// TestSessionsRevokeOne (ASVS 3.3.4, OWASP IDOR): DELETE /api/sessions/{id}/ ends one of the
// caller's logins at once; someone else's, an ended or an unknown one is 404 and ends nothing.
func TestSessionsRevokeOne(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := sessionsEnv(t, b)
		e.CreateUser("a@example.com", pw)
		e.CreateUser("other@example.com", pw)
		laptop := loginFrom(t, e, "a@example.com", "198.51.100.1", "Firefox")
		phone := loginFrom(t, e, "a@example.com", "198.51.100.2", "Phone")
		other := loginFrom(t, e, "other@example.com", "198.51.100.3", "Other")

		if r := e.Do("DELETE", "/api/sessions/"+other.family+"/", nil, authtest.Bearer(laptop.access)...); r.Status != 404 || r.Raw != `{"detail":"Not found."}` {
			t.Fatalf("revoking another user's session: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": other.refresh}); r.Status != 200 {
			t.Fatalf("the other user's session was ended: %d %s", r.Status, r.Raw)
		}
		if r := e.Do("DELETE", "/api/sessions/"+phone.family+"/", nil, authtest.Bearer(laptop.access)...); r.Status != 204 {
			t.Fatalf("revoke: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": phone.refresh}); r.Status != 401 {
			t.Fatalf("revoked session still refreshes: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": laptop.refresh}); r.Status != 200 {
			t.Fatalf("the caller's other session was ended: %d %s", r.Status, r.Raw)
		}
		for _, id := range []string{phone.family, newJTI(), "..", "%2e%2e"} {
			if r := e.Do("DELETE", "/api/sessions/"+id+"/", nil, authtest.Bearer(laptop.access)...); r.Status != 404 {
				t.Errorf("DELETE session %q: %d %s", id, r.Status, r.Raw)
			}
		}
		if r := e.Do("DELETE", "/api/sessions/"+laptop.family+"/", nil); r.Status != 401 {
			t.Errorf("DELETE without a token: %d %s", r.Status, r.Raw)
		}
	})
}

// TestSessionsLogoutOthers (ASVS 3.3.4): POST /api/sessions/logout-others/ with the current
// refresh token ends every other login of the caller and keeps this one; a token that is not the
// caller's live one is refused and ends nothing.
func TestSessionsLogoutOthers(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := sessionsEnv(t, b)
		e.CreateUser("a@example.com", pw)
		e.CreateUser("other@example.com", pw)
		me := loginFrom(t, e, "a@example.com", "198.51.100.1", "Firefox")
		second := loginFrom(t, e, "a@example.com", "198.51.100.2", "Phone")
		third := loginFrom(t, e, "a@example.com", "198.51.100.3", "CLI")
		other := loginFrom(t, e, "other@example.com", "198.51.100.4", "Other")
		rot := e.Post("/api/token/refresh/", map[string]string{"refresh": me.refresh})
		stale := me.refresh
		me.refresh = rot.Str("refresh")

		for name, shown := range map[string]string{"another user's token": other.refresh, "a rotated token": stale, "junk": "x.y.z"} {
			if r := e.Post("/api/sessions/logout-others/", map[string]string{"refresh": shown}, authtest.Bearer(me.access)...); r.Status != 401 {
				t.Errorf("logout-others with %s: %d %s", name, r.Status, r.Raw)
			}
		}
		if r := e.Post("/api/sessions/logout-others/", map[string]string{"refresh": second.refresh}, authtest.Bearer(me.access)...); r.Status != 401 {
			t.Errorf("logout-others with a refresh token of another session than the access token's: %d %s", r.Status, r.Raw)
		}
		if n := len(sessionList(t, e, me, "")); n != 3 {
			t.Fatalf("a refused logout-others ended sessions: %d left", n)
		}
		r := e.Post("/api/sessions/logout-others/", map[string]string{"refresh": me.refresh}, authtest.Bearer(me.access)...)
		if r.Status != 200 || r.Raw != `{"status":"OK, other sessions logged out","revoked":2}` {
			t.Fatalf("logout-others: %d %s", r.Status, r.Raw)
		}
		for _, d := range []*device{second, third} {
			if r := e.Post("/api/token/refresh/", map[string]string{"refresh": d.refresh}); r.Status != 401 {
				t.Errorf("other session %s still refreshes: %d %s", d.ua, r.Status, r.Raw)
			}
		}
		list := sessionList(t, e, me, me.refresh)
		if len(list) != 1 || list[me.family]["current"] != true {
			t.Fatalf("after logout-others: %v", list)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": other.refresh}); r.Status != 200 {
			t.Fatalf("another user's session was ended: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": me.refresh}); r.Status != 200 {
			t.Fatalf("the kept session does not refresh: %d %s", r.Status, r.Raw)
		}
	})
}

// TestSessionsLogoutOthersByAccessToken: the access token's sid names the session to keep, so
// POST /api/sessions/logout-others/ needs no refresh token (a cookie-mode frontend has none in
// JavaScript), and the other sessions' access tokens stop working at once, not when they expire.
func TestSessionsLogoutOthersByAccessToken(t *testing.T) {
	t.Parallel()
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		e := sessionsEnv(t, b)
		e.CreateUser("a@example.com", pw)
		me := loginFrom(t, e, "a@example.com", "198.51.100.1", "Firefox")
		other := loginFrom(t, e, "a@example.com", "198.51.100.2", "Phone")
		r := e.Post("/api/sessions/logout-others/", map[string]string{}, authtest.Bearer(me.access)...)
		if r.Status != 200 || r.Raw != `{"status":"OK, other sessions logged out","revoked":1}` {
			t.Fatalf("logout-others without a refresh token: %d %s", r.Status, r.Raw)
		}
		if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(other.access)...); r.Status != 401 ||
			r.Raw != `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}` {
			t.Errorf("the ended session's access token: %d %s", r.Status, r.Raw)
		}
		if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(me.access)...); r.Status != 200 {
			t.Errorf("the kept session's access token: %d %s", r.Status, r.Raw)
		}
		if r := e.Post("/api/token/refresh/", map[string]string{"refresh": other.refresh}); r.Status != 401 {
			t.Errorf("the ended session refreshes: %d %s", r.Status, r.Raw)
		}
	})
}
