package store

import "context"

// MigrateTo applies the pending migrations up to version (tests of what a migration does to
// rows written under the schema before it).
func (db *DB) MigrateTo(ctx context.Context, version string) error { return db.migrateTo(ctx, version) }

// TraceReads makes db call f with every read query it runs, as written (before rebinding), and
// its arguments; nil stops it. Set it while nothing else uses db.
func TraceReads(db *DB, f func(query string, args []any)) { db.traceRead = f }

// Rebind is query as db's dialect runs it ($1 placeholders on PostgreSQL).
func Rebind(db *DB, query string) string { return db.dialect.rebind(query) }
