package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// ReplaceRecoveryCodes deletes the user's codes and stores these hashes, in one transaction;
// auth.ErrNotFound when the user does not exist.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: replace recovery codes: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var found string
		if err := db.queryRow(ctx, tx, `SELECT id FROM users WHERE id = ?`, id).Scan(&found); err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM recovery_codes WHERE user_id = ?`, id); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := db.exec(ctx, tx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, id, h); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("replace recovery codes", err)
}

// UseRecoveryCode marks the user's unused code with that hash used; auth.ErrNotFound when there
// is none. Of concurrent uses of one code exactly one succeeds.
func (db *DB) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: use recovery code: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		// One row even if a hash repeats; the outer guard makes a concurrent use that lost the
		// row lock on PostgreSQL change nothing.
		return oneRow(db.exec(ctx, tx, `UPDATE recovery_codes SET used_at = ?
			WHERE used_at IS NULL AND id = (SELECT id FROM recovery_codes
				WHERE user_id = ? AND code_hash = ? AND used_at IS NULL ORDER BY id LIMIT 1)`,
			db.dialect.ts(at), id, hash))
	})
	return wrap("use recovery code", err)
}

// CountRecoveryCodes counts the user's unused codes.
func (db *DB) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return 0, nil
	}
	n, err := db.count(ctx, db.r, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, id)
	return n, wrap("count recovery codes", err)
}
