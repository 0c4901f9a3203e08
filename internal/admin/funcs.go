package admin

import (
	"html/template"
	"net/url"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// templateFuncs are the helpers the templates use; each returns plain text, escaped by
// html/template like everything else.
func templateFuncs(static staticFiles) template.FuncMap {
	return template.FuncMap{
		"static": static.url,
		"when":   when,
		"short":  whenShort,
		"iso":    iso,
		"reason": reasonLabel,
		"abbrev": abbrev,
		// pathseg escapes one path segment ("/" and "?" included); html/template alone would not.
		"pathseg": url.PathEscape,
	}
}

// when shows an instant in UTC to the minute's second; the zero time is a dash.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// whenShort is an instant in UTC to the minute, for list columns.
func whenShort(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// abbrev shortens a long identifier for a list column (the whole one goes in a title).
func abbrev(s string) string {
	if r := []rune(s); len(r) > 10 {
		return string(r[:8]) + "…"
	}
	return s
}

// iso is an instant for a <time datetime> attribute.
func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// reasonLabel says why a token was blacklisted in words an administrator reads at a glance.
func reasonLabel(reason string) string {
	switch reason {
	case auth.ReasonRotated:
		return "Rotated"
	case auth.ReasonLogout:
		return "Logged out"
	case auth.ReasonLogoutAll:
		return "Logged out everywhere"
	case auth.ReasonReuseDetected:
		return "Reuse detected"
	case auth.ReasonPassword:
		return "Password changed"
	case auth.ReasonAdmin:
		return "Blacklisted by an administrator"
	case auth.ReasonBlacklist:
		return "Blacklisted via the API"
	case auth.ReasonSession:
		return "Session revoked"
	case auth.ReasonDeactivated:
		return "User deactivated"
	case auth.ReasonIdleTimeout:
		return "Idle timeout"
	case auth.ReasonMaxAge:
		return "Maximum session age"
	case auth.ReasonSessionLimit:
		return "Too many sessions"
	case "":
		return "—"
	}
	return reason
}
