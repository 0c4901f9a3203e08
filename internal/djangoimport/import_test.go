package djangoimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/djangoimport"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
)

// fixture is testdata/dumpdata.json: `manage.py dumpdata --indent 2` of interop/django after
// the scenario of interop's TestImportFromDjango (regenerate with
// `go test ./interop -run TestImportFromDjango -update`). Ada's outstanding token was rotated
// (blacklisted), her second is outstanding; Bob (staff, superuser) logged out (blacklisted);
// Cy is inactive. Passwords: "ada's old password", "bob's old password", "cy's old password".
const fixture = "testdata/dumpdata.json"

// dumped is the fixture read plainly, to compare the import with.
type dumped struct {
	users       map[string]map[string]any // by pk
	tokens      map[float64]map[string]any
	blacklisted map[float64]string // outstanding pk -> blacklisted_at
	raw         []byte
}

func readFixture(t *testing.T) dumped {
	t.Helper()
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Model  string         `json:"model"`
		PK     any            `json:"pk"`
		Fields map[string]any `json:"fields"`
	}
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	d := dumped{users: map[string]map[string]any{}, tokens: map[float64]map[string]any{}, blacklisted: map[float64]string{}, raw: raw}
	for _, r := range recs {
		switch r.Model {
		case "usermodel.user":
			d.users[r.PK.(string)] = r.Fields
		case "token_blacklist.outstandingtoken":
			d.tokens[r.PK.(float64)] = r.Fields
		case "token_blacklist.blacklistedtoken":
			d.blacklisted[r.Fields["token"].(float64)] = r.Fields["blacklisted_at"].(string)
		}
	}
	if len(d.users) != 3 || len(d.tokens) != 3 || len(d.blacklisted) != 2 {
		t.Fatalf("fixture has %d users, %d tokens, %d blacklisted; regenerate it", len(d.users), len(d.tokens), len(d.blacklisted))
	}
	return d
}

func djangoTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	if s == "" {
		return time.Time{}
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC()
}

func run(t *testing.T, st djangoimport.Store, data []byte, o djangoimport.Options) (djangoimport.Report, []*djangoimport.Problem, error) {
	t.Helper()
	var problems []*djangoimport.Problem
	o.OnProblem = func(p *djangoimport.Problem) { problems = append(problems, p) }
	rep, err := djangoimport.Import(context.Background(), bytes.NewReader(data), int64(len(data)), st, o)
	return rep, problems, err
}

// TestImportFixture imports the real dump on each backend and compares every row with the dump.
func TestImportFixture(t *testing.T) {
	t.Parallel()
	d := readFixture(t)
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			ctx := context.Background()
			rep, problems, err := run(t, db, d.raw, djangoimport.Options{})
			if err != nil || len(problems) > 0 {
				t.Fatalf("import: %v %v", err, problems)
			}
			if rep.Records != 38 || rep.Users.Created != 3 || rep.Tokens.Created != 3 || rep.Blacklisted.Created != 2 ||
				rep.Ignored["auth.permission"] != 24 || rep.Ignored["contenttypes.contenttype"] != 6 ||
				rep.PasswordFormats["pbkdf2_sha256"] != 3 || !rep.Changed() {
				t.Errorf("report %+v", rep)
			}
			for id, f := range d.users {
				u, err := db.UserByID(ctx, id)
				if err != nil {
					t.Fatalf("user %s: %v", id, err)
				}
				if u.Email != f["email"] || u.PasswordHash != f["password"] || u.IsActive != f["is_active"] ||
					u.IsStaff != f["is_staff"] || u.IsSuperuser != f["is_superuser"] ||
					!u.DateJoined.Equal(djangoTime(t, f["date_joined"])) || !u.LastLogin.IsZero() || u.TwoFactorEnabled {
					t.Errorf("user %s = %+v, dumped %v", id, u, f)
				}
			}
			for pk, f := range d.tokens {
				ot, err := db.TokenByJTI(ctx, f["jti"].(string))
				if err != nil {
					t.Fatalf("token %v: %v", pk, err)
				}
				at, black := d.blacklisted[pk]
				if ot.UserID != f["user"] || ot.Token != f["token"] || len(ot.FamilyID) != 32 || ot.FamilyID == ot.JTI ||
					!ot.CreatedAt.Equal(djangoTime(t, f["created_at"])) || !ot.ExpiresAt.Equal(djangoTime(t, f["expires_at"])) ||
					ot.Blacklisted != black {
					t.Errorf("token %v = %+v, dumped %v (blacklisted %v)", pk, ot, f, black)
				}
				if black && (ot.Reason != djangoimport.ReasonImported || !ot.BlacklistedAt.Equal(djangoTime(t, at))) {
					t.Errorf("token %v blacklisted %v for %q, dumped %s", pk, ot.BlacklistedAt, ot.Reason, at)
				}
			}

			again, problems, err := run(t, db, d.raw, djangoimport.Options{})
			if err != nil || len(problems) > 0 || again.Changed() || again.Users.Existing != 3 ||
				again.Tokens.Existing != 3 || again.Blacklisted.Existing != 2 {
				t.Errorf("second import: %+v %v %v", again, err, problems)
			}
		})
	}
}

// TestImportedUsersLogIn runs authgate on the imported rows: old passwords log in, the outstanding
// token refreshes and the blacklisted ones stay refused. The clock is set to an hour after the
// dump was taken, when its tokens were live.
func TestImportedUsersLogIn(t *testing.T) {
	t.Parallel()
	d := readFixture(t)
	e := authtest.Start(t, authtest.SQLite)
	var taken time.Time
	for _, f := range d.tokens {
		if c := djangoTime(t, f["created_at"]); c.After(taken) {
			taken = c
		}
	}
	e.Clock.Advance(taken.Add(time.Hour).Sub(e.Clock.Now()))
	if _, problems, err := run(t, e.App.DB, d.raw, djangoimport.Options{Now: e.Clock.Now}); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	for email, pw := range map[string]string{"ada@example.com": "ada's old password", "bob@example.com": "bob's old password"} {
		if r := e.Post("/api/token/", map[string]string{"email": email, "password": pw}); r.Status != 200 {
			t.Errorf("%s logs in with the old password: %d %s", email, r.Status, r.Raw)
		}
	}
	if r := e.Post("/api/token/", map[string]string{"email": "cy@example.com", "password": "cy's old password"}); r.Status != 401 {
		t.Errorf("inactive cy: %d %s", r.Status, r.Raw)
	}
	for pk, f := range d.tokens {
		r := e.Post("/api/token/refresh/", map[string]string{"refresh": f["token"].(string)})
		if _, black := d.blacklisted[pk]; black {
			if r.Status != 401 || r.Str("detail") != "Token is blacklisted" {
				t.Errorf("blacklisted token %v: %d %s", pk, r.Status, r.Raw)
			}
		} else if r.Status != 200 {
			t.Errorf("outstanding token %v: %d %s", pk, r.Status, r.Raw)
		}
	}
}

const adaID = "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b01"

// dump builds a dumpdata array, one record per line after the first.
func dump(records ...string) []byte {
	return []byte("[\n" + strings.Join(records, ",\n") + "\n]\n")
}

func user(id, email string) string {
	return `{"model": "usermodel.user", "pk": "` + id + `", "fields": {"password": "pbkdf2_sha256$260000$s$h=", "email": "` + email +
		`", "is_active": true, "is_staff": false, "is_superuser": false, "date_joined": "2024-01-02T03:04:05.678Z", "last_login": null}}`
}

func outstandingRec(pk, userRef, jti string) string {
	return `{"model": "token_blacklist.outstandingtoken", "pk": ` + pk + `, "fields": {"user": ` + userRef + `, "jti": "` + jti +
		`", "token": "tok-` + jti + `", "created_at": "2024-01-02T03:04:05Z", "expires_at": "2024-01-05T03:04:05Z"}}`
}

// TestBadRecords: each bad record is reported with its index and line and skipped; the others
// are imported.
func TestBadRecords(t *testing.T) {
	t.Parallel()
	data := dump(
		`{"model": "auth.permission", "pk": 1, "fields": {"codename": "x"}}`,                                                                                           // 0, line 2
		user(adaID, "ada@example.com"),                                                                                                                                 // 1
		`{"model": "usermodel.user", "pk": 7, "fields": {"email": "int@example.com", "password": "x"}}`,                                                                // 2
		`{"model": "usermodel.user", "pk": "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b09", "fields": {"email": "no-at", "password": "x"}}`,                                     // 3
		`{"model": "usermodel.user", "pk": "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b0a", "fields": {"email": "x@example.com"}}`,                                              // 4
		`{"model": "usermodel.user", "pk": "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b0b", "fields": {"email": "y@example.com", "password": "x", "is_active": "yes"}}`,         // 5
		`{"model": "usermodel.user", "pk": "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b0c", "fields": {"email": "ADA@example.com", "password": "x"}}`,                           // 6
		`{"model": "usermodel.user", "pk": "0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2b0d", "fields": {"email": "z@example.com", "password": "x", "date_joined": "yesterday"}}`, // 7
		`42`, // 8
		outstandingRec("1", `"`+adaID+`"`, "jti-1"),                            // 9
		outstandingRec("2", `"0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2bff"`, "jti-2"), // 10: unknown user
		outstandingRec(`"x"`, `null`, "jti-3"),                                 // 11
		`{"model": "token_blacklist.outstandingtoken", "pk": 4, "fields": {"user": null, "jti": "", "token": "t", "expires_at": "2024-01-05T03:04:05Z"}}`, // 12
		`{"model": "token_blacklist.blacklistedtoken", "pk": 1, "fields": {"token": 99, "blacklisted_at": "2024-01-03T00:00:00Z"}}`,                       // 13
		`{"model": "token_blacklist.blacklistedtoken", "pk": 2, "fields": {"token": 1, "blacklisted_at": "2024-01-03T00:00:00Z"}}`,                        // 14
		outstandingRec("5", `null`, "jti-5"), // 15: a token whose user was deleted in Django
	)
	db := storetest.SQLite(t)
	rep, problems, err := run(t, db, data, djangoimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		index int
		model string
		msg   string
	}{
		{2, "usermodel.user", "pk 7 is not a UUID"},
		{3, "usermodel.user", `email "no-at": Enter a valid email address.`},
		{4, "usermodel.user", `no "password" field`},
		{5, "usermodel.user", `field "is_active" is a JSON string, want a bool`},
		{6, "usermodel.user", "e-mail ADA@example.com already belongs to another authgate user"},
		{7, "usermodel.user", `date_joined "yesterday" is not a date and time`},
		{8, "", "not a record"},
		{10, "token_blacklist.outstandingtoken", "user 0d8e3a52-5d43-4c4c-9a77-3a4f0f1c2bff is not in authgate"},
		{11, "token_blacklist.outstandingtoken", `pk "x" is not an integer`},
		{12, "token_blacklist.outstandingtoken", `no "jti"`},
		{13, "token_blacklist.blacklistedtoken", "its outstanding token is not in the dump"},
	}
	if len(problems) != len(want) || rep.Skipped != len(want) {
		t.Fatalf("%d problems (skipped %d), want %d: %v", len(problems), rep.Skipped, len(want), problems)
	}
	// Problems come in pass order: users and blacklist entries, then tokens, then orphans.
	for i, w := range want {
		p := problems[i]
		if p.Index != w.index || p.Line != w.index+2 || p.Model != w.model || !strings.Contains(p.Error(), w.msg) {
			t.Errorf("problem %d = %v (index %d, line %d, model %q), want index %d line %d %q", i, p, p.Index, p.Line, p.Model, w.index, w.index+2, w.msg)
		}
	}
	if got := problems[0].Error(); !strings.HasPrefix(got, "record 2 (line 4, usermodel.user 7): pk 7 is not a UUID") {
		t.Errorf("message %q", got)
	}
	if rep.Users.Created != 1 || rep.Tokens.Created != 2 || rep.Blacklisted.Created != 1 {
		t.Errorf("report %+v", rep)
	}
	if ot, err := db.TokenByJTI(context.Background(), "jti-1"); err != nil || !ot.Blacklisted || ot.UserID != adaID {
		t.Errorf("jti-1: %+v %v", ot, err)
	}
	if ot, err := db.TokenByJTI(context.Background(), "jti-5"); err != nil || ot.UserID != "" || ot.Blacklisted {
		t.Errorf("jti-5: %+v %v", ot, err)
	}

	_, problems, err = run(t, storetest.SQLite(t), data, djangoimport.Options{AbortOnError: true})
	var p *djangoimport.Problem
	if !errors.Is(err, djangoimport.ErrAborted) || !errors.As(err, &p) || p.Index != 2 || len(problems) != 1 {
		t.Errorf("abort on error: %v (%d problems)", err, len(problems))
	}
}

// TestRecordForms: records in any order, natural foreign keys, naive datetimes, ids without
// dashes, an empty password, and a token blacklisted in Django after an earlier import.
func TestRecordForms(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	first := dump(
		outstandingRec("1", `["ada@example.com"]`, "jti-1"),
		outstandingRec("2", `"0D8E3A525D434C4C9A773A4F0F1C2B01"`, "jti-2"),
		`{"model": "accounts.user", "pk": "0D8E3A52-5D43-4C4C-9A77-3A4F0F1C2B01", "fields": {"email": "ada@example.com", "password": "",
		  "date_joined": "2024-06-01 12:00:00", "first_name": " Ada ", "last_name": "Lovelace"}}`,
	)
	rep, problems, err := run(t, db, first, djangoimport.Options{TimeZone: paris})
	if err != nil || len(problems) > 0 || rep.Users.Created != 1 || rep.Tokens.Created != 2 || rep.PasswordFormats["unusable"] != 1 {
		t.Fatalf("first: %+v %v %v", rep, err, problems)
	}
	ctx := context.Background()
	u, err := db.UserByID(ctx, adaID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "!") || len(u.PasswordHash) != 41 || !u.IsActive || u.IsStaff ||
		!u.DateJoined.Equal(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("user %+v", u)
	}
	// Imported users count as verified since they joined (issue 14); a Djoser project's names come along.
	if !u.VerifiedAt.Equal(u.DateJoined) || u.FirstName != "Ada" || u.LastName != "Lovelace" {
		t.Errorf("verified at %v (joined %v), names %q %q", u.VerifiedAt, u.DateJoined, u.FirstName, u.LastName)
	}
	for _, jti := range []string{"jti-1", "jti-2"} {
		if ot, err := db.TokenByJTI(ctx, jti); err != nil || ot.UserID != adaID {
			t.Errorf("%s: %+v %v", jti, ot, err)
		}
	}

	// Later, Django blacklisted jti-2: importing the new dump blacklists it, the rest is as it was.
	later := dump(
		`{"model": "token_blacklist.blacklistedtoken", "pk": 1, "fields": {"token": 2, "blacklisted_at": "2024-06-02T00:00:00+02:00"}}`,
		outstandingRec("2", `"`+adaID+`"`, "jti-2"),
		outstandingRec("1", `"`+adaID+`"`, "jti-1"),
		user(adaID, "ada@example.com"),
	)
	rep, problems, err = run(t, db, later, djangoimport.Options{UserModel: "accounts.User"})
	if err != nil || len(problems) > 0 || !rep.Changed() || rep.Users.Created != 0 || rep.Tokens.Existing != 2 ||
		rep.Blacklisted.Created != 1 || rep.Ignored["usermodel.user"] != 1 {
		t.Errorf("later: %+v %v %v", rep, err, problems)
	}
	ot, err := db.TokenByJTI(ctx, "jti-2")
	if err != nil || !ot.Blacklisted || !ot.BlacklistedAt.Equal(time.Date(2024, 6, 1, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("jti-2 after the later dump: %+v %v", ot, err)
	}

	// A jti that authgate holds for another token is not overwritten.
	clash := dump(`{"model": "token_blacklist.outstandingtoken", "pk": 3, "fields": {"user": null, "jti": "jti-1", "token": "different", "expires_at": "2024-01-05T03:04:05Z"}}`)
	if _, problems, _ := run(t, db, clash, djangoimport.Options{}); len(problems) != 1 || !strings.Contains(problems[0].Error(), "already belongs to another token") {
		t.Errorf("jti clash: %v", problems)
	}
}

// TestNotADump: a file that is not dumpdata's JSON array stops the import with its line.
func TestNotADump(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	for _, c := range []struct{ data, msg string }{
		{"", "the file is empty"},
		{"  \n", "the file is empty"},
		{`{"model": "usermodel.user"}`, "line 1: starts with {, not ["},
		{"[\n" + user(adaID, "a@example.com") + ",\n{\"model\": ", "line 3: unexpected EOF"},
		{"[\n{\"model\": \"x\", }\n]", "line 2: invalid character '}'"},
		{"[]\n[]", "line 2: more data after the array"},
		{"<django-objects version=\"1.0\">", "line 1: invalid character '<'"},
	} {
		_, _, err := run(t, db, []byte(c.data), djangoimport.Options{})
		if !errors.Is(err, djangoimport.ErrNotDump) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v, want ErrNotDump with %q", c.data, err, c.msg)
		}
	}
}

// TestProgressAndCancel: progress is told every N records of each pass; a cancelled context stops
// the import between records.
func TestProgressAndCancel(t *testing.T) {
	t.Parallel()
	recs := []string{user(adaID, "ada@example.com")}
	for range 999 {
		recs = append(recs, `{"model": "auth.permission", "pk": 1, "fields": {}}`)
	}
	data := dump(recs...)
	var seen []djangoimport.Progress
	rep, _, err := run(t, storetest.SQLite(t), data, djangoimport.Options{ProgressEvery: 250, Progress: func(p djangoimport.Progress) {
		seen = append(seen, p)
	}})
	if err != nil || rep.Records != 1000 || rep.Ignored["auth.permission"] != 999 {
		t.Fatalf("%+v %v", rep, err)
	}
	if len(seen) != 8 || seen[0].Pass != 1 || seen[0].Records != 250 || seen[0].Report.Users.Created != 1 || seen[7].Pass != 2 || seen[7].Records != 1000 {
		t.Errorf("progress %+v", seen)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := djangoimport.Import(ctx, bytes.NewReader(data), int64(len(data)), storetest.SQLite(t), djangoimport.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

var _ djangoimport.Store = (*store.DB)(nil)
