package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

const identityColumns = `id, user_id, provider, subject, email, created_at, last_used_at`

func scanIdentity(row interface{ Scan(...any) error }) (auth.Identity, error) {
	var i auth.Identity
	err := row.Scan(&i.ID, &i.UserID, &i.Provider, &i.Subject, &i.Email, scanTime(&i.CreatedAt), scanTime(&i.LastUsedAt))
	return i, err
}

func scanIdentityRows(rows *sql.Rows) (auth.Identity, error) { return scanIdentity(rows) }

// CreateIdentity inserts i; auth.ErrConflict when its provider and subject are linked already,
// auth.ErrNotFound when the user does not exist.
func (db *DB) CreateIdentity(ctx context.Context, i auth.Identity) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(i.ID)
	if !ok || i.Provider == "" || i.Subject == "" {
		return errors.New("store: create identity: a UUID id, provider and subject are required")
	}
	uid, ok := canonicalUUID(i.UserID)
	if !ok {
		return fmt.Errorf("store: create identity: user: %w", auth.ErrNotFound)
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		var found string
		if err := db.queryRow(ctx, tx, `SELECT id FROM users WHERE id = ?`, uid).Scan(&found); err != nil {
			return err
		}
		_, err := db.exec(ctx, tx, `INSERT INTO identities (id, user_id, provider, subject, email, created_at, last_used_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, uid, i.Provider, i.Subject, i.Email, d.ts(i.CreatedAt), d.nullTS(i.LastUsedAt))
		return err
	})
	return wrap("create identity", err)
}

// IdentityBySubject returns the identity, or auth.ErrNotFound.
func (db *DB) IdentityBySubject(ctx context.Context, provider, subject string) (auth.Identity, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	i, err := scanIdentity(db.queryRow(ctx, db.r, `SELECT `+identityColumns+` FROM identities
		WHERE provider = ? AND subject = ?`, provider, subject))
	return i, wrap("identity by subject", err)
}

// IdentitiesOfUser lists the user's identities, oldest first.
func (db *DB) IdentitiesOfUser(ctx context.Context, userID string) ([]auth.Identity, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	uid, ok := canonicalUUID(userID)
	if !ok {
		return nil, nil
	}
	out, err := selectAll(ctx, db, db.r, `SELECT `+identityColumns+` FROM identities WHERE user_id = ?
		ORDER BY created_at, id`, []any{uid}, scanIdentityRows)
	return out, wrap("identities of user", err)
}

// TouchIdentity records a sign-in with the identity and the address it came with.
func (db *DB) TouchIdentity(ctx context.Context, id, email string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	cid, ok := canonicalUUID(id)
	if !ok {
		return fmt.Errorf("store: touch identity: %w", auth.ErrNotFound)
	}
	n, err := db.writeOne(ctx, `UPDATE identities SET email = ?, last_used_at = ? WHERE id = ?`, email, db.dialect.ts(at), cid)
	if err == nil && n == 0 {
		err = auth.ErrNotFound
	}
	return wrap("touch identity", err)
}

// DeleteIdentity removes the user's identity unless it is their only one and passwordUsable is
// false (auth.ErrLastLogin). The guard is in the DELETE itself, and the user row is locked
// first, so two unlinks at once cannot each leave the other as the last.
func (db *DB) DeleteIdentity(ctx context.Context, userID, id string, passwordUsable bool) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	uid, ok1 := canonicalUUID(userID)
	cid, ok2 := canonicalUUID(id)
	if !ok1 || !ok2 {
		return fmt.Errorf("store: delete identity: %w", auth.ErrNotFound)
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		var locked string
		if err := db.queryRow(ctx, tx, `SELECT id FROM users WHERE id = ?`+d.forUpdate(), uid).Scan(&locked); err != nil {
			return err
		}
		n, err := db.exec(ctx, tx, `DELETE FROM identities WHERE id = ? AND user_id = ?
			AND (? OR (SELECT COUNT(*) FROM identities WHERE user_id = ?) > 1)`, cid, uid, passwordUsable, uid)
		if err != nil || n > 0 {
			return err
		}
		var found string
		if err := db.queryRow(ctx, tx, `SELECT id FROM identities WHERE id = ? AND user_id = ?`, cid, uid).Scan(&found); err != nil {
			return err
		}
		return auth.ErrLastLogin
	})
	return wrap("delete identity", err)
}

// PutOAuthFlow inserts f; auth.ErrConflict when its id exists.
func (db *DB) PutOAuthFlow(ctx context.Context, f auth.OAuthFlow) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	uid, err := userIDArg(f.UserID, true)
	if err != nil {
		return fmt.Errorf("store: put oauth flow: %w", auth.ErrNotFound)
	}
	if f.ID == "" || f.Purpose == "" {
		return errors.New("store: put oauth flow: id and purpose are required")
	}
	d := db.dialect
	_, err = db.writeOne(ctx, `INSERT INTO oauth_flows (id, purpose, provider, user_id, redirect_to, verifier,
		nonce, binding, detail, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.Purpose, f.Provider, uid, f.RedirectTo, f.Verifier, f.Nonce, f.Binding, f.Detail,
		d.ts(f.CreatedAt), d.ts(f.ExpiresAt))
	return wrap("put oauth flow", err)
}

// TakeOAuthFlow deletes the record and returns it (DELETE … RETURNING: of concurrent takes,
// exactly one gets the row). auth.ErrNotFound when there is none of the purpose, or it expired.
func (db *DB) TakeOAuthFlow(ctx context.Context, id, purpose string, now time.Time) (auth.OAuthFlow, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var f auth.OAuthFlow
	err := db.write(ctx, func(tx *sql.Tx) error {
		return db.queryRow(ctx, tx, `DELETE FROM oauth_flows WHERE id = ? AND purpose = ?
			RETURNING id, purpose, provider, user_id, redirect_to, verifier, nonce, binding, detail, created_at, expires_at`,
			id, purpose).Scan(&f.ID, &f.Purpose, &f.Provider, str(&f.UserID), &f.RedirectTo, &f.Verifier, &f.Nonce,
			&f.Binding, &f.Detail, scanTime(&f.CreatedAt), scanTime(&f.ExpiresAt))
	})
	if err == nil && !f.ExpiresAt.After(now) {
		err = auth.ErrNotFound // taken all the same: an expired record is of no use
	}
	if err != nil {
		return auth.OAuthFlow{}, wrap("take oauth flow", err)
	}
	return f, nil
}

// DeleteExpiredOAuthFlows deletes records that expired before the instant; it returns how many.
func (db *DB) DeleteExpiredOAuthFlows(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	n, err := db.writeOne(ctx, `DELETE FROM oauth_flows WHERE expires_at < ?`, db.dialect.ts(before))
	return int(n), wrap("delete expired oauth flows", err)
}
