package mailtest_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/authgate/authgate/internal/mail/mailtest"
)

const sample = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: =?utf-8?q?caf=C3=A9?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=xyz\r\n" +
	"\r\n" +
	"--xyz\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"code =3D 123456\r\n" +
	"--xyz\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+MTIzNDU2PC9wPg==\r\n" +
	"--xyz--\r\n"

// send delivers raw with go-smtp's client, doing STARTTLS and AUTH when s is set up for them.
func send(t *testing.T, s *mailtest.Server, startTLS bool, user, pass, to, raw string) error {
	t.Helper()
	var c *smtp.Client
	var err error
	if startTLS {
		c, err = smtp.DialStartTLS(s.Addr(), s.TLSConfig())
	} else {
		c, err = smtp.Dial(s.Addr())
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if user != "" {
		if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
			return err
		}
	}
	return c.SendMail("a@example.com", []string{to}, strings.NewReader(raw))
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestServerParsesMessage(t *testing.T) {
	t.Parallel()
	s := mailtest.NewServer(t)
	if err := send(t, s, false, "", "", "B@example.com", sample); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := s.WaitFor(ctx, "b@EXAMPLE.com")
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "a@example.com" || len(m.To) != 1 || m.To[0] != "B@example.com" {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if m.Subject != "café" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Text != "code = 123456" {
		t.Errorf("Text = %q", m.Text)
	}
	if m.HTML != "<p>123456</p>" {
		t.Errorf("HTML = %q", m.HTML)
	}
	if string(m.Raw) != sample {
		t.Errorf("Raw differs from what was sent:\n%q", m.Raw)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("Messages() has %d messages, want 1", got)
	}
}

func TestWaitForTakesMessagesInOrder(t *testing.T) {
	t.Parallel()
	s := mailtest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	got := make(chan string, 2)
	go func() {
		for range 2 {
			m, err := s.WaitFor(ctx, "b@example.com")
			if err != nil {
				got <- err.Error()
				continue
			}
			got <- m.Subject
		}
	}()
	for _, subject := range []string{"first", "second"} {
		raw := strings.Replace(sample, "=?utf-8?q?caf=C3=A9?=", subject, 1)
		if err := send(t, s, false, "", "", "b@example.com", raw); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := <-got, <-got; a != "first" || b != "second" {
		t.Errorf("WaitFor returned %q then %q, want first then second", a, b)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if _, err := s.WaitFor(short, "b@example.com"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("third WaitFor: err = %v, want context.DeadlineExceeded", err)
	}
}

func TestServerRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []mailtest.Option
		startTLS bool
		user     string
		pass     string
		wantCode int // 0: accepted
	}{
		{"plain accepts", nil, false, "", "", 0},
		{"mail before STARTTLS", []mailtest.Option{mailtest.WithStartTLS()}, false, "", "", 530},
		{"STARTTLS accepts", []mailtest.Option{mailtest.WithStartTLS()}, true, "", "", 0},
		{"mail before AUTH", []mailtest.Option{mailtest.WithAuth("u", "p")}, false, "", "", 530},
		{"wrong password", []mailtest.Option{mailtest.WithAuth("u", "p")}, false, "u", "nope", 535},
		{"wrong user", []mailtest.Option{mailtest.WithAuth("u", "p")}, false, "v", "p", 535},
		{"AUTH accepted", []mailtest.Option{mailtest.WithAuth("u", "p")}, false, "u", "p", 0},
		{"STARTTLS and AUTH", []mailtest.Option{mailtest.WithStartTLS(), mailtest.WithAuth("u", "p")}, true, "u", "p", 0},
		{"failure 554", []mailtest.Option{mailtest.WithFailure(554)}, false, "", "", 554},
		{"failure 451", []mailtest.Option{mailtest.WithFailure(451)}, false, "", "", 451},
		{"malformed message", nil, false, "", "", 554},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mailtest.NewServer(t, tt.opts...)
			raw := sample
			if tt.name == "malformed message" {
				raw = strings.Replace(sample, "quoted-printable", "uuencode", 1)
			}
			err := send(t, s, tt.startTLS, tt.user, tt.pass, "b@example.com", raw)
			if got := smtpCode(err); got != tt.wantCode || (tt.wantCode == 0 && err != nil) {
				t.Fatalf("err = %v (code %d), want code %d", err, got, tt.wantCode)
			}
			if want := 0; tt.wantCode != 0 && len(s.Messages()) != want {
				t.Errorf("a rejected message was kept")
			}
			if tt.wantCode == 0 && len(s.Messages()) != 1 {
				t.Errorf("Messages() = %d, want 1", len(s.Messages()))
			}
		})
	}
}

func TestAuthNotOfferedBeforeTLS(t *testing.T) {
	t.Parallel()
	s := mailtest.NewServer(t, mailtest.WithStartTLS(), mailtest.WithAuth("u", "p"))
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	if c.SupportsAuth("PLAIN") {
		t.Error("AUTH PLAIN offered before STARTTLS")
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Error("STARTTLS not offered")
	}
	if err := c.Auth(sasl.NewPlainClient("", "u", "p")); smtpCode(err) != 523 {
		t.Errorf("AUTH in clear: err = %v, want 523", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	s := mailtest.NewServer(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("u", "p w"))
	if want := "smtps://u:p%20w@" + s.Addr(); s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	c, err := smtp.DialTLS(s.Addr(), s.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "u", "p w")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	if len(s.Messages()) != 1 {
		t.Errorf("Messages() = %d, want 1", len(s.Messages()))
	}

	// A client that does not trust the test certificate is refused.
	if c2, err := smtp.DialTLS(s.Addr(), &tls.Config{}); err == nil {
		c2.Close()
		t.Error("TLS without the test root succeeded")
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts   []mailtest.Option
		scheme string // before the address
		after  string // after the address
		tls    bool
	}{
		{nil, "smtp://", "?starttls=false", false},
		{[]mailtest.Option{mailtest.WithStartTLS()}, "smtp://", "?starttls=true", true},
		{[]mailtest.Option{mailtest.WithStartTLS(), mailtest.WithAuth("user", "pa:ss")}, "smtp://user:pa%3Ass@", "?starttls=true", true},
		{[]mailtest.Option{mailtest.WithImplicitTLS()}, "smtps://", "", true},
	}
	for _, tt := range tests {
		s := mailtest.NewServer(t, tt.opts...)
		if want := tt.scheme + s.Addr() + tt.after; s.URL() != want {
			t.Errorf("URL() = %q, want %q", s.URL(), want)
		}
		if (s.TLSConfig() != nil) != tt.tls {
			t.Errorf("%s: TLSConfig() = %v", s.URL(), s.TLSConfig())
		}
	}
}

func TestParseMessageErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"bad header line":   "Subject x\r\n\r\nbody",
		"bad encoding":      strings.Replace(sample, "base64", "x-unknown", 1),
		"bad base64":        strings.Replace(sample, "PHA+MTIzNDU2PC9wPg==", "!!!!", 1),
		"bad charset":       strings.Replace(sample, "charset=utf-8", "charset=iso-2022-jp", 1),
		"no boundary":       strings.Replace(sample, "; boundary=xyz", "", 1),
		"bad media type":    strings.Replace(sample, "multipart/alternative;", "multipart/;", 1),
		"bad encoded words": strings.Replace(sample, "=?utf-8?q?caf=C3=A9?=", "=?x-unknown?q?caf=C3=A9?=", 1),
	}
	for name, raw := range tests {
		if _, err := mailtest.ParseMessage([]byte(raw)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	m, err := mailtest.ParseMessage([]byte("Subject: hi\r\n\r\nplain body\r\n"))
	if err != nil || m.Text != "plain body\n" || m.HTML != "" {
		t.Errorf("single part: %+v, %v", m, err)
	}
}
