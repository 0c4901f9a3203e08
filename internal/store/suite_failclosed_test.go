package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

var failClosedCases = []suiteCase{
	{"fail closed/closed pool", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "closed@example.com")
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "Close", db.Close())
		checks := map[string]error{
			"Ping":           db.Ping(ctx),
			"CreateUser":     db.CreateUser(ctx, auth.User{ID: newUUID(), Email: "x@example.com"}),
			"Rotate":         db.Rotate(ctx, old, tok(u.ID, old.JTI, t0, time.Hour), t0),
			"RecordEvent":    db.RecordEvent(ctx, auth.AuditEvent{At: t0, Kind: "login_ok"}),
			"Migrate":        db.Migrate(ctx),
			"SetLastLogin":   db.SetLastLogin(ctx, u.ID, t0),
			"ConsumeChallng": db.ConsumeChallenge(ctx, "x", t0),
		}
		_, checks["UserByID"] = db.UserByID(ctx, u.ID)
		_, checks["UserByEmail"] = db.UserByEmail(ctx, u.Email)
		_, checks["TokenByJTI"] = db.TokenByJTI(ctx, old.JTI)
		_, checks["ListTokens"] = db.ListTokens(ctx, auth.TokenQuery{})
		_, checks["HasSuperuser"] = db.HasSuperuser(ctx)
		_, checks["AttemptChallenge"] = db.AttemptChallenge(ctx, "x", 5)
		_, checks["RevokeUser"] = db.RevokeUser(ctx, u.ID, auth.ReasonLogoutAll, t0, t0)
		for name, err := range checks {
			if !errors.Is(err, auth.ErrUnavailable) {
				t.Errorf("%s on a closed store: %v, want %v", name, err, auth.ErrUnavailable)
			}
		}
	}},
	{"fail closed/cancelled context", func(t *testing.T, b backend) {
		db := b.open(t)
		u := mustUser(t, db, "cancel@example.com")
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := db.UserByEmail(ctx, u.Email)
		if !errors.Is(err, auth.ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Errorf("UserByEmail with a cancelled context: %v, want ErrUnavailable wrapping context.Canceled", err)
		}
		err = db.Rotate(ctx, old, tok(u.ID, old.JTI, t0, time.Hour), t0)
		wantErr(t, "Rotate with a cancelled context", err, auth.ErrUnavailable)
		if mustToken(t, db, old.JTI).Blacklisted {
			t.Error("a cancelled Rotate blacklisted the token")
		}
	}},
	{"fail closed/statement timeout", func(t *testing.T, b backend) {
		url := b.url(t)
		if b.pooler { // the server gives up first, as docs/production.md asks behind PgBouncer
			serverStatementTimeout(t, url, 150*time.Millisecond)
		}
		db := openRaw(t, url, b.with(store.Options{StatementTimeout: 300 * time.Millisecond}))
		wantNoErr(t, "Migrate", db.Migrate(ctxT(t)))
		u := mustUser(t, db, "slow@example.com")
		release := holdWriteLock(t, b, url)
		defer release()
		err := db.SetLastLogin(ctxT(t), u.ID, t0)
		wantErr(t, "write while another holds the lock past the statement timeout", err, auth.ErrUnavailable)
	}},
}

var migrateCases = []suiteCase{
	{"migrate/idempotent and recorded", func(t *testing.T, b backend) {
		db := openRaw(t, b.url(t), b.with(store.Options{}))
		ctx := ctxT(t)
		before, err := db.AppliedMigrations(ctx)
		wantNoErr(t, "AppliedMigrations on an empty database", err)
		if len(before) != 0 {
			t.Errorf("fresh database has migrations %v", before)
		}
		for range 3 {
			wantNoErr(t, "Migrate", db.Migrate(ctx))
		}
		after, err := db.AppliedMigrations(ctx)
		wantNoErr(t, "AppliedMigrations", err)
		if want := db.Migrations(); fmt.Sprint(after) != fmt.Sprint(want) || want[0] != "0001_init" {
			t.Errorf("applied = %v, want %v", after, want)
		}
		if db.Dialect() != b.name {
			t.Errorf("Dialect() = %q, want %q", db.Dialect(), b.name)
		}
		if s := db.Stats(); s.MaxOpenConnections < 1 {
			t.Errorf("Stats() = %+v", s)
		}
	}},
	{"migrate/concurrent instances apply once", func(t *testing.T, b backend) {
		url := b.url(t)
		var dbs []*store.DB
		for range 5 {
			dbs = append(dbs, openRaw(t, url, b.with(store.Options{MaxOpenConns: 2})))
		}
		ctx := ctxT(t)
		errs := make([]error, 2*len(dbs))
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = dbs[i%len(dbs)].Migrate(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			wantNoErr(t, "concurrent Migrate", err)
		}
		applied, err := dbs[0].AppliedMigrations(ctx)
		wantNoErr(t, "AppliedMigrations", err)
		if want := dbs[0].Migrations(); fmt.Sprint(applied) != fmt.Sprint(want) {
			t.Errorf("applied = %v, want %v, each once", applied, want)
		}
		mustUser(t, dbs[3], "after-migrate@example.com")
	}},
}

// openRaw opens a store without migrating it and closes it when the test ends.
func openRaw(t *testing.T, url string, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(ctxT(t), url, opts)
	wantNoErr(t, "Open", err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}
