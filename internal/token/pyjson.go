package token

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

// PyJWT serialises claims with Python's json.dumps(separators=(",", ":")), whose defaults escape
// every non-ASCII character. Writing the same bytes makes authgate's tokens identical to
// SimpleJWT's for the same claims, and copied claims (AccessFrom, Rotate) come out as SimpleJWT
// would copy them.

const hexDigits = "0123456789abcdef"

// appendPyString appends s as json.dumps(s) (ensure_ascii) writes it.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
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
				b = appendU(b, rune(c))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r >= 0x10000 {
			r -= 0x10000
			b = appendU(b, 0xD800+(r>>10))
			b = appendU(b, 0xDC00+(r&0x3FF))
			continue
		}
		b = appendU(b, r)
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// errNotJSON is a claim value that is not one JSON value.
var errNotJSON = errors.New("not a single JSON value")

// appendPyJSON appends the JSON value raw as Python re-serialises it after json.loads: compact,
// strings escaped as above, integers verbatim, floats by repr(). raw must have no duplicate
// names, as the scanner demands.
func appendPyJSON(b []byte, raw []byte) ([]byte, error) {
	if !validValue(raw) {
		return b, errNotJSON
	}
	s := scanner{b: raw}
	s.ws()
	return s.appendPy(b), nil
}

// appendPy re-serialises the (valid) value at s.i.
func (s *scanner) appendPy(b []byte) []byte {
	start := s.i
	switch c := s.b[s.i]; {
	case c == '"':
		esc, _ := s.str()
		return appendPyString(b, unquote(s.b[start+1:s.i-1], esc))
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		b = append(b, c)
		s.i++
		s.ws()
		for n := 0; s.b[s.i] != closer; n++ {
			if n > 0 {
				b = append(b, ',')
				s.i++ // ','
				s.ws()
			}
			if c == '{' {
				b = s.appendPy(b) // name
				s.ws()
				b = append(b, ':')
				s.i++ // ':'
				s.ws()
			}
			b = s.appendPy(b)
			s.ws()
		}
		s.i++
		return append(b, closer)
	case c == '-' || (c >= '0' && c <= '9'):
		s.num()
		return appendPyNumber(b, s.b[start:s.i])
	default: // true, false, null
		for s.i < len(s.b) && s.b[s.i] >= 'a' && s.b[s.i] <= 'z' {
			s.i++
		}
		return append(b, s.b[start:s.i]...)
	}
}

// appendPyNumber writes a JSON number as Python does after parsing it: an int keeps its digits
// ("-0" becomes "0"), anything with a fraction or exponent becomes a float.
func appendPyNumber(b []byte, raw []byte) []byte {
	isFloat := false
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
			break
		}
	}
	if !isFloat {
		if string(raw) == "-0" {
			return append(b, '0')
		}
		return append(b, raw...)
	}
	f, _ := strconv.ParseFloat(string(raw), 64)
	return appendPyFloat(b, f)
}

// appendPyFloat writes f as Python's float.__repr__: the shortest round-tripping digits, in
// positional notation when the decimal exponent is in [-4, 16), else as d.ddde±XX. Infinities
// and NaN are written as Python's json does, though the scanner never accepts them.
func appendPyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // [-]d[.ddd]e±XX
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		b = append(b, '-')
	}
	var digits []byte
	ePos := 0
	for i, c := range e {
		if c == 'e' {
			ePos = i
			break
		}
		if c != '.' {
			digits = append(digits, c)
		}
	}
	exp, _ := strconv.Atoi(string(e[ePos+1:]))
	decpt := exp + 1 // digits are 0.d1d2... × 10^decpt
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			b = append(b, '0', '.')
			for range -decpt {
				b = append(b, '0')
			}
			b = append(b, digits...)
		case decpt >= len(digits):
			b = append(b, digits...)
			for range decpt - len(digits) {
				b = append(b, '0')
			}
			b = append(b, '.', '0')
		default:
			b = append(b, digits[:decpt]...)
			b = append(b, '.')
			b = append(b, digits[decpt:]...)
		}
		return b
	}
	b = append(b, digits[0])
	if len(digits) > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}
