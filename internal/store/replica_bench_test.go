package store_test

import (
	"context"
	"database/sql"
	"flag"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// Which reads could go to a replica, and is it worth it (docs/production.md, "Reads off the
// primary")? The candidates are the admin panel's pages: nothing on the refresh path may read a
// replica (a lagging replica would accept a rotated token). BenchmarkAdminReads prices each
// page's store calls in refreshes, on one PostgreSQL database shaped like a deployment's history.
var adminRows = flag.Int("adminreads.rows", 100_000, "filler tokens in the database of BenchmarkAdminReads")

// BenchmarkAdminReads measures, one after the other on one database: a refresh (the unit), and
// the store calls of the admin dashboard, the token list, a user's page, the user list and the
// audit log.
//
//	go test ./internal/store -run '^$' -bench BenchmarkAdminReads -benchtime 2s -adminreads.rows 1000000
func BenchmarkAdminReads(b *testing.B) {
	s := newSite(b, postgresBackend, *adminRows)
	ctx := context.Background()
	now := time.Now()
	// One audit event per ten tokens (a login each), over the filler's month, for the users
	// that own the tokens.
	raw, err := sql.Open("pgx", s.url)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	_, err = raw.ExecContext(ctx, `INSERT INTO audit_events (at, user_id, kind, client_ip)
		SELECT now() - (g * interval '1 minute') / 3, u.id, CASE WHEN g % 20 = 0 THEN 'login_failed' ELSE 'login_ok' END, '192.0.2.1'
		FROM generate_series(1, $1) g JOIN LATERAL (SELECT id FROM users OFFSET g % $2 LIMIT 1) u ON true`,
		*adminRows/10, len(s.users))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `VACUUM (ANALYZE) audit_events`); err != nil {
		b.Fatal(err)
	}
	user := s.users[0]
	step := func(b *testing.B, f func() error) {
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("refresh", func(b *testing.B) {
		step(b, func() error { _, err := s.refreshOnce(ctx); return err })
	})
	b.Run("dashboard", func(b *testing.B) {
		step(b, func() error {
			if _, err := s.db.CountUsers(ctx); err != nil {
				return err
			}
			if _, err := s.db.TokenStats(ctx, now); err != nil {
				return err
			}
			if _, err := s.db.CountEvents(ctx, now.Add(-24*time.Hour)); err != nil {
				return err
			}
			_, err := s.db.ListEvents(ctx, auth.EventQuery{Limit: 10})
			return err
		})
	})
	b.Run("tokens page", func(b *testing.B) {
		step(b, func() error { _, err := s.db.ListTokens(ctx, auth.TokenQuery{Now: now, Limit: 50}); return err })
	})
	b.Run("user page", func(b *testing.B) {
		step(b, func() error {
			if _, err := s.db.Sessions(ctx, user, now); err != nil {
				return err
			}
			if _, err := s.db.ListTokens(ctx, auth.TokenQuery{UserID: user, Now: now, Limit: 10}); err != nil {
				return err
			}
			_, err := s.db.ListEvents(ctx, auth.EventQuery{UserID: user, Limit: 10})
			return err
		})
	})
	b.Run("users page", func(b *testing.B) {
		step(b, func() error { _, err := s.db.ListUsers(ctx, auth.UserQuery{Limit: 50}); return err })
	})
	b.Run("audit page", func(b *testing.B) {
		step(b, func() error { _, err := s.db.ListEvents(ctx, auth.EventQuery{Limit: 50}); return err })
	})
}
