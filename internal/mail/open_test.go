package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	authmail "github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// TestOpenBadURLs: every malformed URL is refused with an error that names it without its password.
func TestOpenBadURLs(t *testing.T) {
	t.Parallel()
	const pw = "Pa55-w0rd"
	tests := []struct {
		url  string
		want string // in the error
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"mail.example.com:587", "unsupported scheme"},
		{"//mail.example.com", "missing scheme"},
		{"http://mail.example.com", `unsupported scheme "http"`},
		{"smtp://", "missing host"},
		{"smtp://:587", "missing host"},
		{"smtp://user:" + pw + "@", "missing host"},
		{"smtp://mail.example.com:0", "port"},
		{"smtp://mail.example.com:70000", "port"},
		{"smtp://mail.example.com:smtp", "invalid port"},
		{"smtp://user:" + pw + "@mail.example.com:x", "invalid port"},
		{"smtp://mail.example.com:465", "use smtps://"},
		{"smtp://mail.example.com/inbox", "no path"},
		{"smtp://mail.example.com#frag", "fragment"},
		{"smtp://mail.example.com?starttls=maybe", `starttls value "maybe" is not true or false`},
		{"smtp://user:" + pw + "@mail.example.com?starttls=x:y", "starttls value is not true or false"},
		{"smtp://us?er:" + pw + "@mail.example.com", "unknown option (smtp URLs accept only starttls)"},
		{"user:" + pw + "@mail.example.com:587", `unsupported scheme "user"`},
		{"smtp://mail.example.com?starttls=true&starttls=false", "more than once"},
		{"smtp://mail.example.com?startls=true", `unknown option "startls"`},
		{"smtp://mail.example.com?%zz", "malformed query"},
		{"smtps://mail.example.com?starttls=true", `unknown option "starttls"`},
		{"smtp://:" + pw + "@mail.example.com", "need a user name"},
		{"smtp://user@mail.example.com", "has no password"},
		{"smtp://user:@mail.example.com", "has no password"},
		{"smtp://user:" + pw + "@mail.example.com?starttls=false", "refusing to send credentials without TLS"},
		{"smtp://user:" + pw + "@10.0.0.1:25?starttls=0", "refusing to send credentials without TLS"},
		{"smtp://user:" + pw + "%zz@mail.example.com", `invalid URL escape "…"`},
		{"smtp://user:" + pw + "@mail example.com", `invalid character "…" in host name`},
		{"smtp://user:" + pw + "/x@mail.example.com", "invalid port"},
		{"smtp://user:1234/" + pw + "@mail.example.com", "no path"},
		{"smtp://user:" + pw + "@[::1", "missing ']'"},
		{"smtp:opaque", "host:port"},
		{"console://host", "takes no host"},
		{"console://user:" + pw + "@", "takes no"},
		{"console:///dev/stdout", "takes no"},
		{"console://?x=1", "takes no"},
		{"file://relative/dir", "absolute directory"},
		{"file:relative", "absolute directory"},
		{"file://", "absolute directory"},
		{"file:///", "absolute directory"},
		{"file://user:" + pw + "@/var/mail", "no credentials"},
		{"file:///var/mail?x=1", "no credentials or options"},
		{"\x00smtp://user:" + pw + "@host", "invalid control character"},
	}
	for _, tt := range tests {
		_, err := authmail.Open(tt.url, authmail.Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", tt.url)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("Open(%q) = %q, want it to mention %q", tt.url, msg, tt.want)
		}
		if strings.Contains(msg, pw) {
			t.Errorf("Open(%q) = %q shows the password", tt.url, msg)
		}
		if !strings.HasPrefix(msg, "mail: URL ") {
			t.Errorf("Open(%q) = %q, want it to name the URL", tt.url, msg)
		}
	}
}

func TestOpenGoodURLs(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	for _, u := range []string{
		"smtp://mail.example.com",
		"SMTP://mail.example.com:25?starttls=false",
		"smtp://user%40example.com:p%40ss%2Fw%3Ard@mail.example.com:587?starttls=true",
		"smtps://user:pass@mail.example.com",
		"smtp://user:pass@localhost:1025?starttls=false",
		"smtp://user:pass@[::1]:1025?starttls=false",
		"console://",
		"console:",
		"file://" + filepath.Join(t.TempDir(), "a"),
		"file://localhost" + filepath.Join(t.TempDir(), "b"),
		srv.URL(),
	} {
		if _, err := authmail.Open(u, authmail.Options{Logger: jsonLogger(&logBuffer{})}); err != nil {
			t.Errorf("Open(%q): %v", u, err)
		}
	}
}

func TestOpenBadOptions(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		url  string
		opts authmail.Options
		want string
	}{
		{"negative timeout", "console://", authmail.Options{Timeout: -1}, "negative timeout"},
		{"bad From", "console://", authmail.Options{From: "authgate"}, "sender address"},
		{"console without logger", "console://", authmail.Options{}, "needs Options.Logger"},
		{"missing template dir", "console://", authmail.Options{TemplateDir: filepath.Join(t.TempDir(), "none")}, "template directory"},
		{"file dir under a file", "file://" + file + "/mail", authmail.Options{}, "file sender"},
	}
	for _, tt := range tests {
		if tt.opts.Logger == nil && tt.name != "console without logger" {
			tt.opts.Logger = jsonLogger(&logBuffer{})
		}
		if _, err := authmail.Open(tt.url, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestTemplateDirOverrides(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"two_factor_code.subject.txt": "Code {{.code}} for {{.email}}\n",
		"two_factor_code.txt":         "Your code: {{.code}} ({{minutes .minutes}})\n",
		"unrelated.txt":               "{{ignored",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv := mailtest.NewServer(t)
	s := open(t, srv.URL(), authmail.Options{TemplateDir: dir})
	if err := s.Send(context.Background(), "ada@example.com", "two_factor_code", codeData()); err != nil {
		t.Fatal(err)
	}
	m := waitFor(t, srv, "ada@example.com")
	if m.Subject != "Code 482913 for ada@example.com" {
		t.Errorf("Subject = %q, want the override's", m.Subject)
	}
	if m.Text != "Your code: 482913 (10 minutes)\n" {
		t.Errorf("Text = %q, want the override's", m.Text)
	}
	if want := string(mustRead(t, filepath.Join("testdata", "two_factor_code.html.golden"))); m.HTML != want {
		t.Errorf("HTML is not the embedded template's:\n%s", m.HTML)
	}

	// Templates without an override keep the embedded files.
	if err := s.Send(context.Background(), "bob@example.com", "password_changed", map[string]any{"email": "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	if m := waitFor(t, srv, "bob@example.com"); m.Subject != "authgate - Your password has been successfully changed!" {
		t.Errorf("Subject = %q", m.Subject)
	}

	// A broken override fails at Open, naming the file.
	if err := os.WriteFile(filepath.Join(dir, "password_changed.html"), []byte("<p>{{.email</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := authmail.Open(srv.URL(), authmail.Options{TemplateDir: dir}); err == nil || !strings.Contains(err.Error(), "password_changed.html (template directory)") {
		t.Errorf("broken override: err = %v", err)
	}
}
