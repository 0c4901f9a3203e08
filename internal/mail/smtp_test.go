package mail_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	authmail "github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

func TestSendOverSMTP(t *testing.T) {
	t.Parallel()
	golden := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	wantText, wantHTML := golden("two_factor_code.txt.golden"), golden("two_factor_code.html.golden")

	modes := []struct {
		name string
		opts []mailtest.Option
	}{
		{"plain", nil},
		{"plain AUTH on loopback", []mailtest.Option{mailtest.WithAuth("mailer", "s3cret pass")}},
		{"STARTTLS and AUTH", []mailtest.Option{mailtest.WithStartTLS(), mailtest.WithAuth("mailer", "s3cret/pass")}},
		{"implicit TLS and AUTH", []mailtest.Option{mailtest.WithImplicitTLS(), mailtest.WithAuth("mailer@example.com", "s3cret:pass")}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t, mode.opts...)
			var logs logBuffer
			s := open(t, srv.URL(), authmail.Options{
				From:      "authgate <no-reply@auth.example.com>",
				TLSConfig: srv.TLSConfig(),
				Logger:    jsonLogger(&logs),
			})
			if err := s.Send(context.Background(), "Ada Lovelace <ada@example.com>", "two_factor_code", codeData()); err != nil {
				t.Fatal(err)
			}
			m := waitFor(t, srv, "ada@example.com")

			if m.From != "no-reply@auth.example.com" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
				t.Errorf("envelope %q -> %q", m.From, m.To)
			}
			checkHeaders(t, m, "ada@example.com", "Ada Lovelace")
			checkStructure(t, m.Raw)
			if m.Subject != "Your authgate verification code" {
				t.Errorf("Subject = %q", m.Subject)
			}
			if m.Text != wantText {
				t.Errorf("text part differs from testdata/two_factor_code.txt.golden:\n%s", m.Text)
			}
			if m.HTML != wantHTML {
				t.Errorf("HTML part differs from testdata/two_factor_code.html.golden:\n%s", m.HTML)
			}
			if !strings.Contains(m.Text, "    482913\n") {
				t.Errorf("text part lacks the code:\n%s", m.Text)
			}
			if !strings.Contains(logs.String(), `"msg":"mail sent"`) {
				t.Errorf("no 'mail sent' log line: %s", logs.String())
			}
			if strings.Contains(logs.String(), "482913") || strings.Contains(logs.String(), "s3cret") {
				t.Errorf("log holds the code or the password: %s", logs.String())
			}
		})
	}
}

// checkHeaders asserts the fields every message carries (RFC 5322 section 3.6, RFC 2045).
func checkHeaders(t *testing.T, m mailtest.Message, addr, name string) {
	t.Helper()
	h := m.Header
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "no-reply@auth.example.com" || from[0].Name != "authgate" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != addr || to[0].Name != name {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	if d, err := h.Date(); err != nil || !d.Equal(fixedNow()) {
		t.Errorf("Date = %q (%v), want %v", h.Get("Date"), err, fixedNow())
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@auth\.example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	if h.Get("MIME-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("MIME-Version = %q, Auto-Submitted = %q", h.Get("MIME-Version"), h.Get("Auto-Submitted"))
	}
}

// checkStructure asserts multipart/alternative with text/plain then text/html, both UTF-8
// quoted-printable, and a message of short 7-bit lines.
func checkStructure(t *testing.T, raw []byte) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 || c == '\n' || c == '\r' {
				t.Fatalf("line %d holds byte %#x, want 7-bit text with CRLF line ends", i+1, c)
			}
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p.Header.Get("Content-Type")+" "+p.Header.Get("Content-Transfer-Encoding"))
	}
	want := []string{"text/plain; charset=utf-8 quoted-printable", "text/html; charset=utf-8 quoted-printable"}
	if strings.Join(parts, ", ") != strings.Join(want, ", ") {
		t.Errorf("parts = %q, want %q", parts, want)
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	const password = "wr0ng/Secret!"
	withUser := func(raw, user, pass string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, pass)
		return u.String()
	}
	withQuery := func(raw, query string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.RawQuery = query
		return u.String()
	}
	tests := []struct {
		name     string
		opts     []mailtest.Option
		url      func(srv *mailtest.Server) string
		trust    bool
		wantText string
	}{
		{"wrong password", []mailtest.Option{mailtest.WithStartTLS(), mailtest.WithAuth("mailer", "right")},
			func(s *mailtest.Server) string { return withUser(s.URL(), "mailer", password) }, true, "535"},
		{"wrong password over smtps", []mailtest.Option{mailtest.WithImplicitTLS(), mailtest.WithAuth("mailer", "right")},
			func(s *mailtest.Server) string { return withUser(s.URL(), "mailer", password) }, true, "535"},
		{"permanent rejection", []mailtest.Option{mailtest.WithFailure(554)}, (*mailtest.Server).URL, false, "554"},
		{"temporary rejection", []mailtest.Option{mailtest.WithFailure(451)}, (*mailtest.Server).URL, false, "451"},
		{"untrusted certificate", []mailtest.Option{mailtest.WithStartTLS()}, (*mailtest.Server).URL, false, "certificate"},
		{"untrusted certificate over smtps", []mailtest.Option{mailtest.WithImplicitTLS()}, (*mailtest.Server).URL, false, "certificate"},
		{"STARTTLS not offered", nil,
			func(s *mailtest.Server) string { return withQuery(s.URL(), "starttls=true") }, false,
			"does not offer STARTTLS: for a relay on the same machine that speaks plain SMTP, add ?starttls=false"},
		{"server requires STARTTLS", []mailtest.Option{mailtest.WithStartTLS()},
			func(s *mailtest.Server) string { return withQuery(s.URL(), "starttls=false") }, false, "530"},
		{"AUTH not offered", nil,
			func(s *mailtest.Server) string { return withUser(s.URL(), "mailer", password) }, false, "does not offer AUTH PLAIN"},
		{"AUTH required", []mailtest.Option{mailtest.WithAuth("mailer", "right")}, (*mailtest.Server).URL, false, "530"},
		{"smtps to a plain server", nil,
			func(s *mailtest.Server) string { return "smtps://" + s.Addr() }, false, "TLS handshake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t, tt.opts...)
			if tt.name == "AUTH required" {
				// The server's own URL carries its credentials; drop them.
				u, _ := url.Parse(srv.URL())
				u.User = nil
				tt.url = func(*mailtest.Server) string { return u.String() }
			}
			var logs logBuffer
			opts := authmail.Options{Logger: jsonLogger(&logs), Timeout: 10 * time.Second}
			if tt.trust {
				opts.TLSConfig = srv.TLSConfig()
			}
			s := open(t, tt.url(srv), opts)
			err := s.Send(context.Background(), "ada@example.com", "two_factor_code", codeData())
			if !errors.Is(err, auth.ErrMailFailed) {
				t.Fatalf("err = %v, want auth.ErrMailFailed", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantText)
			}
			for _, secret := range []string{password, url.QueryEscape(password), "wr0ng%2FSecret%21", "482913"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
					t.Errorf("error or log holds %q: %v / %s", secret, err, logs.String())
				}
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages", n)
			}
		})
	}
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := open(t, "smtp://"+addr+"?starttls=false", authmail.Options{})
	err = s.Send(context.Background(), "ada@example.com", "password_changed", map[string]any{"email": "ada@example.com"})
	if !errors.Is(err, auth.ErrMailFailed) || !strings.Contains(err.Error(), "connect") || !strings.Contains(err.Error(), addr) {
		t.Errorf("err = %v, want auth.ErrMailFailed naming the connect step and %s", err, addr)
	}
}

func TestSendConcurrently(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.WithStartTLS(), mailtest.WithAuth("mailer", "pw"))
	s := open(t, srv.URL(), authmail.Options{TLSConfig: srv.TLSConfig()})
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			to := "user" + string(rune('a'+i)) + "@example.com"
			errs <- s.Send(context.Background(), to, "two_factor_changed", map[string]any{"enabled": i%2 == 0, "email": to})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ids := map[string]bool{}
	for i := range n {
		m := waitFor(t, srv, "user"+string(rune('a'+i))+"@example.com")
		want := "Two-factor authentication is off for your authgate account"
		if i%2 == 0 {
			want = "Two-factor authentication is on for your authgate account"
		}
		if m.Subject != want {
			t.Errorf("message %d: Subject = %q, want %q", i, m.Subject, want)
		}
		ids[m.Header.Get("Message-ID")] = true
	}
	if len(ids) != n {
		t.Errorf("%d distinct Message-IDs for %d messages", len(ids), n)
	}
}

func TestSendEncodesNonASCII(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	subject := "Ihr Bestätigungscode für authgate — gültig {{minutes .minutes}}, bitte nicht weitergeben, danke schön"
	if err := os.WriteFile(filepath.Join(dir, "two_factor_code.subject.txt"), []byte(subject), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.NewServer(t)
	s := open(t, srv.URL(), authmail.Options{From: "Sécurité authgate <no-reply@auth.example.com>", TemplateDir: dir})
	if err := s.Send(context.Background(), "José Núñez <jose@example.com>", "two_factor_code", codeData()); err != nil {
		t.Fatal(err)
	}
	m := waitFor(t, srv, "jose@example.com")
	want := "Ihr Bestätigungscode für authgate — gültig 10 minutes, bitte nicht weitergeben, danke schön"
	if m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("Subject field %q is not RFC 2047 encoded", raw)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || from[0].Name != "Sécurité authgate" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || to[0].Name != "José Núñez" || to[0].Address != "jose@example.com" {
		t.Errorf("To = %v (%v)", to, err)
	}
	checkStructure(t, m.Raw)
}

func TestSendRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	s := open(t, srv.URL(), authmail.Options{})
	ctx := context.Background()
	for _, to := range []string{"", "ada", "ada@example.com, eve@example.com", "ada@example.com\r\nBcc: eve@example.com", "<ada@example.com", "ada@@example.com"} {
		err := s.Send(ctx, to, "two_factor_code", codeData())
		if !errors.Is(err, authmail.ErrInvalidAddress) || !errors.Is(err, auth.ErrMailFailed) {
			t.Errorf("Send to %q: err = %v, want ErrInvalidAddress and auth.ErrMailFailed", to, err)
		}
	}
	err := s.Send(ctx, "ada@example.com", "welcome", nil)
	if !errors.Is(err, authmail.ErrUnknownTemplate) || !errors.Is(err, auth.ErrMailFailed) || !strings.Contains(err.Error(), `"welcome"`) {
		t.Errorf("unknown template: err = %v", err)
	}
	err = s.Send(ctx, "ada@example.com", "two_factor_code", map[string]any{"minutes": 10, "email": "ada@example.com", "purpose": "login"})
	if !errors.Is(err, auth.ErrMailFailed) || !strings.Contains(err.Error(), `"code"`) {
		t.Errorf("missing code: err = %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages", n)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestSendRandomFailure(t *testing.T) {
	t.Parallel()
	s := open(t, "console://", authmail.Options{Logger: jsonLogger(&logBuffer{}), Rand: failingReader{}})
	err := s.Send(context.Background(), "ada@example.com", "password_changed", map[string]any{"email": "ada@example.com"})
	if !errors.Is(err, auth.ErrMailFailed) || !strings.Contains(err.Error(), "entropy exhausted") {
		t.Errorf("err = %v", err)
	}
}
