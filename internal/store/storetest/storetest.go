// Package storetest gives tests a fresh, migrated store on SQLite or PostgreSQL, cleaned up
// when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/authgate/authgate/internal/store"
)

// AdminURLEnv names the variable that overrides DefaultAdminURL.
const AdminURLEnv = "AUTHGATE_TEST_POSTGRES_URL"

// DefaultAdminURL is the PostgreSQL server tests use to create throwaway databases.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// SQLite returns a migrated store on a new file in t.TempDir(), closed when the test ends.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return Open(t, "sqlite://"+filepath.Join(t.TempDir(), "authgate.db"), store.Options{})
}

// Postgres returns a migrated store on a new PostgreSQL database, closed and dropped when the
// test ends. It fails the test when PostgreSQL does not answer: no test is skipped.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return Open(t, PostgresURL(t), store.Options{})
}

// Open opens and migrates the store at rawURL and closes it when the test ends.
func Open(t testing.TB, rawURL string, opts store.Options) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, rawURL, opts)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return db
}

// PostgresURL creates an empty database named authgate_test_<random> and returns its URL, for
// tests that start the real binary. The database is dropped when the test ends, connections
// still open or not.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := AdminURL()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("storetest: %s: %v", AdminURLEnv, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "authgate_test_" + hex.EncodeToString(b[:])

	adminExec(t, admin, `CREATE DATABASE `+name)
	t.Cleanup(func() { adminExec(t, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })

	u.Path = "/" + name
	return u.String()
}

// AdminURL is the PostgreSQL URL tests create databases through: $AUTHGATE_TEST_POSTGRES_URL,
// or DefaultAdminURL.
func AdminURL() string {
	if v := os.Getenv(AdminURLEnv); v != "" {
		return v
	}
	return DefaultAdminURL
}

func adminExec(t testing.TB, adminURL, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatalf("storetest: open PostgreSQL admin connection: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("storetest: PostgreSQL at %s (set %s to change): %s: %v", redacted(adminURL), AdminURLEnv, stmt, err)
	}
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}
