package auth

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Django 3.2's EmailValidator, which DRF's EmailField runs on Djoser's e-mail fields.
var (
	emailUserRe    = regexp.MustCompile(`(?i)^(?:[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_` + "`" + `{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$`)
	emailDomainRe  = regexp.MustCompile(`(?i)^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{1,62}[A-Z0-9]$`)
	emailLiteralRe = regexp.MustCompile(`(?i)^\[([A-F0-9:.]+)\]$`)
)

// ValidEmailDjango reports whether Django's EmailValidator accepts the address: at most 320
// characters, a dot-atom or quoted local part, and a domain of RFC 1034 labels with a
// top-level label of two or more characters, "localhost", an address literal, or an
// internationalised domain whose Punycode form is one of those.
func ValidEmailDjango(v string) bool {
	if v == "" || utf8.RuneCountInString(v) > 320 {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return false
	}
	user, domain := v[:at], v[at+1:]
	if !emailUserRe.MatchString(user) {
		return false
	}
	if domain == "localhost" || validEmailDomain(domain) {
		return true
	}
	ascii, ok := punycodeDomain(domain)
	return ok && validEmailDomain(ascii)
}

func validEmailDomain(d string) bool {
	if emailDomainRe.MatchString(d) {
		return true
	}
	if m := emailLiteralRe.FindStringSubmatch(d); m != nil {
		a, err := netip.ParseAddr(m[1])
		return err == nil && a.Zone() == ""
	}
	return false
}

// NormalizeEmail is Django's BaseUserManager.normalize_email: the domain part lowercased, the
// local part kept as typed (it may be case-sensitive), surrounding white space removed.
func NormalizeEmail(v string) string {
	v = strings.TrimSpace(v)
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return v
	}
	return v[:at] + "@" + strings.ToLower(v[at+1:])
}

// punycodeDomain encodes each non-ASCII label of an internationalised domain as "xn--" and its
// RFC 3492 Punycode, as Python's idna codec does for Django (without nameprep's mappings beyond
// lowercasing); ok is false for a label it cannot encode.
func punycodeDomain(d string) (string, bool) {
	labels := strings.Split(strings.ToLower(d), ".")
	for i, l := range labels {
		if l == "" && i != len(labels)-1 {
			return "", false
		}
		ascii := true
		for j := 0; j < len(l); j++ {
			if l[j] >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		if ascii {
			continue
		}
		enc, ok := punycode(l)
		if !ok || len(enc)+4 > 63 {
			return "", false
		}
		labels[i] = "xn--" + enc
	}
	return strings.Join(labels, "."), true
}

// punycode is RFC 3492's encoder for one label.
func punycode(s string) (string, bool) {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	if !utf8.ValidString(s) {
		return "", false
	}
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	n, delta, bias := initialN, 0, initialBias
	for h < len(runes) {
		m := int(^uint(0) >> 1)
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m-n)*(h+1) < 0 || delta+(m-n)*(h+1) < delta {
			return "", false
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), true
}
