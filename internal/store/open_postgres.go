package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// sqlstateReadOnly is read_only_sql_transaction: the server is a standby (or was demoted into
// one behind a pooler), or default_transaction_read_only is on.
const sqlstateReadOnly = "25006"

func openPostgres(rawURL string, opts Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres %s: invalid connection URL: %s", redact(rawURL), parseReason(err))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opts.StatementTimeout
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "authgate"
	}
	if opts.TransactionPooler {
		if err := forTransactionPooler(cfg); err != nil {
			return nil, fmt.Errorf("store: open postgres %s: %w", redact(rawURL), err)
		}
	} else if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	// A connection that meets a read-only server is useless for good: the server is a standby,
	// a primary demoted into one, or read-only by configuration. Close it, so that database/sql
	// discards it and the next connection looks for the primary again (with several hosts and
	// target_session_attrs=read-write, pgx skips the read-only ones). pgx closes on FATAL errors
	// already; this keeps that.
	onPgError := cfg.OnPgError
	cfg.OnPgError = func(c *pgconn.PgConn, e *pgconn.PgError) bool {
		if e.Code == sqlstateReadOnly {
			return false
		}
		return onPgError == nil || onPgError(c, e)
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(opts.MaxOpenConns)
	pool.SetMaxIdleConns(opts.MaxOpenConns)
	return &DB{dialect: dialectPostgres, w: pool, r: pool, timeout: opts.StatementTimeout, now: opts.Now,
		target: redact(rawURL)}, nil
}

// forTransactionPooler adapts a connection to a pooler in transaction mode (PgBouncer's
// pool_mode=transaction), which hands each transaction — each statement outside one — to any of
// its server connections:
//
//   - No named prepared statements: pgx's default, cache_statement, prepares each query once per
//     connection under a name, and the next transaction may run on a server connection where that
//     name does not exist (or exists already: "prepared statement stmtcache_… already exists").
//     exec sends each statement with the unnamed statement in one round trip (Parse, Bind,
//     Execute, Sync), which any pooler carries whole. A URL may pick simple_protocol or
//     cache_describe instead; describe_exec needs two round trips on one server connection and is
//     refused.
//   - No statement_timeout startup parameter: PgBouncer refuses startup parameters it does not
//     track ("unsupported startup parameter"), and SET LOCAL would cost the refresh path, one
//     autocommit statement, a transaction and two more round trips. Every store call is still
//     bounded by its context (Options.StatementTimeout): when it ends, pgx closes the connection
//     after sending a cancel request for the statement, which PgBouncer forwards to the server
//     connection running it. The bound on the server itself is the operator's, below ours:
//     ALTER ROLE authgate SET statement_timeout = '4s' (docs/production.md), which PgBouncer's
//     server connections inherit; the server then ends a slow statement itself, and no cancel
//     request goes through PgBouncer, which crashed on them in TestPgBouncer (Debian 12's 1.18:
//     "server in bad state: 11", "bad client state", pgbouncer/pgbouncer#822, #801). app warns
//     at start when the server's bound is missing (ServerStatementTimeout).
func forTransactionPooler(cfg *pgx.ConnConfig) error {
	switch cfg.DefaultQueryExecMode {
	case pgx.QueryExecModeCacheStatement:
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	case pgx.QueryExecModeDescribeExec:
		return errors.New("default_query_exec_mode=describe_exec does not work through a transaction pooler (use exec, the default with AUTHGATE_DATABASE_POOLER=transaction)")
	}
	return nil
}

// parseReason is pgx's complaint about a connection URL without the URL itself, whose
// password pgx masks only on a best-effort basis.
func parseReason(err error) string {
	var pce *pgconn.ParseConfigError
	if !errors.As(err, &pce) {
		return "unparsable"
	}
	msg := pce.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		return msg[i+len("`: "):]
	}
	return "unparsable"
}

// ServerStatementTimeout reports the statement_timeout the server applies to this store's
// statements when none is sent: behind a transaction pooler, the role's or database's (0: none).
// Behind PgBouncer it should be below Options.StatementTimeout (docs/production.md).
func (db *DB) ServerStatementTimeout(ctx context.Context) (time.Duration, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var ms int64
	err := db.r.QueryRowContext(ctx, `SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'`).Scan(&ms)
	if err != nil {
		return 0, wrap("server statement timeout", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
