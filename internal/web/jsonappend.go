package web

import (
	"strconv"
	"unicode/utf8"
)

// jsonAppender is a response body that writes its own JSON, byte for byte what encoding/json
// (HTML escaping off, as writeJSON sets it) writes for the same value, without reflection: the
// bodies of the hot paths implement it (FuzzAppendJSON holds them to encoding/json's output).
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// appendJSONString appends s as a JSON string as encoding/json does with SetEscapeHTML(false):
// quotes, backslashes and control characters escaped, U+2028 and U+2029 escaped for
// JavaScript, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSON writes {"id":…,"email":…,…} as DRF renders the user.
func (m meBody) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, m.ID)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, m.Email)
	b = append(b, `,"two_factor_enabled":`...)
	b = strconv.AppendBool(b, m.TwoFactorEnabled)
	b = append(b, `,"is_active":`...)
	b = strconv.AppendBool(b, m.IsActive)
	b = append(b, `,"is_staff":`...)
	b = strconv.AppendBool(b, m.IsStaff)
	b = append(b, `,"is_superuser":`...)
	b = strconv.AppendBool(b, m.IsSuperuser)
	b = append(b, `,"date_joined":"`...)
	b = m.DateJoined.UTC().AppendFormat(b, djangoLayout) // digits and -:.TZ: nothing to escape
	b = append(b, `","last_login":`...)
	if m.LastLogin.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = m.LastLogin.UTC().AppendFormat(b, djangoLayout)
		b = append(b, '"')
	}
	return append(b, '}')
}

// MarshalJSON makes encoding/json agree with appendJSON.
func (m meBody) MarshalJSON() ([]byte, error) { return m.appendJSON(nil), nil }

// appendJSON writes DRF's error body: detail, then code and messages when set.
func (d detail) appendJSON(b []byte) []byte {
	b = append(b, `{"detail":`...)
	b = appendJSONString(b, d.Detail)
	if d.Code != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, d.Code)
	}
	if len(d.Messages) > 0 {
		b = append(b, `,"messages":[`...)
		for i, m := range d.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"token_class":`...)
			b = appendJSONString(b, m.TokenClass)
			b = append(b, `,"token_type":`...)
			b = appendJSONString(b, m.TokenType)
			b = append(b, `,"message":`...)
			b = appendJSONString(b, m.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
