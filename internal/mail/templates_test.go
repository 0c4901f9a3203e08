package mail

import (
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden compares rendered messages with testdata/*.golden; go test -run TestGolden -update
// rewrites them after a deliberate wording change.
func TestGolden(t *testing.T) {
	t.Parallel()
	// Every template, once per branch worth reading.
	goldenCases := []struct {
		golden   string
		template string
		data     map[string]any
	}{
		{"two_factor_code", "two_factor_code", map[string]any{"code": "482913", "minutes": 10, "email": "ada@example.com", "purpose": "login"}},
		{"two_factor_code_enable", "two_factor_code", map[string]any{"code": "482913", "minutes": 1, "email": "ada@example.com", "purpose": "enable"}},
		{"two_factor_code_admin", "two_factor_code", map[string]any{"code": "482913", "minutes": 10 * time.Minute, "email": "ada@example.com", "purpose": "staff_login"}},
		{"password_reset", "password_reset", map[string]any{"token": "tok_3f9a", "link": "https://app.example.com/reset?token=tok_3f9a", "minutes": 60, "email": "ada@example.com"}},
		{"password_reset_no_link", "password_reset", map[string]any{"token": "tok_3f9a", "link": "", "minutes": 60, "email": "ada@example.com"}},
		{"two_factor_changed_on", "two_factor_changed", map[string]any{"enabled": true, "email": "ada@example.com"}},
		{"two_factor_changed_off", "two_factor_changed", map[string]any{"enabled": false, "email": "ada@example.com"}},
		{"password_changed", "password_changed", map[string]any{"email": "ada@example.com"}},
		{"password_reset_djoser", "password_reset", map[string]any{"token": "tok_3f9a", "uid": "YWIxNQ", "link": "https://app.example.com/password/reset/confirm/YWIxNQ/tok_3f9a", "minutes": 30, "lifetime": 30 * time.Minute, "email": "ada@example.com", "first_name": "Ada", "site": "example.com"}},
		{"password_changed_site", "password_changed", map[string]any{"email": "ada@example.com", "first_name": "Ada", "site": "example.com"}},
		{"activation", "activation", map[string]any{"link": "https://app.example.com/activate/YWIxNQ/tok_3f9a", "uid": "YWIxNQ", "token": "tok_3f9a", "lifetime": 72 * time.Hour, "email": "ada@example.com", "first_name": "Ada", "site": "example.com"}},
		{"activated", "activated", map[string]any{"email": "ada@example.com", "first_name": "", "site": "example.com"}},
		{"signup_attempt", "signup_attempt", map[string]any{"email": "ada@example.com", "first_name": "Ada", "site": "example.com"}},
		{"email_reset", "email_reset", map[string]any{"link": "https://app.example.com/email/reset/confirm/YWIxNQ/tok_3f9a", "uid": "YWIxNQ", "token": "tok_3f9a", "lifetime": 30 * time.Minute, "email": "ada@example.com", "first_name": "Ada", "site": "example.com"}},
		{"email_change", "email_change", map[string]any{"link": "https://auth.example.com/accounts/email/change/confirm/YWIxNQ/tok_3f9a", "uid": "YWIxNQ", "token": "tok_3f9a", "lifetime": 24 * time.Hour, "email": "ada@new.example.com", "old_email": "ada@example.com", "new_email": "ada@new.example.com", "first_name": "Ada", "site": "example.com"}},
		{"username_changed", "username_changed", map[string]any{"email": "ada@new.example.com", "old_email": "ada@example.com", "new_email": "ada@new.example.com", "first_name": "Ada", "site": "example.com"}},
		{"email_changed", "email_changed", map[string]any{"email": "ada@example.com", "old_email": "ada@example.com", "new_email": "ada@new.example.com", "first_name": "Ada", "site": "example.com"}},
		{"invitation", "invitation", map[string]any{"link": "https://auth.example.com/accounts/invitation/tok_3f9a", "token": "tok_3f9a", "lifetime": 7 * 24 * time.Hour, "email": "grace@example.com", "site": "example.com"}},
		{"two_factor_code_recovery_codes", "two_factor_code", map[string]any{"code": "482913", "minutes": 10, "email": "ada@example.com", "purpose": "recovery_codes"}},
		{"recovery_codes_regenerated", "recovery_codes_regenerated", map[string]any{"email": "ada@example.com"}},
		{"second_factor_locked", "second_factor_locked", map[string]any{"email": "ada@example.com", "failures": 100, "reset_unlocks": true}},
		{"second_factor_changed_added", "second_factor_changed", map[string]any{"email": "ada@example.com", "method": "An authenticator app", "added": true}},
		{"second_factor_changed_removed", "second_factor_changed", map[string]any{"email": "ada@example.com", "method": "An authenticator app", "added": false}},
	}
	set, err := loadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range goldenCases {
		r, err := set.render(tc.template, tc.data)
		if err != nil {
			t.Errorf("%s: %v", tc.golden, err)
			continue
		}
		for ext, got := range map[string]string{".subject": r.Subject + "\n", ".txt": r.Text, ".html": r.HTML} {
			path := filepath.Join("testdata", tc.golden+ext+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendered message (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		}
	}
}

func TestEveryTemplateHasItsFiles(t *testing.T) {
	t.Parallel()
	entries, err := embedded.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, name := range templateNames() {
		for _, ext := range []string{".subject.txt", ".txt", ".html"} {
			want[name+ext] = true
		}
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("templates/%s is embedded but belongs to no known template", e.Name())
		}
		delete(want, e.Name())
	}
	for name := range want {
		t.Errorf("templates/%s is missing", name)
	}
}

func TestRenderEscapesHTMLOnly(t *testing.T) {
	t.Parallel()
	set, err := loadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.render("password_reset", map[string]any{
		"token": "<b>tok</b>", "link": "javascript:alert(1)", "minutes": 5, "email": `"x<y>"@example.com`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, `"x<y>"@example.com`) || !strings.Contains(r.Text, "<b>tok</b>") {
		t.Errorf("text body altered the data:\n%s", r.Text)
	}
	for _, bad := range []string{"<b>tok</b>", "<y>", "javascript:"} {
		if strings.Contains(r.HTML, bad) {
			t.Errorf("HTML body holds unescaped %q", bad)
		}
	}
	if !strings.Contains(r.HTML, "&lt;b&gt;tok&lt;/b&gt;") || !strings.Contains(r.HTML, `href="#ZgotmplZ"`) {
		t.Errorf("HTML body not escaped as expected:\n%s", r.HTML)
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	set, err := loadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		template string
		data     map[string]any
		want     string
	}{
		{"welcome", nil, `unknown mail template "welcome"`},
		{"two_factor_code", map[string]any{"minutes": 10, "email": "a@example.com", "purpose": "login"}, `"code"`},
		{"two_factor_code", map[string]any{"code": "1", "email": "a@example.com", "purpose": "login"}, `"minutes"`},
		{"two_factor_code", map[string]any{"code": "1", "minutes": "ten", "email": "a@example.com", "purpose": "login"}, "want a number"},
		{"two_factor_code", nil, "two_factor_code.txt"},
		{"two_factor_changed", map[string]any{"email": "a@example.com"}, `"enabled"`},
		{"password_reset", map[string]any{"link": "", "minutes": 1, "email": "a@example.com"}, `"token"`},
		{"second_factor_locked", map[string]any{"email": "a@example.com"}, `"failures"`},
		{"second_factor_locked", map[string]any{"email": "a@example.com", "failures": 1}, `"reset_unlocks"`},
	}
	for _, tt := range tests {
		_, err := set.render(tt.template, tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("render(%s, %v) = %v, want an error with %s", tt.template, tt.data, err, tt.want)
		}
	}
	if _, err := set.render("nope", nil); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("unknown template: %v does not wrap ErrUnknownTemplate", err)
	}
	// The reset link is optional: a missing key reads as no link.
	r, err := set.render("password_reset", map[string]any{"token": "t0k", "minutes": 1, "email": "a@example.com"})
	if err != nil || strings.Contains(r.Text, "link") || !strings.Contains(r.Text, "t0k") {
		t.Errorf("reset without link: %v\n%s", err, r.Text)
	}
}

func TestSubjectIsOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "password_changed.subject.txt", "Changed\r\nBcc: victim@example.com\n  for {{.email}}\n")
	set, err := loadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.render("password_changed", map[string]any{"email": "a@example.com\nX-Evil: 1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Changed Bcc: victim@example.com for a@example.com X-Evil: 1"; r.Subject != want {
		t.Errorf("Subject = %q, want %q", r.Subject, want)
	}
	writeFile(t, dir, "password_changed.subject.txt", " {{/* nothing */}} \n")
	if set, err = loadTemplates(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := set.render("password_changed", map[string]any{"email": "a@example.com"}); err == nil || !strings.Contains(err.Error(), "empty subject") {
		t.Errorf("empty subject: err = %v", err)
	}
}

func TestLoadTemplatesErrors(t *testing.T) {
	t.Parallel()
	broken := t.TempDir()
	writeFile(t, broken, "two_factor_code.html", "<p>{{.code</p>")
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, filepath.Dir(file), "file", "x")
	unreadable := t.TempDir()
	if err := os.Mkdir(filepath.Join(unreadable, "two_factor_code.txt"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		broken:                             "two_factor_code.html (template directory)",
		file:                               "is not a directory",
		filepath.Join(t.TempDir(), "gone"): "no such file",
		unreadable:                         "two_factor_code.txt",
	}
	for dir, want := range tests {
		if _, err := loadTemplates(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("loadTemplates(%s) = %v, want an error with %q", dir, err, want)
		}
	}
}

func TestMinutes(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   any
		want string
	}{
		{1, "1 minute"}, {int64(15), "15 minutes"}, {uint8(0), "0 minutes"}, {int32(2), "2 minutes"},
		{uint(3), "3 minutes"}, {uint16(4), "4 minutes"}, {uint32(5), "5 minutes"}, {uint64(6), "6 minutes"},
		{int8(7), "7 minutes"}, {int16(8), "8 minutes"}, {float32(1), "1 minute"}, {1.5, "1.5 minutes"},
		{90 * time.Second, "2 minutes"}, {time.Minute, "1 minute"},
	}
	for _, tt := range good {
		if got, err := minutes(tt.in); err != nil || got != tt.want {
			t.Errorf("minutes(%v %T) = %q, %v; want %q", tt.in, tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []any{"10", nil, -1, -time.Minute, math.NaN(), math.Inf(1), struct{}{}} {
		if got, err := minutes(bad); err == nil {
			t.Errorf("minutes(%v %T) = %q, want an error", bad, bad, got)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
