package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// On SQLite every statement is parsed and planned on every call unless it is prepared: under
// refresh load that was a fifth of the server's CPU, spent inside the one write transaction
// every writer waits for. stmtCache keeps one prepared statement per query text and pool.
// PostgreSQL needs none of this: pgx prepares and caches statements per connection itself.
//
// A statement cannot be prepared on the writer pool while a transaction holds its only
// connection (the prepare would wait for that connection forever), so a query first seen
// inside a transaction runs unprepared and is noted; write prepares the noted queries before
// it begins its next transaction.
type stmtCache struct {
	pool    *sql.DB
	stmts   sync.Map // query → *sql.Stmt
	size    atomic.Int32
	wanted  sync.Map // query → struct{}: seen inside a transaction, not prepared yet
	pending atomic.Bool
}

// maxCachedStmts bounds the cache: queries are built from fixed fragments, so a handful of
// dozens exist, but a bound keeps a future query built from user input from growing it.
const maxCachedStmts = 256

func newStmtCache(pool *sql.DB) *stmtCache { return &stmtCache{pool: pool} }

// get returns the prepared statement for query, preparing it on the pool when absent; nil
// when it cannot be prepared (a table not created yet) or the cache is full.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	if c.size.Load() >= maxCachedStmts {
		return nil
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if prev, loaded := c.stmts.LoadOrStore(query, s); loaded {
		_ = s.Close()
		return prev.(*sql.Stmt)
	}
	c.size.Add(1)
	return s
}

// cached returns the prepared statement for query, or nil after noting it for prepareWanted.
func (c *stmtCache) cached(query string) *sql.Stmt {
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	if c.size.Load() < maxCachedStmts {
		c.wanted.Store(query, struct{}{})
		c.pending.Store(true)
	}
	return nil
}

// prepareWanted prepares the queries cached noted. Call it holding no connection of the pool.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	if !c.pending.Swap(false) {
		return
	}
	c.wanted.Range(func(q, _ any) bool {
		c.wanted.Delete(q)
		c.get(ctx, q.(string))
		return true
	})
}

func (c *stmtCache) close() {
	c.stmts.Range(func(q, s any) bool {
		_ = s.(*sql.Stmt).Close()
		c.stmts.Delete(q)
		return true
	})
	c.size.Store(0)
}

// statement runs one query: prepared or not, on a pool or in a transaction.
type statement interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
}

// unprepared is a statement parsed at every call.
type unprepared struct {
	q     querier
	query string
}

func (u unprepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return u.q.ExecContext(ctx, u.query, args...)
}

func (u unprepared) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return u.q.QueryContext(ctx, u.query, args...)
}

func (u unprepared) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return u.q.QueryRowContext(ctx, u.query, args...)
}

// statement returns what runs query (written with ? markers) on q: a prepared statement on
// SQLite when one is cached or can be, the rebound text otherwise.
func (db *DB) statement(ctx context.Context, q querier, query string) statement {
	if db.dialect.pg {
		return unprepared{q, db.dialect.rebind(query)}
	}
	switch q := q.(type) {
	case *sql.Tx:
		if s := db.wstmts.cached(query); s != nil {
			return q.StmtContext(ctx, s)
		}
	case *sql.DB:
		c := db.rstmts
		if q == db.w {
			c = db.wstmts
		}
		if s := c.get(ctx, query); s != nil {
			return s
		}
	}
	return unprepared{q, query}
}
