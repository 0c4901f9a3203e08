package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// PutPendingTOTP stores an unconfirmed authenticator app, replacing the user's unconfirmed one;
// auth.ErrConflict when the user has a confirmed one, auth.ErrNotFound when the user does not
// exist.
func (db *DB) PutPendingTOTP(ctx context.Context, f auth.TOTPFactor) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(f.UserID)
	if !ok {
		return fmt.Errorf("store: put totp: %w", auth.ErrNotFound)
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		var found string
		if err := db.queryRow(ctx, tx, `SELECT id FROM users WHERE id = ?`+d.forUpdate(), id).Scan(&found); err != nil {
			return err
		}
		var confirmed sql.NullInt64
		err := db.queryRow(ctx, tx, `SELECT CASE WHEN confirmed_at IS NULL THEN 0 ELSE 1 END FROM totp_factors WHERE user_id = ?`, id).Scan(&confirmed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case confirmed.Int64 == 1:
			return auth.ErrConflict
		default:
			if _, err := db.exec(ctx, tx, `DELETE FROM totp_factors WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, tx, `INSERT INTO totp_factors (user_id, secret, created_at) VALUES (?, ?, ?)`,
			id, f.Secret, d.ts(f.CreatedAt))
		return err
	})
	return wrap("put totp", err)
}

// TOTPByUser returns the user's authenticator app; auth.ErrNotFound when there is none.
func (db *DB) TOTPByUser(ctx context.Context, userID string) (auth.TOTPFactor, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return auth.TOTPFactor{}, fmt.Errorf("store: totp by user: %w", auth.ErrNotFound)
	}
	var f auth.TOTPFactor
	err := db.queryRow(ctx, db.r, `SELECT user_id, secret, created_at, confirmed_at, last_used_at, last_step
		FROM totp_factors WHERE user_id = ?`, id).Scan(&f.UserID, &f.Secret, scanTime(&f.CreatedAt),
		scanTime(&f.ConfirmedAt), scanTime(&f.LastUsedAt), &f.LastStep)
	return f, wrap("totp by user", err)
}

// UseTOTPStep moves the factor's last step forward to step in one conditional UPDATE, so of
// concurrent uses of one code exactly one changes the row: the others, and any later use of a
// step not above it, get auth.ErrConflict.
func (db *DB) UseTOTPStep(ctx context.Context, userID string, step int64, at time.Time, confirm bool) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: use totp step: %w", auth.ErrNotFound)
	}
	d := db.dialect
	q := `UPDATE totp_factors SET last_step = ?, last_used_at = ? WHERE user_id = ? AND last_step < ? AND confirmed_at IS NOT NULL`
	args := []any{step, d.ts(at), id, step}
	if confirm {
		q = `UPDATE totp_factors SET last_step = ?, last_used_at = ?, confirmed_at = ? WHERE user_id = ? AND last_step < ? AND confirmed_at IS NULL`
		args = []any{step, d.ts(at), d.ts(at), id, step}
	}
	n, err := db.writeOne(ctx, q, args...)
	if err != nil {
		return wrap("use totp step", err)
	}
	if n == 1 {
		return nil
	}
	var found string
	err = db.queryRow(ctx, db.w, `SELECT user_id FROM totp_factors WHERE user_id = ?`, id).Scan(&found)
	if err != nil {
		return wrap("use totp step", err)
	}
	return fmt.Errorf("store: use totp step: %w", auth.ErrConflict)
}

// DeleteTOTP removes the user's authenticator app; auth.ErrNotFound when there is none.
func (db *DB) DeleteTOTP(ctx context.Context, userID string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: delete totp: %w", auth.ErrNotFound)
	}
	return wrap("delete totp", oneRow(db.writeOne(ctx, `DELETE FROM totp_factors WHERE user_id = ?`, id)))
}
