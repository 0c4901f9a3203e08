package mail

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// redactURL hides the password of raw, even when raw does not parse or parses oddly: a password
// holding an unescaped "/", "#" or "?" ends the authority early, so url.Parse reads "user:pa" as
// host and port, or the rest as a fragment or query; "user:pass@host" without a scheme parses as
// scheme "user". Whatever the parse, the last "@" after "//" (or anywhere, without "//") is
// taken as the end of credentials, and what follows the first ":" before it is masked.
func redactURL(raw string) string {
	s := raw
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			s = u.Redacted()
		}
	}
	if strings.HasPrefix(strings.ToLower(s), "file:") {
		return s // a path, no credentials
	}
	prefix, rest, ok := strings.Cut(s, "://")
	if ok {
		prefix += "://"
	} else {
		prefix, rest = "", s
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 && ok { // "user:pass@://…": the credentials stand before the "://"
		prefix, rest = "", s
		at = strings.LastIndex(rest, "@")
	}
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return s
	}
	return prefix + user + ":xxxxx" + rest[at:]
}

// urlParseError keeps url.Parse's reason without its copy of the URL, and without the parts
// of it the reason quotes: with a "/" in the password, `invalid port ":pass/word" after host`
// quotes the password.
func urlParseError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return errors.New("malformed URL")
	}
	return errors.New(strings.TrimPrefix(stripQuoted(ue.Err.Error()), "net/url: "))
}

// stripQuoted replaces each double-quoted part of s (as %q writes them) with "…".
func stripQuoted(s string) string {
	var b strings.Builder
	for {
		start := strings.IndexByte(s, '"')
		if start < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:start])
		b.WriteString(`"…"`)
		end := start + 1
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(s) {
			return b.String()
		}
		s = s[end+1:]
	}
}

// quoteToken quotes s, followed by a space, when it is a short word; otherwise it says nothing,
// as a query that swallowed part of the credentials (a "?" in the user name) may hold the
// password after a ":".
func quoteToken(s string) string {
	if s == "" || len(s) > 32 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return ""
		}
	}
	return strconv.Quote(s) + " "
}
