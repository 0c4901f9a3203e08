package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migrationLockKey is the pg_advisory_xact_lock key that serialises migrations across every
// instance sharing a PostgreSQL database ("authgate" in ASCII).
const migrationLockKey int64 = 0x6175746867617465

// migration is one forward-only step, named after its file without ".sql".
type migration struct {
	version string
	sql     string
}

// migrations lists the dialect's steps in file-name order.
func (d dialect) migrations() ([]migration, error) {
	dir := path.Join("migrations", d.name)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: strings.TrimSuffix(e.Name(), ".sql"), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// schemaMigrationsDDL creates the bookkeeping table; applied_at is encoded like every instant.
func (d dialect) schemaMigrationsDDL() string {
	if d.pg {
		return `CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)`
	}
	return `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL) STRICT`
}

// Migrate applies every pending migration, each in its own transaction and recorded in
// schema_migrations. It is idempotent, and safe to run from several instances at once: on
// PostgreSQL each step holds an advisory lock, on SQLite the database write lock.
func (db *DB) Migrate(ctx context.Context) error { return db.migrateTo(ctx, "") }

// migrateTo applies the pending migrations up to and including version upTo ("" for all).
func (db *DB) migrateTo(ctx context.Context, upTo string) error {
	steps, err := db.dialect.migrations()
	if err != nil {
		return fmt.Errorf("store: migrate: read embedded migrations: %w", err)
	}
	for _, m := range steps {
		if upTo != "" && m.version > upTo {
			break
		}
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("store: migrate %s: %w", m.version, translate(err))
		}
	}
	return nil
}

// applyMigration runs one step unless it is recorded already. It deliberately ignores the
// statement timeout: a migration may take longer than one request should.
func (db *DB) applyMigration(ctx context.Context, m migration) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if db.dialect.pg {
			// Waiting for another instance's migration may take longer than a request.
			if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.dialect.schemaMigrationsDDL()); err != nil {
			return err
		}
		var done bool
		err := db.queryRow(ctx, tx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.version).Scan(&done)
		if err != nil || done {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, db.dialect.ts(db.now()))
		return err
	})
}

// AppliedMigrations lists the versions recorded in schema_migrations, oldest first; none when
// the database was never migrated.
func (db *DB) AppliedMigrations(ctx context.Context) ([]string, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var exists bool
	q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')`
	if db.dialect.pg {
		q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	if err := db.queryRow(ctx, db.r, q).Scan(&exists); err != nil || !exists {
		return nil, wrap("applied migrations", err)
	}
	versions, err := selectAll(ctx, db, db.r, `SELECT version FROM schema_migrations ORDER BY version`, nil,
		func(rows *sql.Rows) (string, error) {
			var v string
			err := rows.Scan(&v)
			return v, err
		})
	return versions, wrap("applied migrations", err)
}

// Migrations lists the versions of the embedded migrations of the database's dialect, in the
// order Migrate applies them.
func (db *DB) Migrations() []string {
	steps, _ := db.dialect.migrations() // embedded: read at build time, cannot fail at run time
	out := make([]string, len(steps))
	for i, m := range steps {
		out[i] = m.version
	}
	return out
}
