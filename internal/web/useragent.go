package web

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxUserAgent is how much of a User-Agent is kept with a login (auth truncates at 512 bytes).
const maxUserAgent = 512

// cleanUserAgent makes a client's User-Agent safe to store and show: valid UTF-8 (PostgreSQL
// refuses anything else, which would fail the whole login), no control characters, and cut to
// maxUserAgent bytes on a character boundary, so no later byte-wise cut can split a character.
func cleanUserAgent(ua string) string {
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ua, "\uFFFD"))
	if len(ua) <= maxUserAgent {
		return ua
	}
	cut := maxUserAgent
	for cut > 0 && !utf8.RuneStart(ua[cut]) {
		cut--
	}
	return ua[:cut]
}
