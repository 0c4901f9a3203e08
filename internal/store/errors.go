package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/authgate/authgate/internal/auth"
)

// translate maps driver errors onto the domain's sentinels, keeping the cause in the chain:
// no row → auth.ErrNotFound; unique violation → auth.ErrConflict; a missing referenced row →
// auth.ErrNotFound; anything that means storage did not answer → auth.ErrUnavailable, so
// callers fail closed. Errors that already carry a domain sentinel pass through.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return auth.ErrNotFound
	case isDomain(err):
		return err
	}
	switch classify(err) {
	case kindConflict:
		return fmt.Errorf("%w: %w", auth.ErrConflict, err)
	case kindMissingRef:
		return fmt.Errorf("%w: referenced row does not exist: %w", auth.ErrNotFound, err)
	case kindUnavailable, kindRetry: // kindRetry here: the retries ran out
		return fmt.Errorf("%w: %w", auth.ErrUnavailable, err)
	}
	return err
}

// unavailable translates err, treating any error that is not a domain error as storage not
// answering (for Ping and Open).
func unavailable(err error) error {
	err = translate(err)
	if isDomain(err) {
		return err
	}
	return fmt.Errorf("%w: %w", auth.ErrUnavailable, err)
}

func isDomain(err error) bool {
	for _, s := range []error{auth.ErrNotFound, auth.ErrConflict, auth.ErrUnavailable,
		auth.ErrBlacklisted, auth.ErrThrottled, auth.ErrTooManyAttempts, auth.ErrTokenUsed} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

type errKind int

const (
	kindOther errKind = iota
	kindConflict
	kindMissingRef
	kindUnavailable
	kindRetry // a PostgreSQL serialization failure or deadlock: run the transaction again
)

func classify(err error) errKind {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifyPostgres(pgErr.Code)
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return classifySQLite(liteErr.Code())
	}
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, sql.ErrConnDone), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, net.ErrClosed),
		errors.As(err, &connectErr), errors.As(err, &netErr), pgconn.Timeout(err):
		return kindUnavailable
	}
	// database/sql does not export its closed-pool error.
	if strings.Contains(err.Error(), "sql: database is closed") {
		return kindUnavailable
	}
	return kindOther
}

// classifyPostgres sorts SQLSTATE codes (PostgreSQL manual, appendix A).
func classifyPostgres(code string) errKind {
	switch {
	case code == "23505": // unique_violation
		return kindConflict
	case code == "23503": // foreign_key_violation
		return kindMissingRef
	case code == "40001", code == "40P01": // serialization_failure, deadlock_detected
		return kindRetry
	case code == sqlstateReadOnly, // a standby, or a primary demoted into one: the connection is closed (open_postgres.go)
		strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"), // insufficient resources
		strings.HasPrefix(code, "57"), // operator intervention: query_canceled (statement_timeout), shutdown
		strings.HasPrefix(code, "58"): // system error
		return kindUnavailable
	}
	return kindOther
}

// classifySQLite sorts SQLite result codes; the driver reports extended codes.
func classifySQLite(code int) errKind {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return kindConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return kindMissingRef
	}
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM:
		return kindUnavailable
	}
	return kindOther
}

// wrap gives a store error its context: "store: rotate: <translated cause>".
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, translate(err))
}
