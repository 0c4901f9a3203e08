package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// CreateAdminSession stores s; auth.ErrConflict when the id exists, auth.ErrNotFound when the
// user does not.
func (db *DB) CreateAdminSession(ctx context.Context, s auth.AdminSession) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	if s.ID == "" {
		return errors.New("store: create admin session: id is empty")
	}
	uid, ok := canonicalUUID(s.UserID)
	if !ok {
		return fmt.Errorf("store: create admin session: user: %w", auth.ErrNotFound)
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO admin_sessions (id, user_id, csrf_secret, created_at,
			expires_at, last_seen_at, client_ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			s.ID, uid, s.CSRFSecret, d.ts(s.CreatedAt), d.ts(s.ExpiresAt), d.ts(s.LastSeenAt),
			s.ClientIP, s.UserAgent)
		return err
	})
	return wrap("create admin session", err)
}

// AdminSessionByID returns the session, expired or not, or auth.ErrNotFound.
func (db *DB) AdminSessionByID(ctx context.Context, id string) (auth.AdminSession, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var s auth.AdminSession
	err := db.queryRow(ctx, db.r, `SELECT id, user_id, csrf_secret, created_at, expires_at,
		last_seen_at, client_ip, user_agent FROM admin_sessions WHERE id = ?`, id).Scan(
		&s.ID, &s.UserID, &s.CSRFSecret, scanTime(&s.CreatedAt), scanTime(&s.ExpiresAt), scanTime(&s.LastSeenAt),
		&s.ClientIP, &s.UserAgent)
	return s, wrap("admin session by id", err)
}

// TouchAdminSession records activity; auth.ErrNotFound when the session is gone.
func (db *DB) TouchAdminSession(ctx context.Context, id string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	err := oneRow(db.writeOne(ctx, `UPDATE admin_sessions SET last_seen_at = ? WHERE id = ?`, db.dialect.ts(at), id))
	return wrap("touch admin session", err)
}

// DeleteAdminSession removes the session; auth.ErrNotFound when it was gone already.
func (db *DB) DeleteAdminSession(ctx context.Context, id string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	err := oneRow(db.writeOne(ctx, `DELETE FROM admin_sessions WHERE id = ?`, id))
	return wrap("delete admin session", err)
}

// DeleteAdminSessionsOfUser removes every admin session of the user (none is not an error).
func (db *DB) DeleteAdminSessionsOfUser(ctx context.Context, userID string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return nil
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `DELETE FROM admin_sessions WHERE user_id = ?`, id)
		return err
	})
	return wrap("delete admin sessions of user", err)
}

// DeleteExpiredAdminSessions deletes sessions that expired before the instant; it returns how many.
func (db *DB) DeleteExpiredAdminSessions(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.exec(ctx, tx, `DELETE FROM admin_sessions WHERE expires_at < ?`, db.dialect.ts(before))
		return err
	})
	return int(n), wrap("delete expired admin sessions", err)
}
