package store

// TraceReads makes db call f with every read query it runs, as written (before rebinding), and
// its arguments; nil stops it. Set it while nothing else uses db.
func TraceReads(db *DB, f func(query string, args []any)) { db.traceRead = f }

// Rebind is query as db's dialect runs it ($1 placeholders on PostgreSQL).
func Rebind(db *DB, query string) string { return db.dialect.rebind(query) }
