package store

import (
	"context"
	"database/sql"
	"strings"
)

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

// searchUsersMax is how many users an e-mail search of the token or audit lists resolves to
// their ids first. A search names a few users as a rule: then their rows are found through the
// user_id indexes (and a jti prefix through its own), instead of walking every token or event
// to test its user's e-mail, which took seconds at a million rows and reached the statement
// timeout on PostgreSQL (docs/benchmarks-storage.md, "Admin pages"). A search matching more
// users than this matches rows densely, and the walk finds a page of them at once.
const searchUsersMax = 1000

// usersMatching returns the ids of the users whose e-mail contains s, case-insensitively: at
// most searchUsersMax+1 of them, so that more than searchUsersMax means "many".
func (db *DB) usersMatching(ctx context.Context, s string) ([]any, error) {
	return selectAll(ctx, db, db.r, `SELECT id FROM users WHERE email_lower LIKE ? ESCAPE '\' LIMIT ?`,
		[]any{containsPattern(s), searchUsersMax + 1}, func(rows *sql.Rows) (any, error) {
			var id string
			err := rows.Scan(&id)
			return id, err
		})
}

// inList is "col IN (?, …)" for ids, its length rounded up to a power of two and padded with
// NULL (which equals nothing), so that few distinct query texts reach the statement cache.
func inList(col string, ids []any) (string, []any) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	copy(args, ids)
	return col + ` IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `)`, args
}
