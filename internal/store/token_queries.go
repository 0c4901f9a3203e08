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

const (
	tokenColumns = `t.id, t.user_id, t.jti, t.token, t.created_at, t.expires_at, t.family_id,
		t.parent_jti, t.client_ip, t.user_agent, b.id, b.blacklisted_at, b.reason, u.email`
	tokenFrom = ` FROM outstanding_tokens t
		LEFT JOIN blacklisted_tokens b ON b.token_id = t.id
		LEFT JOIN users u ON u.id = t.user_id`
)

func scanToken(row interface{ Scan(...any) error }) (auth.OutstandingToken, error) {
	var (
		t   auth.OutstandingToken
		bid sql.NullInt64
	)
	err := row.Scan(&t.ID, str(&t.UserID), &t.JTI, &t.Token, scanTime(&t.CreatedAt), scanTime(&t.ExpiresAt),
		&t.FamilyID, &t.ParentJTI, &t.ClientIP, &t.UserAgent, &bid, scanTime(&t.BlacklistedAt),
		str(&t.Reason), str(&t.UserEmail))
	t.Blacklisted = bid.Valid
	return t, err
}

func scanTokenRows(rows *sql.Rows) (auth.OutstandingToken, error) { return scanToken(rows) }

// ListTokens pages newest first (id descending) with the blacklist state and user e-mail.
// States partition the tokens: "blacklisted"; "expired" (not blacklisted, expires_at <= Now);
// "active" (neither). Search matches a substring of the user's e-mail or a jti prefix.
func (db *DB) ListTokens(ctx context.Context, q auth.TokenQuery) ([]auth.OutstandingToken, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var (
		where []string
		args  []any
	)
	if q.UserID != "" {
		id, ok := canonicalUUID(q.UserID)
		if !ok {
			return nil, nil
		}
		where, args = append(where, `t.user_id = ?`), append(args, id)
	}
	if q.BeforeID > 0 {
		where, args = append(where, `t.id < ?`), append(args, q.BeforeID)
	}
	// The states test b.token_id, the join's own column: PostgreSQL then plans "not blacklisted"
	// as an anti-join with sound estimates. Tested on b.id, it estimated one row and chose a
	// nested loop over users that ran past a minute at a million tokens
	// (docs/benchmarks-storage.md, "Admin pages").
	switch q.State {
	case "":
	case "active":
		where, args = append(where, `b.token_id IS NULL AND t.expires_at > ?`), append(args, db.dialect.ts(q.Now))
	case "blacklisted":
		where = append(where, `b.token_id IS NOT NULL`)
	case "expired":
		where, args = append(where, `b.token_id IS NULL AND t.expires_at <= ?`), append(args, db.dialect.ts(q.Now))
	default:
		return nil, fmt.Errorf("store: list tokens: unknown state %q (want active, blacklisted or expired)", q.State)
	}
	if q.Search != "" {
		users, err := db.usersMatching(ctx, q.Search)
		if err != nil {
			return nil, wrap("list tokens", err)
		}
		jti := `(t.jti >= ? AND t.jti < ?)`
		switch {
		case len(users) > searchUsersMax:
			where, args = append(where, `(u.email_lower LIKE ? ESCAPE '\' OR `+jti+`)`), append(args, containsPattern(q.Search))
		case len(users) > 0:
			in, ids := inList("t.user_id", users)
			where, args = append(where, `(`+in+` OR `+jti+`)`), append(args, ids...)
		default:
			where = append(where, jti)
		}
		args = append(args, q.Search, prefixUpperBound(q.Search))
	}
	query := `SELECT ` + tokenColumns + tokenFrom
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY t.id DESC LIMIT ?`
	args = append(args, pageLimit(q.Limit))
	tokens, err := selectAll(ctx, db, db.r, query, args, scanTokenRows)
	return tokens, wrap("list tokens", err)
}

// Sessions lists the user's live families (at least one token neither blacklisted nor expired
// at now), most recently used first.
func (db *DB) Sessions(ctx context.Context, userID string, now time.Time) ([]auth.Session, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return nil, nil
	}
	const q = `WITH fam AS (
			SELECT t.family_id, MIN(t.created_at) AS first_at, MAX(t.id) AS newest_id,
				MAX(CASE WHEN b.id IS NULL AND t.expires_at > ? THEN t.id END) AS live_id
			FROM outstanding_tokens t LEFT JOIN blacklisted_tokens b ON b.token_id = t.id
			WHERE t.user_id = ?
			GROUP BY t.family_id)
		SELECT f.family_id, f.first_at, n.created_at, n.expires_at, n.client_ip, n.user_agent, l.jti
		FROM fam f
		JOIN outstanding_tokens n ON n.id = f.newest_id
		JOIN outstanding_tokens l ON l.id = f.live_id
		ORDER BY n.created_at DESC, n.id DESC`
	sessions, err := selectAll(ctx, db, db.r, q, []any{db.dialect.ts(now), id}, func(rows *sql.Rows) (auth.Session, error) {
		var s auth.Session
		err := rows.Scan(&s.FamilyID, scanTime(&s.CreatedAt), scanTime(&s.LastUsedAt), scanTime(&s.ExpiresAt),
			&s.ClientIP, &s.UserAgent, &s.CurrentJTI)
		return s, err
	})
	return sessions, wrap("sessions", err)
}

// TokenStats counts tokens for the dashboard.
func (db *DB) TokenStats(ctx context.Context, now time.Time) (auth.TokenStats, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var s auth.TokenStats
	err := db.queryRow(ctx, db.r, `SELECT
			(SELECT COUNT(*) FROM outstanding_tokens),
			(SELECT COUNT(*) FROM blacklisted_tokens),
			(SELECT COUNT(*) FROM outstanding_tokens WHERE parent_jti <> '' AND created_at > ?),
			COUNT(*), COUNT(DISTINCT t.family_id)
		FROM outstanding_tokens t
		WHERE t.expires_at > ? AND NOT EXISTS (SELECT 1 FROM blacklisted_tokens b WHERE b.token_id = t.id)`,
		db.dialect.ts(now.Add(-24*time.Hour)), db.dialect.ts(now)).Scan(&s.Outstanding, &s.Blacklisted, &s.Rotations, &s.Active, &s.Sessions)
	return s, wrap("token stats", err)
}

// flushTxTokens caps the tokens one flush transaction deletes. Each deleted token changes index
// pages at random places (its jti, family and user are random keys), so a transaction's
// write-ahead log grows with its size. On SQLite the transaction holds the database's only write
// lock all along: 100 tokens take a few milliseconds, while with 1,000 a concurrent refresh
// waited tens of milliseconds at the 99th percentile. PostgreSQL locks only the deleted rows, so
// a bigger transaction blocks nobody and commits less often (docs/benchmarks-storage.md).
func (d dialect) flushTxTokens() int {
	if d.pg {
		return 1000
	}
	return 100
}

// FlushExpired deletes up to batch outstanding tokens that expired before the instant, earliest
// expiry first, with their blacklist rows; it returns how many tokens it deleted. It works in
// short transactions of at most flushTxTokens tokens, each bounded by the statement timeout, and
// lets other writers in between them, so that on SQLite a concurrent refresh waits for at most
// one (PostgreSQL locks only the deleted rows). Call it in a loop until it returns less than
// batch.
func (db *DB) FlushExpired(ctx context.Context, before time.Time, batch int) (int, error) {
	if batch <= 0 {
		return 0, errors.New("store: flush expired: batch must be positive")
	}
	total := 0
	for total < batch {
		want := min(db.dialect.flushTxTokens(), batch-total)
		n, err := db.flushChunk(ctx, before, want)
		total += n
		if err != nil {
			return total, wrap("flush expired", err)
		}
		if n < want {
			break
		}
		db.checkpoint(ctx)
	}
	return total, nil
}

// flushChunk deletes up to n expired tokens in one transaction.
func (db *DB) flushChunk(ctx context.Context, before time.Time, n int) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var deleted int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		deleted, err = db.exec(ctx, tx, `DELETE FROM outstanding_tokens WHERE id IN (
			SELECT id FROM outstanding_tokens WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`,
			db.dialect.ts(before), n)
		return err
	})
	return int(deleted), err
}
