package interop_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/djangoimport"
)

var update = flag.Bool("update", false, "rewrite internal/djangoimport/testdata/dumpdata.json from the live Django project")

// The users of the import scenario: ids chosen so that they can be told apart in the dump.
var (
	adaDjango = seedUser{ID: "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b01", Email: "ada@example.com", Password: "ada's old password", IsActive: true}
	bobDjango = seedUser{ID: "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b02", Email: "Bob@example.com", Password: "bob's old password", IsActive: true, IsStaff: true, IsSuperuser: true}
	cyDjango  = seedUser{ID: "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b03", Email: "cy@example.com", Password: "cy's old password", IsActive: false}
)

// TestImportFromDjango is the migration: users log in and get tokens at Django, the Django
// database is dumped with `manage.py dumpdata`, and the dump is imported into authgate. Then
// users log in at authgate with their old passwords, their outstanding refresh tokens work, and
// the ones Django had blacklisted stay blacklisted. Importing again changes nothing.
func TestImportFromDjango(t *testing.T) {
	t.Parallel()
	s := sameKey(t, "HS256")
	dj := startDjango(t, s.django, []seedUser{adaDjango, bobDjango, cyDjango})

	refreshA, _ := dj.login(adaDjango.Email, adaDjango.Password)
	refreshB, _ := dj.login(adaDjango.Email, adaDjango.Password)
	rot := mustStatus(t, "Django rotates A", dj.post("/api/token/refresh/", map[string]string{"refresh": refreshA}, ""), 200)
	refreshC, accessC := dj.login(bobDjango.Email, bobDjango.Password)
	mustStatus(t, "Django logout of C", dj.post("/logout_token/", map[string]string{"refresh_token": refreshC}, bearer(accessC)), 200)

	// Every app, in INSTALLED_APPS order: token_blacklist comes before the user model's app.
	dump := dj.manage("", "dumpdata", "--indent", "2")
	path := filepath.Join(t.TempDir(), "dumpdata.json")
	if err := os.WriteFile(path, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../internal/djangoimport/testdata/dumpdata.json", []byte(dump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Index(dump, `"token_blacklist.outstandingtoken"`) > strings.Index(dump, `"usermodel.user"`) {
		t.Fatalf("the dump lists users before tokens; the scenario wants the harder order")
	}

	e := authtest.Start(t, authtest.SQLite, s.authgate)
	first := importFile(t, e, path)
	want := djangoimport.Report{
		Users: djangoimport.Counts{Created: 3}, Tokens: djangoimport.Counts{Created: 3},
		Blacklisted: djangoimport.Counts{Created: 2},
	}
	if first.Users != want.Users || first.Tokens != want.Tokens || first.Blacklisted != want.Blacklisted || first.Skipped != 0 {
		t.Fatalf("first import: %+v, want %+v", first, want)
	}
	if first.PasswordFormats["pbkdf2_sha256"] != 3 || first.Ignored["auth.permission"] == 0 {
		t.Errorf("first import: formats %v, ignored %v", first.PasswordFormats, first.Ignored)
	}
	second := importFile(t, e, path)
	if second.Changed() || second.Users.Existing != 3 || second.Tokens.Existing != 3 || second.Blacklisted.Existing != 2 {
		t.Errorf("second import: %+v, want nothing new", second)
	}

	ag := func(path string, body any, authorization string) reply {
		return call(t, "POST", e.URL+path, body, authorization)
	}
	// Old passwords work, and are re-hashed with argon2id on the way.
	login := mustStatus(t, "ada logs in at authgate with her old password",
		ag("/api/token/", map[string]string{"email": adaDjango.Email, "password": adaDjango.Password}, ""), 200)
	u, err := e.App.DB.UserByID(context.Background(), adaDjango.ID)
	if err != nil || !strings.HasPrefix(u.PasswordHash, "argon2$argon2id$") {
		t.Errorf("ada's hash after login: %.20q (%v), want argon2id", u.PasswordHash, err)
	}
	me := mustStatus(t, "ada's /api/me/", call(t, "GET", e.URL+"/api/me/", nil, bearer(login.str("access"))), 200)
	if me.str("id") != adaDjango.ID {
		t.Errorf("ada is %s at authgate, want id %s", me.Raw, adaDjango.ID)
	}
	bob := mustStatus(t, "bob logs in by his e-mail in another case",
		ag("/api/token/", map[string]string{"email": "bob@example.com", "password": bobDjango.Password}, ""), 200)
	me = mustStatus(t, "bob's /api/me/", call(t, "GET", e.URL+"/api/me/", nil, bearer(bob.str("access"))), 200)
	if me.Body["is_staff"] != true || me.Body["is_superuser"] != true || me.str("email") != bobDjango.Email {
		t.Errorf("bob at authgate: %s", me.Raw)
	}
	if r := ag("/api/token/", map[string]string{"email": cyDjango.Email, "password": cyDjango.Password}, ""); r.Status != 401 {
		t.Errorf("inactive cy: %d %s", r.Status, r.Raw)
	}
	if r := ag("/api/token/", map[string]string{"email": adaDjango.Email, "password": "wrong"}, ""); r.Status != 401 {
		t.Errorf("wrong password: %d %s", r.Status, r.Raw)
	}

	// Refresh tokens: outstanding ones work, blacklisted ones stay blacklisted.
	mustStatus(t, "ada's outstanding token B", ag("/api/token/refresh/", map[string]string{"refresh": refreshB}, ""), 200)
	for name, tok := range map[string]string{"ada's rotated token A": refreshA, "bob's logged-out token C": refreshC} {
		r := ag("/api/token/refresh/", map[string]string{"refresh": tok}, "")
		if r.Status != 401 || r.str("detail") != "Token is blacklisted" {
			t.Errorf("%s: %d %s, want 401 Token is blacklisted", name, r.Status, r.Raw)
		}
	}
	// SimpleJWT 5.2 does not record the token it rotates to; authgate takes it as a peer's.
	mustStatus(t, "the token Django rotated A to", ag("/api/token/refresh/", map[string]string{"refresh": rot.str("refresh")}, ""), 200)
	ot, err := e.App.DB.TokenByJTI(context.Background(), jtiOf(t, e, refreshB))
	if err != nil || ot.UserID != adaDjango.ID || !ot.Blacklisted || ot.Reason != "rotated" {
		t.Errorf("token B after its rotation at authgate: %+v, %v", ot, err)
	}
}

func importFile(t *testing.T, e *authtest.Env, path string) djangoimport.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := djangoimport.Import(context.Background(), f, info.Size(), e.App.DB, djangoimport.Options{
		OnProblem: func(p *djangoimport.Problem) { t.Errorf("import: %v", p) },
		Now:       e.Clock.Now,
	})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func jtiOf(t *testing.T, e *authtest.Env, refresh string) string {
	t.Helper()
	c, err := e.App.Tokens.Parse(refresh, "refresh")
	if err != nil {
		t.Fatal(err)
	}
	return c.JTI
}
