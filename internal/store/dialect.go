package store

import (
	"strconv"
	"strings"
	"time"
)

// dialect holds what differs between the backends; queries are written once with ? markers.
type dialect struct {
	name string
	pg   bool
}

var (
	dialectSQLite   = dialect{name: "sqlite"}
	dialectPostgres = dialect{name: "postgres", pg: true}
)

// rebind rewrites ? markers to PostgreSQL's $1, $2, …. Queries in this package keep ? out of
// string literals, so a plain scan is enough.
func (d dialect) rebind(query string) string {
	if !d.pg || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := range len(query) {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// forUpdate locks the selected rows on PostgreSQL; SQLite's IMMEDIATE transactions already
// hold the database's write lock.
func (d dialect) forUpdate() string {
	if d.pg {
		return " FOR UPDATE"
	}
	return ""
}

// ts encodes an instant for a NOT NULL column: timestamptz on PostgreSQL, unix microseconds
// on SQLite. Both keep microseconds, so values are truncated to them first.
func (d dialect) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.pg {
		return t
	}
	return t.UnixMicro()
}

// nullTS encodes an instant for a nullable column: the zero time is NULL.
func (d dialect) nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.ts(t)
}

// offsetOnly skips rows without a limit: SQLite needs a LIMIT before OFFSET, -1 meaning none.
func (d dialect) offsetOnly() string {
	if d.pg {
		return "OFFSET ?"
	}
	return "LIMIT -1 OFFSET ?"
}
