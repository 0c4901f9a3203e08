package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for the lock holder
	_ "modernc.org/sqlite"             // "sqlite" driver for the lock holder
)

// holdWriteLock makes another connection — as another process would — hold the lock every
// write needs, until the returned function is called.
func holdWriteLock(t *testing.T, b backend, url string) (release func()) {
	t.Helper()
	ctx := context.Background()
	var (
		raw  *sql.DB
		err  error
		stmt string
	)
	switch b.name {
	case "sqlite":
		raw, err = sql.Open("sqlite", strings.TrimPrefix(url, "sqlite://"))
		stmt = `BEGIN IMMEDIATE`
	default:
		raw, err = sql.Open("pgx", url)
		stmt = `BEGIN; LOCK TABLE users IN EXCLUSIVE MODE`
	}
	wantNoErr(t, "open lock holder", err)
	conn, err := raw.Conn(ctx)
	wantNoErr(t, "lock holder connection", err)
	_, err = conn.ExecContext(ctx, stmt)
	wantNoErr(t, "take the lock", err)
	var once bool
	release = func() {
		if once {
			return
		}
		once = true
		_, _ = conn.ExecContext(ctx, `ROLLBACK`)
		_ = conn.Close()
		_ = raw.Close()
	}
	t.Cleanup(release)
	return release
}

// beginElsewhere runs stmt in a transaction on another connection — as another process
// would — and returns the function that commits it.
func beginElsewhere(t *testing.T, b backend, url, stmt string) (commit func()) {
	t.Helper()
	ctx := context.Background()
	driver, dsn, begin := "pgx", url, "BEGIN"
	if b.name == "sqlite" {
		driver, dsn, begin = "sqlite", strings.TrimPrefix(url, "sqlite://"), "BEGIN IMMEDIATE"
	}
	raw, err := sql.Open(driver, dsn)
	wantNoErr(t, "open second connection", err)
	t.Cleanup(func() { _ = raw.Close() })
	conn, err := raw.Conn(ctx)
	wantNoErr(t, "second connection", err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = conn.ExecContext(ctx, begin)
	wantNoErr(t, begin, err)
	_, err = conn.ExecContext(ctx, stmt)
	wantNoErr(t, stmt, err)
	return func() {
		_, err := conn.ExecContext(ctx, "COMMIT")
		wantNoErr(t, "COMMIT", err)
	}
}
