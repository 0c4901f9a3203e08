// Package store implements auth.Store on database/sql for SQLite and PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

var _ auth.Store = (*DB)(nil)

// Options tune a DB. The zero value is usable: every field has a default.
type Options struct {
	// MaxOpenConns caps the PostgreSQL pool, or the SQLite reader pool (SQLite always writes
	// through one connection). Default 10.
	MaxOpenConns int
	// StatementTimeout bounds every store call, including the wait for a connection, and is
	// sent to PostgreSQL as statement_timeout (but through a transaction pooler). Default 10s.
	StatementTimeout time.Duration
	// TransactionPooler says that a PostgreSQL URL names a pooler in transaction mode, such as
	// PgBouncer with pool_mode=transaction: no named prepared statements and no startup
	// parameters but application_name (open_postgres.go).
	TransactionPooler bool
	// ConnectRetries is how many more times Open tries to reach the database after a failure.
	ConnectRetries int
	// RetryDelay is the pause between connection attempts. Default 1s.
	RetryDelay time.Duration
	// Now is the clock used for bookkeeping such as schema_migrations.applied_at. Default time.Now.
	Now func() time.Time
}

// Defaults applied to zero Options fields.
const (
	defaultMaxOpenConns     = 10
	defaultStatementTimeout = 10 * time.Second
	defaultRetryDelay       = time.Second
	sqliteBusyTimeout       = 5 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = defaultMaxOpenConns
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = defaultStatementTimeout
	}
	if o.ConnectRetries < 0 {
		o.ConnectRetries = 0
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = defaultRetryDelay
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// DB is an auth.Store backed by SQLite or PostgreSQL.
type DB struct {
	dialect dialect
	// w takes every write. On SQLite it holds a single connection, so writers queue in Go
	// instead of fighting over the file lock.
	w *sql.DB
	// r serves reads: a pool of read-only connections on SQLite, the same pool as w otherwise.
	r *sql.DB
	// wstmts and rstmts hold SQLite's prepared statements for w and r (prepare.go).
	wstmts, rstmts *stmtCache
	// batch runs SQLite's rotations in shared transactions (batch.go); nil on PostgreSQL.
	batch *batcher
	// commits counts write transactions, for the SQLite checkpointer (checkpoint.go), which
	// stops when stopCkpt closes and then closes ckptDone.
	// ckpt is SQLite's checkpointing connection: no busy timeout, so that a RESTART checkpoint
	// gives up at once instead of holding writers back while it waits for readers.
	ckpt *sql.DB
	// walRestart is walRestartPages but in tests; ckpts and restarts count the checkpoints.
	walRestart      int
	ckpts, restarts atomic.Uint64
	commits         atomic.Uint64
	ckptWake        chan struct{}
	stopCkpt        chan struct{}
	ckptDone        chan struct{}
	timeout         time.Duration
	now             func() time.Time
	// target names the database in errors: the SQLite path or the redacted PostgreSQL URL.
	target string
	// traceRead, set only by tests (export_test.go), sees every read query and its arguments,
	// so that a benchmark can EXPLAIN exactly what the store runs.
	traceRead func(query string, args []any)
}

// Open connects to the database named by rawURL: "sqlite://relative.db", "sqlite:///abs/path.db",
// "sqlite://:memory:", "postgres://…" or "postgresql://…". It pings the database, retrying
// opts.ConnectRetries times; when it never answers the error wraps auth.ErrUnavailable.
// Open does not migrate: call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	scheme, _, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("store: open: database URL %q has no scheme (want sqlite:// or postgres://)", redact(rawURL))
	}
	var (
		db  *DB
		err error
	)
	switch strings.ToLower(scheme) {
	case "sqlite":
		db, err = openSQLite(rawURL, opts)
	case "postgres", "postgresql":
		db, err = openPostgres(rawURL, opts)
	default:
		return nil, fmt.Errorf("store: open: unsupported database URL scheme %q (want sqlite or postgres)", scheme)
	}
	if err != nil {
		return nil, err
	}
	if err := db.connect(ctx, opts); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// connect pings until the database answers or the attempts run out.
func (db *DB) connect(ctx context.Context, opts Options) error {
	attempts := opts.ConnectRetries + 1
	var last error
	for i := range attempts {
		if i > 0 {
			t := time.NewTimer(opts.RetryDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("store: open %s %s: %w", db.dialect.name, db.target, translate(ctx.Err()))
			case <-t.C:
			}
		}
		if last = db.ping(ctx); last == nil {
			return nil
		}
	}
	return fmt.Errorf("store: open %s %s: no answer after %d attempt(s): %w", db.dialect.name, db.target, attempts, last)
}

// Dialect names the backend: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// Stats reports connection pool statistics, summed over the reader and writer pools.
func (db *DB) Stats() sql.DBStats {
	s := db.w.Stats()
	if db.r == db.w {
		return s
	}
	r := db.r.Stats()
	s.MaxOpenConnections += r.MaxOpenConnections
	s.OpenConnections += r.OpenConnections
	s.InUse += r.InUse
	s.Idle += r.Idle
	s.WaitCount += r.WaitCount
	s.WaitDuration += r.WaitDuration
	s.MaxIdleClosed += r.MaxIdleClosed
	s.MaxIdleTimeClosed += r.MaxIdleTimeClosed
	s.MaxLifetimeClosed += r.MaxLifetimeClosed
	return s
}

// Ping reports whether storage answers; the error wraps auth.ErrUnavailable when it does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (db *DB) ping(ctx context.Context) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	if db.dialect.pg {
		// Answering is not enough: a standby answers too, and refuses every write. This is one
		// round trip, as a ping is, and through a pooler it asks a server connection.
		var readOnly string
		if err := db.w.QueryRowContext(ctx, `SHOW transaction_read_only`).Scan(&readOnly); err != nil {
			return unavailable(err)
		}
		if readOnly != "off" {
			return fmt.Errorf("%w: %s is read-only (a standby, or default_transaction_read_only is on)", auth.ErrUnavailable, db.target)
		}
		return nil
	}
	if err := db.w.PingContext(ctx); err != nil {
		return unavailable(err)
	}
	if db.r != db.w {
		if err := db.r.PingContext(ctx); err != nil {
			return unavailable(err)
		}
	}
	// In WAL mode reads go on while another process holds the write lock, but logins and
	// refreshes write: readiness takes the write lock for a moment (BEGIN IMMEDIATE).
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(err)
	}
	if err := tx.Rollback(); err != nil {
		return unavailable(err)
	}
	return nil
}

// Close closes every pool. Calls after Close fail with auth.ErrUnavailable.
func (db *DB) Close() error {
	if db.batch != nil {
		db.batch.close()
	}
	if db.stopCkpt != nil {
		close(db.stopCkpt)
		<-db.ckptDone
		db.stopCkpt = nil
		_ = db.ckpt.Close()
	}
	if db.wstmts != nil {
		db.wstmts.close()
		db.rstmts.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// op bounds one store call by the statement timeout.
func (db *DB) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, db.timeout)
}

// redact hides the password of a database URL so it can appear in errors and logs.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}
