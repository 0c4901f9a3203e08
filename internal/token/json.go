package token

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The JSON reader below is deliberately stricter than encoding/json and Python's json module
// (RFC 8725 §3.2 asks for no parser differentials): UTF-8 only, no duplicate member names at any
// depth (compared after unescaping), no lone surrogates, no NaN or Infinity, bounded depth.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 32

// manyMembers is where duplicate detection switches from pairwise to a map.
const manyMembers = 16

// member is one name/value pair of a JSON object, as offsets into the scanned text.
type member struct {
	nameStart, nameEnd int  // between the quotes
	nameEsc            bool // the name holds a backslash escape
	valStart, valEnd   int
	kind               byte // '"' string, '0' number, 't' true, 'f' false, 'n' null, '{', '['
	valEsc             bool // for strings: the value holds a backslash escape
}

// scanner reads one JSON text from b.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// str reads a string at s.b[s.i] == '"' and reports whether it holds an escape.
func (s *scanner) str() (esc, ok bool) {
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return esc, true
		case c == '\\':
			esc = true
			if !s.escape() {
				return esc, false
			}
		case c < 0x20:
			return esc, false
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				return esc, false
			}
			s.i += n
		}
	}
	return esc, false
}

// escape reads one escape sequence at s.b[s.i] == '\\'.
func (s *scanner) escape() bool {
	if s.i+1 >= len(s.b) {
		return false
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return true
	case 'u':
		r, ok := hex4(s.b, s.i+2)
		if !ok {
			return false
		}
		s.i += 6
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // lone low surrogate
		case r >= 0xD800 && r <= 0xDBFF:
			if s.i+1 >= len(s.b) || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
				return false
			}
			lo, ok := hex4(s.b, s.i+2)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			s.i += 6
		}
		return true
	}
	return false
}

// hex4 decodes four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// num reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) num() bool {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	isFloat := false
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
		isFloat = true
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
		isFloat = true
	}
	if isFloat {
		// Python reads this as a float: one that overflows would be written back as Infinity,
		// which is not JSON, so it is refused here.
		f, _ := strconv.ParseFloat(string(s.b[start:s.i]), 64)
		return !math.IsInf(f, 0)
	}
	return true
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func (s *scanner) lit(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// value reads any value at s.i (no leading space) and returns its kind.
func (s *scanner) value(depth int) (kind byte, esc, ok bool) {
	if s.i >= len(s.b) {
		return 0, false, false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		esc, ok = s.str()
		return '"', esc, ok
	case c == '{':
		var buf [8]member
		_, ok = s.object(depth+1, buf[:0])
		return '{', false, ok
	case c == '[':
		return '[', false, s.array(depth + 1)
	case c == 't':
		return 't', false, s.lit("true")
	case c == 'f':
		return 'f', false, s.lit("false")
	case c == 'n':
		return 'n', false, s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return '0', false, s.num()
	}
	return 0, false, false
}

// object reads an object at s.b[s.i] == '{', appending its members to dst.
func (s *scanner) object(depth int, dst []member) ([]member, bool) {
	if depth > maxDepth {
		return dst, false
	}
	first := len(dst)
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return dst, true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return dst, false
		}
		var m member
		m.nameStart = s.i + 1
		esc, ok := s.str()
		if !ok {
			return dst, false
		}
		m.nameEnd, m.nameEsc = s.i-1, esc
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return dst, false
		}
		s.i++
		s.ws()
		m.valStart = s.i
		if m.kind, m.valEsc, ok = s.value(depth); !ok {
			return dst, false
		}
		m.valEnd = s.i
		dst = append(dst, m)
		s.ws()
		if s.i >= len(s.b) {
			return dst, false
		}
		if s.b[s.i] == '}' {
			s.i++
			return dst, !hasDuplicate(s.b, dst[first:])
		}
		if s.b[s.i] != ',' {
			return dst, false
		}
		s.i++
		s.ws()
	}
}

// array reads an array at s.b[s.i] == '['.
func (s *scanner) array(depth int) bool {
	if depth > maxDepth {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return true
	}
	for {
		if _, _, ok := s.value(depth); !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		if s.b[s.i] == ']' {
			s.i++
			return true
		}
		if s.b[s.i] != ',' {
			return false
		}
		s.i++
		s.ws()
	}
}

// parseObject reads b as exactly one JSON object (surrounding space allowed) into dst.
func parseObject(b []byte, dst []member) ([]member, bool) {
	s := scanner{b: b}
	s.ws()
	if s.i >= len(b) || b[s.i] != '{' {
		return dst, false
	}
	dst, ok := s.object(1, dst)
	if !ok {
		return dst, false
	}
	s.ws()
	return dst, s.i == len(b)
}

// validValue reports whether b is exactly one JSON value.
func validValue(b []byte) bool {
	s := scanner{b: b}
	s.ws()
	if _, _, ok := s.value(0); !ok {
		return false
	}
	s.ws()
	return s.i == len(b)
}

// hasDuplicate reports whether two members share a name after unescaping.
func hasDuplicate(b []byte, ms []member) bool {
	if len(ms) > manyMembers {
		seen := make(map[string]struct{}, len(ms))
		for _, m := range ms {
			name := memberName(b, m)
			if _, dup := seen[name]; dup {
				return true
			}
			seen[name] = struct{}{}
		}
		return false
	}
	for i := 1; i < len(ms); i++ {
		for j := 0; j < i; j++ {
			if sameName(b, ms[i], ms[j]) {
				return true
			}
		}
	}
	return false
}

func sameName(b []byte, x, y member) bool {
	if !x.nameEsc && !y.nameEsc {
		return string(b[x.nameStart:x.nameEnd]) == string(b[y.nameStart:y.nameEnd])
	}
	return memberName(b, x) == memberName(b, y)
}

// memberName is the unescaped name of m.
func memberName(b []byte, m member) string {
	return unquote(b[m.nameStart:m.nameEnd], m.nameEsc)
}

// nameIs reports whether m's unescaped name is name, without allocating for plain names.
func nameIs(b []byte, m member, name string) bool {
	if !m.nameEsc {
		return string(b[m.nameStart:m.nameEnd]) == name
	}
	return memberName(b, m) == name
}

// unquote decodes the content of a string the scanner accepted.
func unquote(raw []byte, esc bool) string {
	if !esc {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(raw, i+2)
			if r >= 0xD800 && r <= 0xDBFF {
				lo, _ := hex4(raw, i+8)
				r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	return string(out)
}

// stringValue returns the unescaped value of a string member.
func stringValue(b []byte, m member) string {
	return unquote(b[m.valStart+1:m.valEnd-1], m.valEsc)
}

// Time claims must fall in the range of Python's datetime (years 1 to 9999): SimpleJWT turns
// them into datetimes, so anything outside would crash it.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

// number parses a number the scanner accepted as float64; ok is false when it is out of range.
func number(raw []byte) (float64, bool) {
	if len(raw) <= 15 {
		neg, digits := false, raw
		if len(digits) > 0 && digits[0] == '-' {
			neg, digits = true, digits[1:]
		}
		var n int64
		plain := len(digits) > 0
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			if neg {
				n = -n
			}
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// timeNumber parses a NumericDate (RFC 7519 §2) within Python's datetime range.
func timeNumber(raw []byte) (float64, bool) {
	f, ok := number(raw)
	return f, ok && f >= minUnix && f <= maxUnix
}

// truthy is Python's bool() of a JSON value, which PyJWT applies to "aud".
func truthy(b []byte, m member) bool {
	v := b[m.valStart:m.valEnd]
	switch m.kind {
	case '"':
		return len(v) > 2
	case 't':
		return true
	case 'f', 'n':
		return false
	case '0':
		for _, c := range v {
			if c == 'e' || c == 'E' {
				break
			}
			if c >= '1' && c <= '9' {
				return true
			}
		}
		return false
	}
	s := scanner{b: v, i: 1}
	s.ws()
	return s.i < len(v)-1
}
