package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

const challengeColumns = `id, user_id, purpose, code_hash, created_at, expires_at, attempts,
	consumed_at, sent_count, last_sent_at, client_ip, user_agent, generation`

func scanChallenge(row interface{ Scan(...any) error }) (auth.Challenge, error) {
	var c auth.Challenge
	err := row.Scan(&c.ID, &c.UserID, &c.Purpose, &c.CodeHash, scanTime(&c.CreatedAt), scanTime(&c.ExpiresAt),
		&c.Attempts, scanTime(&c.ConsumedAt), &c.SentCount, scanTime(&c.LastSentAt), &c.ClientIP, &c.UserAgent,
		&c.Generation)
	return c, err
}

// CreateChallenge inserts c unless the user already has maxLive challenges of the same purpose
// that are neither consumed nor expired at c.CreatedAt: then auth.ErrThrottled. maxLive <= 0
// means no limit. auth.ErrNotFound when the user does not exist, auth.ErrConflict when the id
// does.
func (db *DB) CreateChallenge(ctx context.Context, c auth.Challenge, maxLive int) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	uid, ok := canonicalUUID(c.UserID)
	if !ok {
		return fmt.Errorf("store: create challenge: user: %w", auth.ErrNotFound)
	}
	if c.ID == "" || c.Purpose == "" {
		return errors.New("store: create challenge: id and purpose are required")
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		// Locking the user row serialises concurrent creations for one user on PostgreSQL,
		// so two requests cannot both see maxLive-1 live challenges.
		var locked string
		if err := db.queryRow(ctx, tx, `SELECT id FROM users WHERE id = ?`+d.forUpdate(), uid).Scan(&locked); err != nil {
			return err
		}
		if maxLive > 0 {
			live, err := db.count(ctx, tx, `SELECT COUNT(*) FROM two_factor_challenges
				WHERE user_id = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ?`,
				uid, c.Purpose, d.ts(c.CreatedAt))
			if err != nil {
				return err
			}
			if live >= maxLive {
				return auth.ErrThrottled
			}
		}
		_, err := db.exec(ctx, tx, `INSERT INTO two_factor_challenges (id, user_id, purpose, code_hash,
			created_at, expires_at, attempts, consumed_at, sent_count, last_sent_at, client_ip, user_agent,
			generation)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, uid, c.Purpose, c.CodeHash, d.ts(c.CreatedAt), d.ts(c.ExpiresAt), c.Attempts,
			d.nullTS(c.ConsumedAt), c.SentCount, d.ts(c.LastSentAt), c.ClientIP, c.UserAgent, c.Generation)
		return err
	})
	return wrap("create challenge", err)
}

// ChallengeByID returns the challenge, or auth.ErrNotFound.
func (db *DB) ChallengeByID(ctx context.Context, id string) (auth.Challenge, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	c, err := scanChallenge(db.queryRow(ctx, db.r, `SELECT `+challengeColumns+` FROM two_factor_challenges WHERE id = ?`, id))
	return c, wrap("challenge by id", err)
}

// AttemptChallenge atomically counts one try: it increments attempts only while attempts <
// maxAttempts and returns the updated challenge; auth.ErrTooManyAttempts when maxAttempts was
// already reached, auth.ErrNotFound when there is no such challenge.
func (db *DB) AttemptChallenge(ctx context.Context, id string, maxAttempts int) (auth.Challenge, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var c auth.Challenge
	err := db.write(ctx, func(tx *sql.Tx) error {
		// The guard sits in the UPDATE itself: PostgreSQL re-checks it on the row version a
		// concurrent attempt committed, so attempts never passes max.
		n, err := db.exec(ctx, tx, `UPDATE two_factor_challenges SET attempts = attempts + 1
			WHERE id = ? AND attempts < ?`, id, maxAttempts)
		if err != nil {
			return err
		}
		c, err = scanChallenge(db.queryRow(ctx, tx, `SELECT `+challengeColumns+` FROM two_factor_challenges WHERE id = ?`, id))
		if err == nil && n == 0 {
			err = auth.ErrTooManyAttempts
		}
		return err
	})
	if err != nil {
		return auth.Challenge{}, wrap("attempt challenge", err)
	}
	return c, nil
}

// ConsumeChallenge marks the challenge used once; auth.ErrConflict when it already was,
// auth.ErrNotFound when there is no such challenge.
func (db *DB) ConsumeChallenge(ctx context.Context, id string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	err := db.write(ctx, func(tx *sql.Tx) error {
		n, err := db.exec(ctx, tx, `UPDATE two_factor_challenges SET consumed_at = ?
			WHERE id = ? AND consumed_at IS NULL`, db.dialect.ts(at), id)
		if err != nil || n > 0 {
			return err
		}
		var found string
		if err := db.queryRow(ctx, tx, `SELECT id FROM two_factor_challenges WHERE id = ?`, id).Scan(&found); err != nil {
			return err
		}
		return auth.ErrConflict
	})
	return wrap("consume challenge", err)
}

// ResendChallenge replaces the code hash and expiry and counts one send while the challenge is
// unconsumed and its send count is still sentCount (a compare-and-set: of parallel resends one
// wins); tries are kept. auth.ErrConflict otherwise.
func (db *DB) ResendChallenge(ctx context.Context, id, codeHash string, sentCount int, sentAt, expiresAt time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		n, err := db.exec(ctx, tx, `UPDATE two_factor_challenges SET code_hash = ?, expires_at = ?,
			sent_count = sent_count + 1, last_sent_at = ? WHERE id = ? AND sent_count = ? AND consumed_at IS NULL`,
			codeHash, d.ts(expiresAt), d.ts(sentAt), id, sentCount)
		if err != nil || n > 0 {
			return err
		}
		return auth.ErrConflict
	})
	return wrap("resend challenge", err)
}

// DeleteExpiredChallenges deletes challenges that expired before the instant; it returns how many.
func (db *DB) DeleteExpiredChallenges(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.exec(ctx, tx, `DELETE FROM two_factor_challenges WHERE expires_at < ?`, db.dialect.ts(before))
		return err
	})
	return int(n), wrap("delete expired challenges", err)
}
