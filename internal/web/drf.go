package web

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// charField is how a DRF serializer declares a CharField (Djoser's serializers use a few).
type charField struct {
	required   bool
	allowBlank bool
	// keepSpace returns the value as sent. DRF trims every CharField (trim_whitespace) and tests
	// blankness after trimming; authgate keeps passwords as typed, as its login does.
	keepSpace bool
	maxLength int // 0: none
}

// char reads a field as DRF's CharField.run_validation does, recording DRF's messages in the
// order DRF produces them: required, null, blank, not a string, then the validators (maximum
// length, NUL characters). ok is false when the field was absent or refused.
func (in *input) char(field string, f charField) (v string, ok bool) {
	s, ok := in.charValue(field, f)
	if !ok || s == "" {
		return s, ok
	}
	if f.maxLength > 0 && utf8.RuneCountInString(s) > f.maxLength {
		in.errs.add(field, "Ensure this field has no more than "+strconv.Itoa(f.maxLength)+" characters.")
		ok = false
	}
	if strings.ContainsRune(s, 0) {
		in.errs.add(field, "Null characters are not allowed.")
		ok = false
	}
	if ok && len(s) > 64<<10 { // authgate's bound on any text field
		in.errs.add(field, "Ensure this field has no more than 65536 characters.")
		ok = false
	}
	return s, ok
}

// charValue is CharField's checks before its validators: required, null, blank, type.
func (in *input) charValue(field string, f charField) (string, bool) {
	raw, present := in.vals[field]
	if !present {
		if f.required {
			in.errs.add(field, "This field is required.")
		}
		return "", false
	}
	var s string
	switch x := raw.(type) {
	case nil:
		in.errs.add(field, "This field may not be null.")
		return "", false
	case string:
		s = x
	case json.Number:
		s = pythonNumber(x)
	default: // booleans, lists and objects
		in.errs.add(field, "Not a valid string.")
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		if !f.allowBlank {
			in.errs.add(field, "This field may not be blank.")
			return "", false
		}
		return "", true
	}
	if !f.keepSpace {
		s = strings.TrimSpace(s)
	}
	return s, true
}

// emailField reads Djoser's e-mail fields: DRF's EmailField on the model's field (254
// characters), its validators in DRF's order: unique first (when taken is given), then the
// length, NUL characters, and Django's EmailValidator (valid), every failing one reported.
func (in *input) emailField(field string, required bool, valid func(string) bool, taken func(string) (bool, error)) (string, bool, error) {
	s, ok := in.charValue(field, charField{required: required})
	if !ok {
		return "", false, nil
	}
	if taken != nil && !strings.ContainsRune(s, 0) && utf8.ValidString(s) && len(s) <= 1024 {
		t, err := taken(s)
		if err != nil {
			return "", false, err
		}
		if t {
			in.errs.add(field, "user with this email address already exists.")
			ok = false
		}
	}
	if utf8.RuneCountInString(s) > 254 {
		in.errs.add(field, "Ensure this field has no more than 254 characters.")
		ok = false
	}
	if strings.ContainsRune(s, 0) {
		in.errs.add(field, "Null characters are not allowed.")
		ok = false
	}
	if !valid(s) {
		in.errs.add(field, "Enter a valid email address.")
		ok = false
	}
	return s, ok, nil
}

// pythonNumber is str() of the number Python's json module makes of a JSON number: an int as
// written, a float in Python's shortest repr ("1.0", "1e+16").
func pythonNumber(n json.Number) string {
	t := n.String()
	if !strings.ContainsAny(t, ".eE") {
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return strconv.FormatInt(i, 10)
		}
		return t
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return t
	}
	if math.IsInf(f, 0) {
		if f > 0 {
			return "inf"
		}
		return "-inf"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64) // both write at least two exponent digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
