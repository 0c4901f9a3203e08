package admin_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
)

// TestStaffEndsSession (issue #15): a user's page lists their live sessions with an "End"
// button; ending one blacklists its refresh token and refuses its access token at once, leaves
// the user's other session alone, and shows it among the ended sessions with its reason. A
// session that is not the user's live one ends nothing.
func TestStaffEndsSession(t *testing.T) {
	t.Parallel()
	e, _, _, u := env(t)
	r1, a1 := e.Login(userEmail, password)
	_, a2 := e.Login(userEmail, password)
	a := newAgent(t, e)
	a.login(staffEmail, password)

	sid := payload(t, r1)["sid"].(string)
	page := a.get("/admin/users/" + u.ID + "/")
	if page.Status != 200 || strings.Count(page.Body, `/sessions/`) != 2 || !strings.Contains(page.Body, sid) {
		t.Fatalf("user page: %d, want two sessions with End buttons, one of them %s", page.Status, sid)
	}
	p := a.submit("/admin/users/"+u.ID+"/", "/admin/users/"+u.ID+"/sessions/"+sid+"/end/", url.Values{})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/users/"+u.ID+"/" {
		t.Fatalf("end session: %d %s", p.Status, p.Location)
	}
	if st, detail := refreshStatus(e, r1); st != 401 || detail != "Token is blacklisted" {
		t.Errorf("the ended session's refresh token: %d %s", st, detail)
	}
	if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a1)...); r.Status != 401 {
		t.Errorf("the ended session's access token: %d %s", r.Status, r.Raw)
	}
	if r := e.Do("GET", "/api/me/", nil, authtest.Bearer(a2)...); r.Status != 200 {
		t.Errorf("the user's other session: %d %s", r.Status, r.Raw)
	}
	body := a.get(p.Location).Body
	if !strings.Contains(body, "The session was ended") || !strings.Contains(body, `id="ended-sessions"`) ||
		!strings.Contains(body, "Blacklisted by an administrator") || strings.Count(body, `/sessions/`) != 1 {
		t.Errorf("user page after ending a session: %s", errorText(body))
	}
	p = a.submit("/admin/users/"+u.ID+"/", "/admin/users/"+u.ID+"/sessions/"+sid+"/end/", url.Values{})
	if p.Status != http.StatusSeeOther || !strings.Contains(a.get(p.Location).Body, "That session had already ended.") {
		t.Errorf("ending it again: %d", p.Status)
	}
	if p := a.post("/admin/users/"+u.ID+"/sessions/"+sid+"/end/", url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("ending a session without the CSRF token: %d", p.Status)
	}
}

// payload decodes a token's claims without checking it.
func payload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
