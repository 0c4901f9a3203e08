package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Bulk filling for the big-table benchmark: rows go straight into the tables, as fast as each
// backend takes them (COPY on PostgreSQL, one transaction with a prepared statement on SQLite),
// shaped like a deployment's history: refresh tokens in rotation chains of ten, the first nine
// of each chain blacklisted as rotated, spread over many users.

// fillChain is the length of a filler rotation chain; all but its last token are blacklisted.
const fillChain = 10

// fillUsers is the most filler users that own the filler tokens.
const fillUsers = 10_000

// fillToken is the filler's token text, about as long as a real HS256 refresh token.
var fillToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("e", 200) + "."

// filler writes rows for one backend.
type filler interface {
	// users inserts n users with the given ids (canonical UUIDs).
	users(ctx context.Context, ids []string, at time.Time) error
	// tokens inserts n outstanding tokens made by row, then blacklists the rotated ones.
	tokens(ctx context.Context, n int, row func(i int) fillRow) error
	// events inserts n audit events made by row.
	events(ctx context.Context, n int, row func(i int) fillEvent) error
	// settle brings the database to the steady state a long-running deployment is in, so that
	// timings do not pay for the bulk load: PostgreSQL vacuumed and analyzed (autovacuum's
	// job) and checkpointed; SQLite's write-ahead log copied back into the database.
	settle(ctx context.Context) error
	close()
}

// fillRow is one filler outstanding token.
type fillRow struct {
	userID, jti, family, parent string
	created, expires            time.Time
}

// fillEvent is one filler audit event.
type fillEvent struct {
	at                   time.Time
	userID, kind, detail string
}

// fillEventKinds are the filler events' kinds, most of them logins, as in a deployment's log.
var fillEventKinds = []string{"login_ok", "login_ok", "login_ok", "login_ok", "login_failed", "logout",
	"two_factor_sent", "password_changed", "logout_all", "session_revoked"}

// fillEvents makes the i-th of n filler events: spread over the fillHistory before before, in id
// order, each about one of users.
func fillEvents(users []string, n int, before time.Time) func(i int) fillEvent {
	first := before.Add(-fillHistory)
	step := fillHistory / time.Duration(max(n, 1))
	return func(i int) fillEvent {
		return fillEvent{at: first.Add(time.Duration(i) * step), userID: users[i%len(users)],
			kind: fillEventKinds[i%len(fillEventKinds)], detail: "filler"}
	}
}

// fillHistory is how far back the filler's tokens were issued.
const fillHistory = 30 * 24 * time.Hour

// fillRows makes the i-th of n rows of a filler history: chains of fillChain tokens, each chain
// owned by one of users, issued in id order over the fillHistory before they all expired at
// before, as a deployment's tokens are (expires_at = created_at + the refresh lifetime).
func fillRows(rng *rand.Rand, users []string, n int, before time.Time) func(i int) fillRow {
	const lifetime = 72 * time.Hour
	first := before.Add(-lifetime - fillHistory)
	step := fillHistory / time.Duration(max(n, 1))
	var family, parent string
	return func(i int) fillRow {
		jti := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		if i%fillChain == 0 {
			family, parent = jti, ""
		}
		created := first.Add(time.Duration(i) * step)
		r := fillRow{userID: users[(i/fillChain)%len(users)], jti: jti, family: family, parent: parent,
			created: created, expires: created.Add(lifetime)}
		parent = jti
		return r
	}
}

// blacklistRotated blacklists every filler token above id ? that is not last in its chain: the
// ids of one fill are consecutive, so the (id - ?) % fillChain of a chain's last token is 0.
const blacklistRotated = `INSERT INTO blacklisted_tokens (token_id, blacklisted_at, reason)
	SELECT id, created_at, 'rotated' FROM outstanding_tokens WHERE id > ? AND (id - ?) % 10 <> 0`

// maxTokenID is the largest outstanding token id (0 when none).
const maxTokenID = `SELECT COALESCE(MAX(id), 0) FROM outstanding_tokens`

// pgFiller fills PostgreSQL through COPY.
type pgFiller struct{ conn *pgx.Conn }

func newPGFiller(ctx context.Context, url string) (*pgFiller, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	return &pgFiller{conn}, nil
}

func (f *pgFiller) close() { _ = f.conn.Close(context.Background()) }

func (f *pgFiller) users(ctx context.Context, ids []string, at time.Time) error {
	_, err := f.conn.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "email", "email_lower", "password", "date_joined", "tokens_valid_after"},
		pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) {
			email := "fill-" + ids[i] + "@bench.test"
			return []any{ids[i], email, email, "!", at, at.Add(-time.Hour)}, nil
		}))
	return err
}

func (f *pgFiller) tokens(ctx context.Context, n int, row func(i int) fillRow) error {
	var from int64
	if err := f.conn.QueryRow(ctx, maxTokenID).Scan(&from); err != nil {
		return err
	}
	i := 0
	_, err := f.conn.CopyFrom(ctx, pgx.Identifier{"outstanding_tokens"},
		[]string{"user_id", "jti", "token", "created_at", "expires_at", "family_id", "parent_jti"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			r := row(i)
			i++
			return []any{r.userID, r.jti, fillToken + r.jti, r.created, r.expires, r.family, r.parent}, nil
		}))
	if err != nil {
		return err
	}
	_, err = f.conn.Exec(ctx, strings.ReplaceAll(blacklistRotated, "?", "$1"), from)
	return err
}

func (f *pgFiller) events(ctx context.Context, n int, row func(i int) fillEvent) error {
	i := 0
	_, err := f.conn.CopyFrom(ctx, pgx.Identifier{"audit_events"},
		[]string{"at", "user_id", "kind", "client_ip", "user_agent", "detail"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			e := row(i)
			i++
			return []any{e.at, e.userID, e.kind, "192.0.2.7", "bench", e.detail}, nil
		}))
	return err
}

func (f *pgFiller) settle(ctx context.Context) error {
	for _, q := range []string{`VACUUM (ANALYZE) users, outstanding_tokens, blacklisted_tokens, audit_events`, `CHECKPOINT`} {
		if _, err := f.conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// sqliteFiller fills SQLite through one transaction and a prepared statement.
type sqliteFiller struct{ db *sql.DB }

func newSQLiteFiller(path string) (*sqliteFiller, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(30000)&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &sqliteFiller{db}, nil
}

func (f *sqliteFiller) close() { _ = f.db.Close() }

// inTx runs each of n rows' arguments through one prepared statement in one transaction.
func (f *sqliteFiller) inTx(ctx context.Context, stmt string, n int, args func(i int) []any, after ...string) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	ps, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return err
	}
	for i := range n {
		if _, err := ps.ExecContext(ctx, args(i)...); err != nil {
			return err
		}
	}
	if err := ps.Close(); err != nil {
		return err
	}
	for _, q := range after {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (f *sqliteFiller) settle(ctx context.Context) error {
	_, err := f.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func (f *sqliteFiller) users(ctx context.Context, ids []string, at time.Time) error {
	return f.inTx(ctx, `INSERT INTO users (id, email, email_lower, password, date_joined, tokens_valid_after)
		VALUES (?, ?, ?, '!', ?, ?)`, len(ids), func(i int) []any {
		email := "fill-" + ids[i] + "@bench.test"
		return []any{ids[i], email, email, at.UnixMicro(), at.Add(-time.Hour).UnixMicro()}
	})
}

func (f *sqliteFiller) tokens(ctx context.Context, n int, row func(i int) fillRow) error {
	var from int64
	if err := f.db.QueryRowContext(ctx, maxTokenID).Scan(&from); err != nil {
		return err
	}
	return f.inTx(ctx, `INSERT INTO outstanding_tokens (user_id, jti, token, created_at, expires_at,
		family_id, parent_jti) VALUES (?, ?, ?, ?, ?, ?, ?)`, n, func(i int) []any {
		r := row(i)
		return []any{r.userID, r.jti, fillToken + r.jti, r.created.UnixMicro(), r.expires.UnixMicro(), r.family, r.parent}
	}, strings.ReplaceAll(blacklistRotated, "?", fmt.Sprint(from)))
}

func (f *sqliteFiller) events(ctx context.Context, n int, row func(i int) fillEvent) error {
	return f.inTx(ctx, `INSERT INTO audit_events (at, user_id, kind, client_ip, user_agent, detail)
		VALUES (?, ?, ?, '192.0.2.7', 'bench', ?)`, n, func(i int) []any {
		e := row(i)
		return []any{e.at.UnixMicro(), e.userID, e.kind, e.detail}
	})
}
