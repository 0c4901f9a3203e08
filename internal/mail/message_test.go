package mail

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestEncodeText(t *testing.T) {
	t.Parallel()
	dec := new(mime.WordDecoder)
	for _, s := range []string{
		"plain ASCII stays as it is",
		"é",
		"Bestätigung für authgate — gültig 10 Minuten, bitte nicht weitergeben",
		strings.Repeat("日本語のテキスト", 12),
		"a=b?c_d e\tf",
		"emoji 🔐 in the middle",
	} {
		enc := encodeText(s)
		if isPrintableASCII(s) {
			if enc != s {
				t.Errorf("encodeText(%q) = %q, want it unchanged", s, enc)
			}
			continue
		}
		for _, word := range strings.Split(enc, " ") {
			if len(word) > 60 || !strings.HasPrefix(word, "=?utf-8?q?") || !isPrintableASCII(word) {
				t.Errorf("encodeText(%q): word %q", s, word)
			}
		}
		got, err := dec.DecodeHeader(enc)
		if err != nil || got != s {
			t.Errorf("encodeText(%q) = %q decodes to %q (%v)", s, enc, got, err)
		}
	}
}

func TestWriteHeaderFolds(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	value := encodeText(strings.Repeat("Grüße aus authgate ", 8))
	writeHeader(&b, "Subject", value)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	if len(lines) < 3 {
		t.Fatalf("not folded: %q", b.String())
	}
	for i, line := range lines {
		if len(line) > 76 || (i > 0 && !strings.HasPrefix(line, " ")) {
			t.Errorf("line %d: %q", i, line)
		}
	}
	m, err := mail.ReadMessage(strings.NewReader(b.String() + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); got != strings.Repeat("Grüße aus authgate ", 8) {
		t.Errorf("unfolded and decoded: %q", got)
	}
}

func TestMessageIDDomain(t *testing.T) {
	t.Parallel()
	zero := bytes.NewReader(make([]byte, 16))
	if id, err := messageID("no-reply@auth.example.com", zero); err != nil || id != "<00000000000000000000000000000000@auth.example.com>" {
		t.Errorf("messageID = %q, %v", id, err)
	}
	if id, err := messageID("postmaster", bytes.NewReader(make([]byte, 16))); err != nil || !strings.HasSuffix(id, "@authgate.invalid>") {
		t.Errorf("messageID without a domain = %q, %v", id, err)
	}
	if _, err := messageID("a@b", bytes.NewReader(make([]byte, 3))); err == nil {
		t.Error("short random source: no error")
	}
}

func TestBuildMessageIsDeterministic(t *testing.T) {
	t.Parallel()
	from := &mail.Address{Name: "authgate", Address: "no-reply@auth.example.com"}
	to := &mail.Address{Address: "ada@example.com"}
	content := rendered{Subject: "Hi", Text: "line one\nline two\n", HTML: "<p>hi</p>\n"}
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	build := func() string {
		_, raw, err := buildMessage(from, to, content, date, bytes.NewReader(bytes.Repeat([]byte{0xab}, 64)))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	a := build()
	if a != build() {
		t.Error("same inputs built different messages")
	}
	for _, want := range []string{
		"Date: Fri, 02 Jan 2026 03:04:05 +0000\r\n",
		"From: \"authgate\" <no-reply@auth.example.com>\r\n",
		"To: <ada@example.com>\r\n",
		"Subject: Hi\r\n",
		"Message-ID: <abababababababababababababababab@auth.example.com>\r\n",
		"boundary=authgate-abababababababababababab\r\n",
		"line one\r\nline two\r\n",
	} {
		if !strings.Contains(a, want) {
			t.Errorf("message lacks %q:\n%s", want, a)
		}
	}
}
