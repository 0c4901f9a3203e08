package admin_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// jtis lists a user's outstanding tokens, newest first.
func jtis(t *testing.T, e *authtest.Env, userID string) []string {
	t.Helper()
	ts, err := e.App.Service.Store().ListTokens(context.Background(), auth.TokenQuery{UserID: userID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tk := range ts {
		out = append(out, tk.JTI)
	}
	return out
}

var claimsRe = regexp.MustCompile(`(?s)<pre class="json" id="claims"[^>]*>(.*?)</pre>`)

func TestTokenPageShowsClaims(t *testing.T) {
	t.Parallel()
	e, _, st, u := env(t)
	refresh, _ := e.Login(userEmail, password)
	jti := jtis(t, e, u.ID)[0]
	a := newAgent(t, e)
	a.login(staffEmail, password)

	p := a.get("/admin/tokens/" + jti + "/")
	if p.Status != http.StatusOK {
		t.Fatalf("token page: %d", p.Status)
	}
	m := claimsRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no claims on the page:\n%s", p.Body)
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &claims); err != nil {
		t.Fatalf("claims are not JSON: %v\n%s", err, m[1])
	}
	if claims["token_type"] != "refresh" || claims["jti"] != jti || claims["user_id"] != u.ID {
		t.Errorf("claims: %v", claims)
	}
	if !strings.Contains(html.UnescapeString(m[1]), "\n  \"") {
		t.Error("claims are not pretty-printed")
	}
	if strings.Contains(p.Body, refresh) || strings.Contains(p.Body, strings.Split(refresh, ".")[2]) {
		t.Error("the page shows the token itself")
	}
	if !strings.Contains(p.Body, ">Active<") {
		t.Error("state not shown as active")
	}

	// Blacklisting it from its page: the API refuses it at once, and the audit names the admin.
	p = a.submit("/admin/tokens/"+jti+"/", "/admin/tokens/"+jti+"/blacklist/", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/tokens/"+jti+"/" {
		t.Fatalf("blacklist: %d %q", p.Status, p.Location)
	}
	if st, detail := refreshStatus(e, refresh); st != http.StatusUnauthorized || detail != "Token is blacklisted" {
		t.Errorf("refresh after admin blacklist: %d %q", st, detail)
	}
	body := a.get("/admin/tokens/" + jti + "/").Body
	if !strings.Contains(body, "Blacklisted by an administrator") || !strings.Contains(body, "is blacklisted.") {
		t.Error("the token page does not show the blacklisting")
	}
	checkAudit(t, e, u.ID, "token_blacklisted", st.ID)
	if p := a.submit("/admin/tokens/", "/admin/tokens/nope/blacklist/", nil); p.Status != http.StatusNotFound {
		t.Errorf("blacklisting an unknown jti: %d", p.Status)
	}
}

func TestBlacklistSelected(t *testing.T) {
	t.Parallel()
	e, _, _, u := env(t)
	r1, _ := e.Login(userEmail, password)
	r2, _ := e.Login(userEmail, password)
	r3, _ := e.Login(userEmail, password)
	ids := jtis(t, e, u.ID) // r3, r2, r1
	a := newAgent(t, e)
	a.login(staffEmail, password)

	back := "/admin/tokens/?q=alice"
	p := a.submit(back, "/admin/tokens/blacklist/", url.Values{"jti": {ids[1], ids[2], "unknown"}, "back": {back}})
	if p.Status != http.StatusSeeOther || p.Location != back {
		t.Fatalf("blacklist selected: %d %q", p.Status, p.Location)
	}
	if body := a.get(back).Body; !strings.Contains(body, "Blacklisted 2 tokens.") {
		t.Errorf("no result message: %s", errorText(body))
	}
	for r, want := range map[string]int{r1: 401, r2: 401, r3: 200} {
		if st, _ := refreshStatus(e, r); st != want {
			t.Errorf("refresh: %d, want %d", st, want)
		}
	}
	// The blacklisted tokens page lists them with the reason.
	body := a.get("/admin/blacklisted/?q=" + ids[1][:10]).Body
	if !strings.Contains(body, ids[1]) || strings.Contains(body, ids[2]) || !strings.Contains(body, "Blacklisted by an administrator") {
		t.Errorf("blacklisted search for %s:\n%s", ids[1], body)
	}
	// Nothing selected, and an outside "back": a message and the list, no open redirect.
	p = a.submit("/admin/tokens/", "/admin/tokens/blacklist/", url.Values{"back": {"https://evil.example/"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/" {
		t.Errorf("empty selection: %d %q", p.Status, p.Location)
	}
}

func TestTokenStateFilter(t *testing.T) {
	t.Parallel()
	e, _, _, u := env(t)
	r1, _ := e.Login(userEmail, password)
	if st, _ := refreshStatus(e, r1); st != 200 { // r1 rotated: blacklisted
		t.Fatal("refresh failed")
	}
	ids := jtis(t, e, u.ID) // rotated child, r1
	a := newAgent(t, e)
	a.login(staffEmail, password)
	active := a.get("/admin/tokens/?state=active").Body
	black := a.get("/admin/tokens/?state=blacklisted").Body
	if !strings.Contains(active, ids[0]) || strings.Contains(active, ids[1]) {
		t.Error("active filter")
	}
	if !strings.Contains(black, ids[1]) || strings.Contains(black, ids[0]) {
		t.Error("blacklisted filter")
	}
	if !strings.Contains(black, `aria-current="true">Blacklisted<`) {
		t.Error("the selected filter is not marked")
	}
	e.Clock.Advance(96 * time.Hour) // past the 3-day refresh lifetime, and the panel session's 8h
	a.login(staffEmail, password)
	expired := a.get("/admin/tokens/?state=expired").Body
	if !strings.Contains(expired, ids[0]) || strings.Contains(expired, ids[1]) {
		t.Error("expired filter")
	}
}

func TestLoggedOutTokenIsListedAsBlacklisted(t *testing.T) {
	t.Parallel()
	e, _, _, u := env(t)
	refresh, access := e.Login(userEmail, password)
	r := e.Post("/logout_token/", map[string]string{"refresh_token": refresh}, authtest.Bearer(access)...)
	if r.Status != http.StatusOK {
		t.Fatalf("logout_token: %d %s", r.Status, r.Raw)
	}
	jti := jtis(t, e, u.ID)[0]
	a := newAgent(t, e)
	a.login(staffEmail, password)
	body := a.get("/admin/blacklisted/").Body
	if !strings.Contains(body, jti) || !strings.Contains(body, "Logged out") {
		t.Errorf("logged-out token %s not listed:\n%s", jti, body)
	}
}
