package store

import (
	"context"
	"database/sql"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxTxAttempts bounds how often a transaction PostgreSQL aborted as a deadlock or
// serialization failure is run again.
const maxTxAttempts = 3

// write runs fn in one write transaction (BEGIN IMMEDIATE on SQLite) and commits when fn
// returns nil. Errors come back untranslated; callers wrap them.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for range maxTxAttempts {
		if err = db.tryWrite(ctx, fn); err == nil || classify(err) != kindRetry || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (db *DB) tryWrite(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.wstmts != nil {
		db.wstmts.prepareWanted(ctx)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.noteCommit()
	return nil
}

// writeOne runs one writing statement as a transaction of its own and reports how many rows it
// changed: on PostgreSQL in autocommit, one round trip instead of three (BEGIN, the statement,
// COMMIT); on SQLite through the one writer connection, as write does.
func (db *DB) writeOne(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	var err error
	if !db.dialect.pg {
		err = db.write(ctx, func(tx *sql.Tx) error {
			n, err = db.exec(ctx, tx, query, args...)
			return err
		})
		return n, err
	}
	for range maxTxAttempts {
		if n, err = db.exec(ctx, db.w, query, args...); err == nil || classify(err) != kindRetry || ctx.Err() != nil {
			break
		}
	}
	return n, err
}

// exec runs a rebound statement and reports how many rows it changed.
func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	res, err := db.statement(ctx, q, query).ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// queryRow runs a rebound single-row query.
func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	if db.traceRead != nil {
		db.traceRead(query, args)
	}
	return db.statement(ctx, q, query).QueryRowContext(ctx, args...)
}

// selectAll runs a rebound query and collects one value per row with scan.
func selectAll[T any](ctx context.Context, db *DB, q querier, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if db.traceRead != nil {
		db.traceRead(query, args)
	}
	rows, err := db.statement(ctx, q, query).QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// count runs a rebound COUNT query.
func (db *DB) count(ctx context.Context, q querier, query string, args ...any) (int, error) {
	var n int
	err := db.queryRow(ctx, q, query, args...).Scan(&n)
	return n, err
}
