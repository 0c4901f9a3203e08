package auth

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// commonPasswordsGz is Django 3.2's django/contrib/auth/common-passwords.txt.gz (BSD-3-Clause,
// © Django Software Foundation): 20,000 common passwords, lowercased, by Royce Williams. It is
// the list CommonPasswordValidator refuses, so that authgate refuses exactly what Django does.
//
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("auth: embedded common passwords: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("auth: embedded common passwords: " + err.Error())
	}
	m := make(map[string]struct{}, 20000)
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m[l] = struct{}{}
		}
	}
	return m
})

// PasswordAttrs are what Django's UserAttributeSimilarityValidator compares a new password
// with, in its order (username, first_name, last_name, email; authgate's users have no
// username). Djoser passes the user being created on sign-up, the caller on set_password, and
// nobody on reset_password_confirm (an anonymous request): then every field is empty.
type PasswordAttrs struct {
	FirstName, LastName, Email string
}

// CheckPasswordPolicy is CheckNewPassword with the e-mail as the only attribute.
func (s *Service) CheckPasswordPolicy(pw, email, field string) error {
	return s.CheckNewPassword(pw, PasswordAttrs{Email: email}, field)
}

// CheckNewPassword applies Django's four default validators, in Django's order and words, to a
// new password (CONTRACT "Password validator messages"): similarity to the user's attributes,
// minimum length, Django's common-password list, entirely numeric. Every failing validator
// adds its message; field names the request field the errors belong to.
func (s *Service) CheckNewPassword(pw string, a PasswordAttrs, field string) error {
	var msgs []string
	if m := similarity(pw, a); m != "" {
		msgs = append(msgs, m)
	}
	if min := s.cfg.PasswordMinLength; utf8.RuneCountInString(pw) < min {
		unit := "characters"
		if min == 1 {
			unit = "character"
		}
		msgs = append(msgs, fmt.Sprintf("This password is too short. It must contain at least %d %s.", min, unit))
	}
	if len(pw) > 4096 { // authgate's own bound: hashing work stays bounded
		msgs = append(msgs, "This password is too long.")
	}
	if _, ok := commonPasswords()[strings.TrimSpace(strings.ToLower(pw))]; ok {
		msgs = append(msgs, "This password is too common.")
	}
	if pw != "" && strings.IndexFunc(pw, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		msgs = append(msgs, "This password is entirely numeric.")
	}
	if len(msgs) > 0 {
		return fieldError(field, msgs...)
	}
	return nil
}

// maxSimilarity is UserAttributeSimilarityValidator's default max_similarity.
const maxSimilarity = 0.7

// similarity is Django 3.2's UserAttributeSimilarityValidator: the lowercased password against
// each attribute, whole and split on non-word characters, by difflib's quick_ratio; the first
// attribute too similar names itself by its verbose name. Django 3.2 words it "The password is
// too similar to the …" (the contract's "This password …" is Django 4's).
func similarity(pw string, a PasswordAttrs) string {
	p := []rune(strings.ToLower(pw))
	for _, attr := range []struct{ value, name string }{
		{a.FirstName, "first name"}, {a.LastName, "last name"}, {a.Email, "email address"},
	} {
		if attr.value == "" {
			continue
		}
		v := strings.ToLower(attr.value)
		// re.split(r'\W+', v) + [v]; the empty parts re.split may add are always skipped.
		parts := append(strings.FieldsFunc(v, func(r rune) bool { return !isWordRune(r) }), v)
		for _, part := range parts {
			q := []rune(part)
			if exceedsLengthRatio(len(p), len(q)) {
				continue
			}
			if quickRatio(p, q) >= maxSimilarity {
				return "The password is too similar to the " + attr.name + "."
			}
		}
	}
	return ""
}

// isWordRune is Python's \w for str patterns: letters, digits and the underscore.
func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// exceedsLengthRatio is Django's exceeds_maximum_length_ratio: a value much shorter than the
// password cannot be similar enough, so the comparison is skipped.
func exceedsLengthRatio(pwLen, valueLen int) bool {
	return pwLen >= 10*valueLen && float64(valueLen) < maxSimilarity/2*float64(pwLen)
}

// quickRatio is difflib.SequenceMatcher(a=a, b=b).quick_ratio(): twice the size of the
// multiset intersection over the total length.
func quickRatio(a, b []rune) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	avail := make(map[rune]int, len(b))
	for _, r := range b {
		avail[r]++
	}
	matches := 0
	for _, r := range a {
		if avail[r] > 0 {
			matches++
		}
		avail[r]--
	}
	return 2 * float64(matches) / float64(len(a)+len(b))
}
