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

// RecordEvent appends e to the audit log. UserID and ActorID may be empty; when set they must
// be UUIDs. The log keeps ids of users deleted since.
func (db *DB) RecordEvent(ctx context.Context, e auth.AuditEvent) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	args, err := db.eventArgs(e)
	if err != nil {
		return fmt.Errorf("store: record event: %w", err)
	}
	_, err = db.writeOne(ctx, insertEvent, args...)
	return wrap("record event", err)
}

const insertEvent = `INSERT INTO audit_events (at, user_id, actor_id, kind, client_ip, user_agent, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// eventArgs validates e and returns insertEvent's arguments.
func (db *DB) eventArgs(e auth.AuditEvent) ([]any, error) {
	if e.Kind == "" {
		return nil, errors.New("kind is empty")
	}
	uid, err := userIDArg(e.UserID, true)
	if err != nil {
		return nil, err
	}
	actor, err := userIDArg(e.ActorID, true)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	return []any{db.dialect.ts(e.At), uid, actor, e.Kind, e.ClientIP, e.UserAgent, e.Detail}, nil
}

// ListEvents pages newest first (id descending), with the user's e-mail filled. A UserID that
// is not a UUID matches nothing.
func (db *DB) ListEvents(ctx context.Context, q auth.EventQuery) ([]auth.AuditEvent, error) {
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
		where, args = append(where, `e.user_id = ?`), append(args, id)
	}
	if q.Kind != "" {
		where, args = append(where, `e.kind = ?`), append(args, q.Kind)
	}
	if q.BeforeID > 0 {
		where, args = append(where, `e.id < ?`), append(args, q.BeforeID)
	}
	if q.Search != "" {
		users, err := db.usersMatching(ctx, q.Search)
		switch {
		case err != nil:
			return nil, wrap("list events", err)
		case len(users) == 0:
			return nil, nil
		case len(users) > searchUsersMax:
			where, args = append(where, `u.email_lower LIKE ? ESCAPE '\'`), append(args, containsPattern(q.Search))
		default:
			in, ids := inList("e.user_id", users)
			where, args = append(where, in), append(args, ids...)
		}
	}
	query := `SELECT e.id, e.at, e.user_id, e.actor_id, e.kind, e.client_ip, e.user_agent, e.detail, u.email
		FROM audit_events e LEFT JOIN users u ON u.id = e.user_id`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY e.id DESC LIMIT ?`
	args = append(args, pageLimit(q.Limit))
	events, err := selectAll(ctx, db, db.r, query, args, func(rows *sql.Rows) (auth.AuditEvent, error) {
		var e auth.AuditEvent
		err := rows.Scan(&e.ID, scanTime(&e.At), str(&e.UserID), str(&e.ActorID), &e.Kind, &e.ClientIP,
			&e.UserAgent, &e.Detail, str(&e.UserEmail))
		return e, err
	})
	return events, wrap("list events", err)
}

// CountEvents counts events at or after since, by kind.
func (db *DB) CountEvents(ctx context.Context, since time.Time) (map[string]int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	type kindCount struct {
		kind string
		n    int
	}
	// kind || '' is kind. Grouped by the bare column, SQLite walks the whole log through the
	// kind index (grouping without a sort) instead of reading the last day through the at index:
	// 2.3 s instead of milliseconds at a million events (docs/benchmarks-storage.md).
	rows, err := selectAll(ctx, db, db.r, `SELECT kind || '' AS k, COUNT(*) FROM audit_events WHERE at >= ? GROUP BY k`,
		[]any{db.dialect.ts(since)}, func(rows *sql.Rows) (kindCount, error) {
			var k kindCount
			err := rows.Scan(&k.kind, &k.n)
			return k, err
		})
	if err != nil {
		return nil, wrap("count events", err)
	}
	out := make(map[string]int, len(rows))
	for _, k := range rows {
		out[k.kind] = k.n
	}
	return out, nil
}
