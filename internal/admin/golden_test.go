package admin_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// normalizers take out what changes from run to run: CSRF tokens (masked afresh on every page),
// asset versions (a hash of the CSS and script), UUIDs and instants.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`name="csrfmiddlewaretoken" value="[^"]+"`), `name="csrfmiddlewaretoken" value="CSRF"`},
	{regexp.MustCompile(`\?v=[0-9a-f]+`), `?v=VERSION`},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), `UUID`},
	{regexp.MustCompile(`<time datetime="[^"]+"[^>]*>[^<]+</time>`), `<time>TIME</time>`},
}

func normalize(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	got = normalize(got)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendered page (go test -update rewrites it); got:\n%s", path, got)
	}
}

func TestGoldenPages(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t)
	e.CreateUser("bob@example.org", password, staff)
	e.CreateUser("carol@example.net", "", func(n *auth.NewUser) { n.Inactive = true })
	a := newAgent(t, e)
	golden(t, "login.html", a.get("/admin/login/?next=/admin/users/").Body)
	a.login(superEmail, password)
	golden(t, "users.html", a.get("/admin/users/").Body)
}

// TestGoldenAccountPages: the users page filtered to unverified addresses, a user waiting for
// activation, and the invitations page.
func TestGoldenAccountPages(t *testing.T) {
	t.Parallel()
	e, _, _, _ := env(t, authtest.With(map[string]string{"AUTHGATE_SIGNUP": "invite"}))
	u, err := e.App.Service.SignUp(t.Context(), auth.SignUpRequest{Email: "dora@example.org", Password: "", FirstName: "Dora"}, auth.Client{IP: "test"})
	if err == nil {
		t.Fatalf("sign-up without an invitation made %+v", u)
	}
	pending := e.CreateUser("pending@example.org", password, func(n *auth.NewUser) { n.FirstName = "Pat"; n.LastName = "Ending" })
	pending.VerifiedAt, pending.IsActive, pending.ActivationPending = time.Time{}, false, true
	if err := e.App.DB.UpdateUser(t.Context(), pending); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Service.Invite(t.Context(), "grace@example.com", "", auth.Client{IP: "test"}); err != nil {
		t.Fatal(err)
	}
	a := newAgent(t, e)
	a.login(superEmail, password)
	golden(t, "users_unverified.html", a.get("/admin/users/?verified=0").Body)
	golden(t, "user_pending.html", a.get("/admin/users/"+pending.ID+"/").Body)
	golden(t, "invitations.html", a.get("/admin/invitations/").Body)
}
