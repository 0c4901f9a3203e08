package store

import (
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqlitePath turns "sqlite://rel.db", "sqlite:///abs.db" or "sqlite://:memory:" into a file name.
func sqlitePath(rawURL string) (string, error) {
	_, path, _ := strings.Cut(rawURL, "://")
	switch {
	case path == "":
		return "", fmt.Errorf("store: open sqlite: URL %q names no file (want sqlite://file.db, sqlite:///abs/file.db or sqlite://:memory:)", rawURL)
	case strings.ContainsAny(path, "?#"):
		return "", fmt.Errorf("store: open sqlite: URL %q: query strings and fragments are not supported; the path may not contain '?' or '#'", rawURL)
	case strings.HasPrefix(path, "file:"):
		return "", fmt.Errorf("store: open sqlite: URL %q: write the path without a file: prefix", rawURL)
	}
	return path, nil
}

// sqliteDSN builds a modernc.org/sqlite DSN whose pragmas every pooled connection runs on open.
func sqliteDSN(path string, readOnly bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
	// writes can fail with SQLITE_BUSY no matter the busy timeout when another writer got in.
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walBackstopPages)+")")
	}
	return path + "?" + q.Encode()
}

func openSQLite(rawURL string, opts Options) (*DB, error) {
	path, err := sqlitePath(rawURL)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: dialectSQLite, timeout: opts.StatementTimeout, now: opts.Now, target: path}

	db.w, err = sql.Open("sqlite", sqliteDSN(path, false, sqliteBusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %q: %w", path, err)
	}
	db.w.SetMaxOpenConns(1)
	// An in-memory database lives as long as its one connection: keep it open forever and
	// read through it too.
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if path == ":memory:" {
		db.r = db.w
		db.wstmts = newStmtCache(db.w)
		db.rstmts = db.wstmts
		db.batch = newBatcher(db)
		return db, nil
	}

	db.r, err = sql.Open("sqlite", sqliteDSN(path, true, sqliteBusyTimeout))
	if err != nil {
		_ = db.w.Close()
		return nil, fmt.Errorf("store: open sqlite %q: %w", path, err)
	}
	db.r.SetMaxOpenConns(opts.MaxOpenConns)
	db.r.SetMaxIdleConns(opts.MaxOpenConns)
	db.ckpt, err = sql.Open("sqlite", sqliteDSN(path, true, 0))
	if err != nil {
		_ = db.w.Close()
		_ = db.r.Close()
		return nil, fmt.Errorf("store: open sqlite %q: %w", path, err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.walRestart = walRestartPages
	db.wstmts, db.rstmts = newStmtCache(db.w), newStmtCache(db.r)
	db.batch = newBatcher(db)
	db.ckptWake, db.stopCkpt, db.ckptDone = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go db.checkpointLoop(db.stopCkpt, db.ckptDone)
	return db, nil
}
