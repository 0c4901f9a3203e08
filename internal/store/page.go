package store

import "strings"

// Page sizes for the List methods.
const (
	defaultPageLimit = 50
	maxPageLimit     = 1000
)

// pageLimit clamps a requested page size: 0 or less means the default.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultPageLimit
	case n > maxPageLimit:
		return maxPageLimit
	}
	return n
}

// containsPattern is a LIKE pattern (ESCAPE '\') for a case-insensitive substring of a
// lowercased column.
func containsPattern(s string) string {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + esc.Replace(strings.ToLower(s)) + "%"
}

// prefixUpperBound sorts after every string that starts with p in byte order (BINARY on
// SQLite, COLLATE "C" on PostgreSQL), save those continuing with U+10FFFF, which no jti holds;
// so "col >= p AND col < bound" is an indexed prefix match on both backends.
func prefixUpperBound(p string) string {
	return p + "\U0010FFFF"
}
