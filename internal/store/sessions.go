package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

const (
	// endSessionRow records a session ended; the first end stays.
	endSessionRow = `INSERT INTO ended_sessions (id, user_id, ended_at, reason) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	// endUserSessions records ended every session of a user (but one) that has a token not yet
	// blacklisted. Args: ended_at, reason, user id, the session to keep ("" for none).
	// (DISTINCT in a subquery: PostgreSQL types the outer parameters by the target columns, the
	// WHERE is SQLite's way to tell the SELECT from the upsert clause.)
	endUserSessions = `INSERT INTO ended_sessions (id, user_id, ended_at, reason)
		SELECT f.family_id, f.user_id, ?, ? FROM (SELECT DISTINCT t.family_id, t.user_id
			FROM outstanding_tokens t
			WHERE t.user_id = ? AND t.family_id <> ?
				AND NOT EXISTS (SELECT 1 FROM blacklisted_tokens b WHERE b.token_id = t.id)) f
		WHERE true
		ON CONFLICT (id) DO NOTHING`
)

// EndSession records the session ended, unless it already was, and blacklists every not yet
// blacklisted token of its family, in one transaction; it returns how many tokens it blacklisted.
//
// On PostgreSQL a rotation of the family's live token may commit while this runs, after the
// snapshot of the blacklisting statement: the token it records escapes the blacklisting, but
// it can never be rotated (the rotation statements refuse a family recorded ended) and its
// access tokens carry an ended sid. A second pass after the commit blacklists it all the same,
// so that listings show the session as ended.
func (db *DB) EndSession(ctx context.Context, sessionID, userID, reason string, at time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	if sessionID == "" || reason == "" {
		return 0, errors.New("store: end session: session id and reason are required")
	}
	var n int
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.endSession(ctx, tx, sessionID, userID, reason, at)
		return err
	})
	if err == nil && db.dialect.pg {
		var late int64
		late, err = db.writeOne(ctx, blacklistWhere+` t.family_id = ?`+blacklistOrder, db.dialect.ts(at), reason, sessionID)
		n += int(late)
	}
	return n, wrap("end session", err)
}

// endSession is EndSession inside tx.
func (db *DB) endSession(ctx context.Context, tx *sql.Tx, sessionID, userID, reason string, at time.Time) (int, error) {
	uid, err := userIDArg(userID, true)
	if err != nil {
		return 0, err
	}
	d := db.dialect
	if _, err := db.exec(ctx, tx, endSessionRow, sessionID, uid, d.ts(at), reason); err != nil {
		return 0, err
	}
	n, err := db.exec(ctx, tx, blacklistWhere+` t.family_id = ?`+blacklistOrder, d.ts(at), reason, sessionID)
	return int(n), err
}

// EndSessionsOfUser ends every session of the user that has a token not yet blacklisted, but
// keep, as EndSession does; it returns how many sessions it ended.
func (db *DB) EndSessionsOfUser(ctx context.Context, userID, keep, reason string, at time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return 0, wrap("end sessions of user", auth.ErrNotFound)
	}
	if reason == "" {
		return 0, errors.New("store: end sessions of user: reason is empty")
	}
	d := db.dialect
	var n int64
	blacklist := blacklistWhere + ` t.user_id = ? AND t.family_id <> ?` + blacklistOrder
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = db.exec(ctx, tx, endUserSessions, d.ts(at), reason, id, keep); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, blacklist, d.ts(at), reason, id, keep)
		return err
	})
	if err == nil && db.dialect.pg { // tokens rotations recorded meanwhile (see EndSession)
		_, err = db.writeOne(ctx, blacklist, d.ts(at), reason, id, keep)
	}
	return int(n), wrap("end sessions of user", err)
}

// EndedSessions lists the sessions recorded ended at or after since, oldest first.
func (db *DB) EndedSessions(ctx context.Context, since time.Time) ([]auth.EndedSession, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	out, err := selectAll(ctx, db, db.r, `SELECT id, user_id, ended_at, reason FROM ended_sessions
		WHERE ended_at >= ? ORDER BY ended_at`, []any{db.dialect.ts(since)},
		func(rows *sql.Rows) (auth.EndedSession, error) {
			var e auth.EndedSession
			err := rows.Scan(&e.ID, str(&e.UserID), scanTime(&e.EndedAt), &e.Reason)
			return e, err
		})
	return out, wrap("ended sessions", err)
}

// sessionEnded reports whether the session is recorded ended.
func (db *DB) sessionEnded(ctx context.Context, q querier, sessionID string) (bool, error) {
	n, err := db.count(ctx, q, `SELECT COUNT(*) FROM ended_sessions WHERE id = ?`, sessionID)
	return n > 0, err
}

// FlushEndedSessions forgets sessions that ended before the instant and have no token left
// (flushexpiredtokens deleted them): their access tokens expired long ago. It returns how many.
func (db *DB) FlushEndedSessions(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	n, err := db.writeOne(ctx, `DELETE FROM ended_sessions WHERE ended_at < ?
		AND NOT EXISTS (SELECT 1 FROM outstanding_tokens t WHERE t.family_id = ended_sessions.id)`,
		db.dialect.ts(before))
	return int(n), wrap("flush ended sessions", err)
}

// SessionStart is when the session's first token was recorded; auth.ErrNotFound when it has none.
func (db *DB) SessionStart(ctx context.Context, sessionID string) (time.Time, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var t time.Time
	err := db.queryRow(ctx, db.r, `SELECT MIN(created_at) FROM outstanding_tokens WHERE family_id = ?`, sessionID).Scan(scanTime(&t))
	if err == nil && t.IsZero() {
		err = auth.ErrNotFound
	}
	return t, wrap("session start", err)
}

// SessionEnded reports whether the session is recorded ended.
func (db *DB) SessionEnded(ctx context.Context, sessionID string) (bool, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	ended, err := db.sessionEnded(ctx, db.r, sessionID)
	return ended, wrap("session ended", err)
}

// EndedSessionsOfUser lists the user's ended sessions, the most recently ended first.
func (db *DB) EndedSessionsOfUser(ctx context.Context, userID string, limit int) ([]auth.EndedSession, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return nil, nil
	}
	out, err := selectAll(ctx, db, db.r, `SELECT id, user_id, ended_at, reason FROM ended_sessions
		WHERE user_id = ? ORDER BY ended_at DESC, id LIMIT ?`, []any{id, pageLimit(limit)},
		func(rows *sql.Rows) (auth.EndedSession, error) {
			var e auth.EndedSession
			err := rows.Scan(&e.ID, str(&e.UserID), scanTime(&e.EndedAt), &e.Reason)
			return e, err
		})
	return out, wrap("ended sessions of user", err)
}
