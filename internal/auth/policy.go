package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = struct{}{}
		}
	}
	return m
})

// CheckPasswordPolicy applies Django's default validators, with Django's messages, to a new
// password: minimum length, not (like) the e-mail, not a common password, not entirely numeric.
// field names the request field the errors belong to.
func (s *Service) CheckPasswordPolicy(pw, email, field string) error {
	var msgs []string
	min := s.cfg.PasswordMinLength
	if len([]rune(pw)) < min {
		msgs = append(msgs, fmt.Sprintf("This password is too short. It must contain at least %d characters.", min))
	}
	if len(pw) > 4096 {
		msgs = append(msgs, "This password is too long.")
	}
	lp := strings.ToLower(pw)
	if e := strings.ToLower(email); e != "" {
		local, _, _ := strings.Cut(e, "@")
		if lp == e || (len(local) >= 4 && strings.Contains(lp, local) && len(lp) < len(local)+4) {
			msgs = append(msgs, "The password is too similar to the email address.")
		}
	}
	if _, ok := commonPasswords()[lp]; ok {
		msgs = append(msgs, "This password is too common.")
	}
	if strings.IndexFunc(pw, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 && pw != "" {
		msgs = append(msgs, "This password is entirely numeric.")
	}
	if len(msgs) > 0 {
		return fieldError(field, msgs...)
	}
	return nil
}
