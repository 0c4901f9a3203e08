package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

const (
	insertToken = `INSERT INTO outstanding_tokens (user_id, jti, token, created_at, expires_at,
		family_id, parent_jti, client_ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// insertTokenIfAbsent records a token a peer SimpleJWT deployment issued, or nothing.
	insertTokenIfAbsent = insertToken + ` ON CONFLICT (jti) DO NOTHING`
	// blacklistJTI inserts the blacklist row unless one exists. The unique token_id decides
	// every race: only one transaction ever changes a row here (DESIGN.md, the refresh
	// invariant). On PostgreSQL a concurrent insert waits for the first to commit or roll back.
	blacklistJTI = `INSERT INTO blacklisted_tokens (token_id, blacklisted_at, reason)
		SELECT id, ?, ? FROM outstanding_tokens WHERE jti = ? ON CONFLICT (token_id) DO NOTHING`
	// rotateBlacklist is blacklistJTI for a rotation, which a token of an ended session never
	// gets (sessions.go); nothing is written then, as when the token was blacklisted already.
	rotateBlacklist = `INSERT INTO blacklisted_tokens (token_id, blacklisted_at, reason)
		SELECT id, ?, ? FROM outstanding_tokens o WHERE jti = ?
			AND NOT EXISTS (SELECT 1 FROM ended_sessions e WHERE e.id = o.family_id)
		ON CONFLICT (token_id) DO NOTHING`
	// blacklistWhere + condition + blacklistOrder blacklists every matching token that is not
	// blacklisted yet. Args: blacklisted_at, reason, then the condition's. Rows are taken in
	// id order so concurrent bulk revocations lock in the same order and cannot deadlock.
	blacklistWhere = `INSERT INTO blacklisted_tokens (token_id, blacklisted_at, reason)
		SELECT t.id, ?, ? FROM outstanding_tokens t
		WHERE NOT EXISTS (SELECT 1 FROM blacklisted_tokens b WHERE b.token_id = t.id) AND`
	blacklistOrder = ` ORDER BY t.id ON CONFLICT (token_id) DO NOTHING`
)

// tokenArgs validates t and returns insertToken's arguments. A token without a family starts
// its own (FamilyID = JTI).
func (db *DB) tokenArgs(t auth.OutstandingToken) ([]any, error) {
	if t.JTI == "" {
		return nil, errors.New("token has no jti")
	}
	uid, err := userIDArg(t.UserID, true)
	if err != nil {
		return nil, err
	}
	if t.FamilyID == "" {
		t.FamilyID = t.JTI
	}
	d := db.dialect
	return []any{uid, t.JTI, t.Token, d.ts(t.CreatedAt), d.ts(t.ExpiresAt), t.FamilyID,
		t.ParentJTI, t.ClientIP, t.UserAgent}, nil
}

// RecordOutstanding inserts an issued refresh token; auth.ErrConflict when its jti exists,
// auth.ErrNotFound when its user does not.
func (db *DB) RecordOutstanding(ctx context.Context, t auth.OutstandingToken) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	args, err := db.tokenArgs(t)
	if err != nil {
		return fmt.Errorf("store: record outstanding: %w", err)
	}
	_, err = db.writeOne(ctx, insertToken, args...)
	return wrap("record outstanding", err)
}

// RecordLogin records a login's first refresh token and its audit event in one transaction, one
// statement on PostgreSQL (a login wrote two transactions, and on a small machine PostgreSQL's
// work per commit competes with the password hash for the CPU). Errors as RecordOutstanding's;
// on any error neither is recorded.
func (db *DB) RecordLogin(ctx context.Context, t auth.OutstandingToken, e auth.AuditEvent) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	args, err := db.tokenArgs(t)
	if err != nil {
		return fmt.Errorf("store: record login: %w", err)
	}
	eargs, err := db.eventArgs(e)
	if err != nil {
		return fmt.Errorf("store: record login: event: %w", err)
	}
	if db.dialect.pg {
		_, err = db.writeOne(ctx, `WITH t AS (`+insertToken+`) `+insertEvent, append(args, eargs...)...)
		return wrap("record login", err)
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, insertToken, args...); err != nil {
			return err
		}
		_, err := db.exec(ctx, tx, insertEvent, eargs...)
		return err
	})
	return wrap("record login", err)
}

// TokenByJTI returns the token with its blacklist state and user e-mail, or auth.ErrNotFound.
func (db *DB) TokenByJTI(ctx context.Context, jti string) (auth.OutstandingToken, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	t, err := scanToken(db.queryRow(ctx, db.r, `SELECT `+tokenColumns+tokenFrom+` WHERE t.jti = ?`, jti))
	return t, wrap("token by jti", err)
}

// Rotate, in one transaction: records old when absent (a token a peer SimpleJWT deployment
// issued), blacklists old with auth.ReasonRotated, and records next. When old is already
// blacklisted — another Rotate won — it returns auth.ErrBlacklisted and writes nothing.
// An empty next.FamilyID inherits old's family and an empty next.ParentJTI becomes old.JTI.
func (db *DB) Rotate(ctx context.Context, old, next auth.OutstandingToken, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	if old.JTI == next.JTI {
		return errors.New("store: rotate: old and next tokens have the same jti")
	}
	oldArgs, err := db.tokenArgs(old)
	if err != nil {
		return fmt.Errorf("store: rotate: old token: %w", err)
	}
	if next.ParentJTI == "" {
		next.ParentJTI = old.JTI
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		if err := db.blacklistToken(ctx, tx, old.JTI, oldArgs, auth.ReasonRotated, at); err != nil {
			return err
		}
		var family string
		if err := db.queryRow(ctx, tx, `SELECT family_id FROM outstanding_tokens WHERE jti = ?`, old.JTI).Scan(&family); err != nil {
			return err
		}
		if ended, err := db.sessionEnded(ctx, tx, family); err != nil || ended {
			if err == nil {
				err = auth.ErrBlacklisted // its session ended: nothing is rotated, and this rolls back
			}
			return err
		}
		if next.FamilyID == "" {
			next.FamilyID = family
		}
		nextArgs, err := db.tokenArgs(next)
		if err != nil {
			return fmt.Errorf("next token: %w", err)
		}
		_, err = db.exec(ctx, tx, insertToken, nextArgs...)
		return err
	})
	return wrap("rotate", err)
}

const (
	// rotateInsert records the next token in the family of the old one, read by its jti
	// (the last argument).
	rotateInsert = `INSERT INTO outstanding_tokens (user_id, jti, token, created_at, expires_at,
		family_id, parent_jti, client_ip, user_agent)
		SELECT ?, ?, ?, ?, ?, family_id, jti, ?, ? FROM outstanding_tokens WHERE jti = ?`
	// rotatePostgres is RotateRecorded in one statement, so one round trip: blacklist the old
	// token (the unique token_id decides races; a concurrent insert waits for the first to
	// commit), then record the next token only when this statement's blacklist row went in.
	// Arguments: old jti, blacklisted_at, reason, then rotateInsert's but the last.
	// A token of an ended session is not rotated, even one a rotation racing with the end
	// recorded after EndSession's snapshot (sessions.go).
	rotatePostgres = `WITH old AS (SELECT id, family_id, jti FROM outstanding_tokens o WHERE jti = ?
			AND NOT EXISTS (SELECT 1 FROM ended_sessions e WHERE e.id = o.family_id)),
		bl AS (INSERT INTO blacklisted_tokens (token_id, blacklisted_at, reason)
			SELECT id, ?, ? FROM old ON CONFLICT (token_id) DO NOTHING RETURNING token_id)
		INSERT INTO outstanding_tokens (user_id, jti, token, created_at, expires_at, family_id,
			parent_jti, client_ip, user_agent)
		SELECT ?, ?, ?, ?, ?, old.family_id, old.jti, ?, ? FROM old JOIN bl ON bl.token_id = old.id`
	tokenExists = `SELECT COUNT(*) FROM outstanding_tokens WHERE jti = ?`
)

// RotateRecorded is Rotate for a token known to be recorded, in the fewest statements, without
// reading it first: it blacklists oldJTI with auth.ReasonRotated and records next in its family
// with oldJTI as parent (next.FamilyID and next.ParentJTI are ignored). It returns
// auth.ErrBlacklisted when oldJTI was blacklisted already and auth.ErrNotFound when it is not
// recorded; both write nothing.
//
// blacklisted_at is when the rotation ran by the store's clock, and never before at: a request
// that presents the old token and started before then was in flight while the rotation was
// waiting (for a connection, for its batch) — a duplicate, which reuse detection must tell from
// a replay by comparing its start with blacklisted_at.
func (db *DB) RotateRecorded(ctx context.Context, oldJTI string, next auth.OutstandingToken, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	if oldJTI == "" || oldJTI == next.JTI {
		return errors.New("store: rotate: the old jti is empty or the next token's")
	}
	args, err := db.tokenArgs(next)
	if err != nil {
		return fmt.Errorf("store: rotate: next token: %w", err)
	}
	d := db.dialect
	ins := append(args[:5:5], args[7], args[8]) // user … expires_at, client_ip, user_agent
	if d.pg {
		n, err := db.writeOne(ctx, rotatePostgres, append([]any{oldJTI, d.ts(later(at, db.now())), auth.ReasonRotated}, ins...)...)
		if err == nil && n == 0 {
			err = db.notRotated(ctx, db.r, oldJTI)
		}
		return wrap("rotate", err)
	}
	op := &rotateOp{ctx: ctx, oldJTI: oldJTI, args: append(ins, oldJTI), at: at, done: make(chan error, 1)}
	return wrap("rotate", db.batch.rotate(ctx, op))
}

// later returns the later of two instants.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// notRotated says why a rotation of jti blacklisted nothing: it was blacklisted already, or
// it is not recorded.
func (db *DB) notRotated(ctx context.Context, q querier, jti string) error {
	n, err := db.count(ctx, q, tokenExists, jti)
	switch {
	case err != nil:
		return err
	case n == 0:
		return auth.ErrNotFound
	}
	return auth.ErrBlacklisted
}

// Blacklist records t when absent and blacklists it; auth.ErrBlacklisted when it already was.
func (db *DB) Blacklist(ctx context.Context, t auth.OutstandingToken, reason string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	args, err := db.tokenArgs(t)
	if err != nil {
		return fmt.Errorf("store: blacklist: %w", err)
	}
	if reason == "" {
		return errors.New("store: blacklist: reason is empty")
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		return db.blacklistToken(ctx, tx, t.JTI, args, reason, at)
	})
	return wrap("blacklist", err)
}

// blacklistToken records the token when absent and inserts its blacklist row, or returns
// auth.ErrBlacklisted when the row existed.
func (db *DB) blacklistToken(ctx context.Context, tx *sql.Tx, jti string, args []any, reason string, at time.Time) error {
	if _, err := db.exec(ctx, tx, insertTokenIfAbsent, args...); err != nil {
		return err
	}
	n, err := db.exec(ctx, tx, blacklistJTI, db.dialect.ts(at), reason, jti)
	if err != nil {
		return err
	}
	if n == 0 {
		return auth.ErrBlacklisted
	}
	return nil
}

// RevokeUser blacklists every not yet blacklisted token of the user and, in the same
// transaction, moves tokens_valid_after forward to validAfter (never backward). It returns
// how many tokens it blacklisted; auth.ErrNotFound when the user does not exist.
func (db *DB) RevokeUser(ctx context.Context, userID, reason string, at, validAfter time.Time) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return 0, fmt.Errorf("store: revoke user: %w", auth.ErrNotFound)
	}
	if reason == "" {
		return 0, errors.New("store: revoke user: reason is empty")
	}
	d := db.dialect
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		// A deactivation leaves the generation: an inactive user's challenges and links are
		// refused anyway, and an activation link must still be told apart (Djoser's 403 stale).
		generation := 1
		if reason == auth.ReasonDeactivated {
			generation = 0
		}
		err := oneRow(db.exec(ctx, tx, `UPDATE users SET
			tokens_valid_after = CASE WHEN tokens_valid_after < ? THEN ? ELSE tokens_valid_after END,
			credentials_generation = credentials_generation + ?
			WHERE id = ?`, d.ts(validAfter), d.ts(validAfter), generation, id))
		if err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, endUserSessions, d.ts(at), reason, id, ""); err != nil {
			return err
		}
		n, err = db.exec(ctx, tx, blacklistWhere+` t.user_id = ?`+blacklistOrder, d.ts(at), reason, id)
		return err
	})
	return int(n), wrap("revoke user", err)
}
