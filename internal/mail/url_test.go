package mail

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want endpoint
	}{
		{"smtp://mail.example.com", endpoint{scheme: "smtp", host: "mail.example.com", port: "587", startTLS: true}},
		{"smtp://mail.example.com:25", endpoint{scheme: "smtp", host: "mail.example.com", port: "25", startTLS: true}},
		{"smtp://mail.example.com:25?starttls=false", endpoint{scheme: "smtp", host: "mail.example.com", port: "25"}},
		{"smtp://u%40x.org:p%2Fw%20d@[2001:db8::1]:2525?starttls=1", endpoint{scheme: "smtp", host: "2001:db8::1", port: "2525", user: "u@x.org", password: "p/w d", startTLS: true}},
		{"smtp://u:p@LOCALHOST:25?starttls=false", endpoint{scheme: "smtp", host: "LOCALHOST", port: "25", user: "u", password: "p"}},
		{"smtp://u:p@127.0.0.2:25?starttls=false", endpoint{scheme: "smtp", host: "127.0.0.2", port: "25", user: "u", password: "p"}},
		{"smtps://u:p@mail.example.com", endpoint{scheme: "smtps", host: "mail.example.com", port: "465", user: "u", password: "p"}},
		{"smtps://mail.example.com:2465/", endpoint{scheme: "smtps", host: "mail.example.com", port: "2465"}},
		{"console://", endpoint{scheme: "console"}},
		{"file:///var/spool/authgate/", endpoint{scheme: "file", dir: "/var/spool/authgate"}},
		{"file://localhost/tmp/a/../b", endpoint{scheme: "file", dir: "/tmp/b"}},
	}
	for _, tt := range tests {
		got, err := parseURL(tt.url)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.url, err)
			continue
		}
		got.redactedURL = ""
		if got != tt.want {
			t.Errorf("parseURL(%q) =\n%+v, want\n%+v", tt.url, got, tt.want)
		}
	}
	if e, _ := parseURL("smtp://u:p@[::1]:25?starttls=false"); e.addr() != "[::1]:25" {
		t.Errorf("addr() = %q", e.addr())
	}
}

// FuzzParseURL: whatever surrounds the credentials, parsing neither panics nor shows the password.
func FuzzParseURL(f *testing.F) {
	const secret = "Zq9-s3cr3t-Wx"
	for _, seed := range []string{
		"mail.example.com", "mail.example.com:25?starttls=false", "host:bad", "host/path", "[::1", "h:0",
		"h?starttls=maybe", "h#frag", "h?%zz", "10.0.0.1:25?starttls=false", "a b", "h:465", "@h", "/x@y:z",
	} {
		f.Add("smtp://", "user", seed)
		f.Add("smtps://", "u%40x", seed)
		f.Add("", "user", seed)
		f.Add("smtp:", "u?x", seed)
	}
	f.Fuzz(func(t *testing.T, prefix, user, tail string) {
		if strings.HasPrefix(strings.ToLower(prefix+user), "file:") {
			return // a path, which may legitimately hold anything
		}
		for _, part := range []string{prefix, user, tail} {
			if unescaped, err := url.PathUnescape(part); strings.Contains(part, secret) || (err == nil && strings.Contains(unescaped, secret)) {
				return
			}
		}
		raw := prefix + user + ":" + secret + "@" + tail
		e, err := parseURL(raw)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("parseURL(%q) error shows the password: %v", raw, err)
			}
			return
		}
		if strings.Contains(e.redactedURL, secret) {
			t.Fatalf("parseURL(%q).redactedURL = %q shows the password", raw, e.redactedURL)
		}
	})
}
