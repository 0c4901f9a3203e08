package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

const accountTokenColumns = `id, purpose, user_id, email, created_at, expires_at, consumed_at,
	created_by, client_ip, user_agent, generation`

func scanAccountToken(row interface{ Scan(...any) error }) (auth.AccountToken, error) {
	var t auth.AccountToken
	err := row.Scan(&t.ID, &t.Purpose, str(&t.UserID), &t.Email, scanTime(&t.CreatedAt),
		scanTime(&t.ExpiresAt), scanTime(&t.ConsumedAt), str(&t.CreatedBy), &t.ClientIP, &t.UserAgent, &t.Generation)
	return t, err
}

func scanAccountTokenRows(rows *sql.Rows) (auth.AccountToken, error) { return scanAccountToken(rows) }

// CreateAccountToken inserts t; when its user (an invitation: its address) has maxLive live
// tokens of the purpose already, the oldest are consumed first. auth.ErrNotFound when the user
// does not exist, auth.ErrConflict when the id does.
func (db *DB) CreateAccountToken(ctx context.Context, t auth.AccountToken, maxLive int) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	if t.ID == "" || t.Purpose == "" {
		return errors.New("store: create account token: id and purpose are required")
	}
	uid, err := userIDArg(t.UserID, true)
	if err != nil {
		return fmt.Errorf("store: create account token: %w", auth.ErrNotFound)
	}
	by, err := userIDArg(t.CreatedBy, true)
	if err != nil {
		return fmt.Errorf("store: create account token: created by: %w", err)
	}
	d := db.dialect
	err = db.write(ctx, func(tx *sql.Tx) error {
		// Who the tokens belong to: the user, or for invitations the address. Locking the user
		// row serialises concurrent creations on PostgreSQL, so the bound holds.
		owner, ownerArg := `user_id = ?`, any(uid)
		if uid != nil {
			var locked string
			if err := db.queryRow(ctx, tx, `SELECT id FROM users WHERE id = ?`+d.forUpdate(), uid).Scan(&locked); err != nil {
				return err
			}
		} else {
			owner, ownerArg = `user_id IS NULL AND email_lower = ?`, strings.ToLower(t.Email)
		}
		if maxLive > 0 {
			// Keep the newest maxLive-1 live tokens; consume the rest.
			_, err := db.exec(ctx, tx, `UPDATE account_tokens SET consumed_at = ?
				WHERE id IN (SELECT id FROM account_tokens WHERE `+owner+` AND purpose = ?
					AND consumed_at IS NULL AND expires_at > ?
					ORDER BY created_at DESC, id DESC `+d.offsetOnly()+`)`,
				d.ts(t.CreatedAt), ownerArg, t.Purpose, d.ts(t.CreatedAt), maxLive-1)
			if err != nil {
				return err
			}
		}
		_, err := db.exec(ctx, tx, `INSERT INTO account_tokens (id, purpose, user_id, email, email_lower,
			created_at, expires_at, consumed_at, created_by, client_ip, user_agent, generation)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Purpose, uid, t.Email, strings.ToLower(t.Email), d.ts(t.CreatedAt), d.ts(t.ExpiresAt),
			d.nullTS(t.ConsumedAt), by, t.ClientIP, t.UserAgent, t.Generation)
		return err
	})
	return wrap("create account token", err)
}

// AccountTokenByID returns the token, or auth.ErrNotFound.
func (db *DB) AccountTokenByID(ctx context.Context, id string) (auth.AccountToken, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	t, err := scanAccountToken(db.queryRow(ctx, db.r, `SELECT `+accountTokenColumns+` FROM account_tokens WHERE id = ?`, id))
	return t, wrap("account token by id", err)
}

// ConsumeAccountToken marks the token used once; auth.ErrTokenUsed when it already was,
// auth.ErrNotFound when there is no such token.
func (db *DB) ConsumeAccountToken(ctx context.Context, id string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	err := db.write(ctx, func(tx *sql.Tx) error { return db.consumeToken(ctx, tx, id, at) })
	return wrap("consume account token", err)
}

// consumeToken marks one token used inside a transaction: auth.ErrTokenUsed when it already
// was, auth.ErrNotFound when it does not exist.
func (db *DB) consumeToken(ctx context.Context, tx *sql.Tx, id string, at time.Time) error {
	n, err := db.exec(ctx, tx, `UPDATE account_tokens SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL`,
		db.dialect.ts(at), id)
	if err != nil || n > 0 {
		return err
	}
	var found string
	if err := db.queryRow(ctx, tx, `SELECT id FROM account_tokens WHERE id = ?`, id).Scan(&found); err != nil {
		return err
	}
	return auth.ErrTokenUsed
}

// consumeUserTokens consumes every live account token of the user but keep (when not empty).
func (db *DB) consumeUserTokens(ctx context.Context, tx *sql.Tx, userID, keep string, at time.Time) error {
	d := db.dialect
	_, err := db.exec(ctx, tx, `UPDATE account_tokens SET consumed_at = ?
		WHERE user_id = ? AND consumed_at IS NULL AND expires_at > ? AND id <> ?`,
		d.ts(at), userID, d.ts(at), keep)
	return err
}

// ListAccountTokens pages the tokens of one purpose, newest first.
func (db *DB) ListAccountTokens(ctx context.Context, q auth.AccountTokenQuery) ([]auth.AccountToken, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	query := `SELECT ` + accountTokenColumns + ` FROM account_tokens WHERE purpose = ?`
	args := []any{q.Purpose}
	if !q.Before.IsZero() {
		query += ` AND created_at < ?`
		args = append(args, db.dialect.ts(q.Before))
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, pageLimit(q.Limit))
	out, err := selectAll(ctx, db, db.r, query, args, scanAccountTokenRows)
	return out, wrap("list account tokens", err)
}

// DeleteExpiredAccountTokens deletes tokens that expired before the instant; it returns how many.
func (db *DB) DeleteExpiredAccountTokens(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	n, err := db.writeOne(ctx, `DELETE FROM account_tokens WHERE expires_at < ?`, db.dialect.ts(before))
	return int(n), wrap("delete expired account tokens", err)
}

// ActivateUser consumes the activation token and marks the user verified; an account awaiting
// activation becomes active. auth.ErrTokenUsed when the token was used already.
func (db *DB) ActivateUser(ctx context.Context, userID, tokenID string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: activate user: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.consumeToken(ctx, tx, tokenID, at); err != nil {
			return err
		}
		return oneRow(db.exec(ctx, tx, `UPDATE users SET verified_at = ?,
			is_active = CASE WHEN activation_pending THEN ? ELSE is_active END, activation_pending = ?
			WHERE id = ?`, db.dialect.ts(at), true, false, id))
	})
	return wrap("activate user", err)
}

// SetNames writes first_name and last_name; auth.ErrNotFound when the user is gone.
func (db *DB) SetNames(ctx context.Context, userID, first, last string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: set names: %w", auth.ErrNotFound)
	}
	err := oneRow(db.writeOne(ctx, `UPDATE users SET first_name = ?, last_name = ? WHERE id = ?`, first, last, id))
	return wrap("set names", err)
}

// ReplacePassword sets the hash, adds one to the credentials generation and consumes the user's
// live account tokens and pending two-factor challenges (a login that passed the old password
// must not finish), in one transaction.
func (db *DB) ReplacePassword(ctx context.Context, userID, hash string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: replace password: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := oneRow(db.exec(ctx, tx, `UPDATE users SET password = ?,
			credentials_generation = credentials_generation + 1 WHERE id = ?`, hash, id)); err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `UPDATE two_factor_challenges SET consumed_at = ?
			WHERE user_id = ? AND consumed_at IS NULL`, db.dialect.ts(at), id); err != nil {
			return err
		}
		return db.consumeUserTokens(ctx, tx, id, "", at)
	})
	return wrap("replace password", err)
}

// ChangeEmail sets the address (verified at verifiedAt, or not when zero), consumes tokenID
// unless empty and every other live account token of the user, in one transaction;
// auth.ErrConflict when another user has the address, auth.ErrTokenUsed when the token was
// used already: then nothing changes.
func (db *DB) ChangeEmail(ctx context.Context, userID, email, tokenID string, verifiedAt, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: change email: %w", auth.ErrNotFound)
	}
	if email == "" {
		return errors.New("store: change email: e-mail is empty")
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		if tokenID != "" {
			if err := db.consumeToken(ctx, tx, tokenID, at); err != nil {
				return err
			}
		}
		err := oneRow(db.exec(ctx, tx, `UPDATE users SET email = ?, email_lower = ?, verified_at = ? WHERE id = ?`,
			email, strings.ToLower(email), d.nullTS(verifiedAt), id))
		if err != nil {
			return err
		}
		return db.consumeUserTokens(ctx, tx, id, tokenID, at)
	})
	return wrap("change email", err)
}
