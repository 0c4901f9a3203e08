package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

var recoveryCases = []suiteCase{
	{"recovery codes/use racing a commit", recoveryUseRacesCommit},
	{"recovery codes/replace, use once, count", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "codes@example.com")
		other := mustUser(t, db, "othercodes@example.com")
		wantNoErr(t, "ReplaceRecoveryCodes", db.ReplaceRecoveryCodes(ctx, u.ID, []string{"h1", "h2", "h3"}))
		wantNoErr(t, "ReplaceRecoveryCodes other", db.ReplaceRecoveryCodes(ctx, other.ID, []string{"h1"}))
		if n, err := db.CountRecoveryCodes(ctx, u.ID); err != nil || n != 3 {
			t.Errorf("CountRecoveryCodes = %d, %v, want 3", n, err)
		}
		wantNoErr(t, "UseRecoveryCode", db.UseRecoveryCode(ctx, u.ID, "h2", t0))
		wantErr(t, "same code again", db.UseRecoveryCode(ctx, u.ID, "h2", t0), auth.ErrNotFound)
		wantErr(t, "unknown code", db.UseRecoveryCode(ctx, u.ID, "nope", t0), auth.ErrNotFound)
		if n, _ := db.CountRecoveryCodes(ctx, u.ID); n != 2 {
			t.Errorf("after one use: %d unused, want 2", n)
		}
		if n, _ := db.CountRecoveryCodes(ctx, other.ID); n != 1 {
			t.Errorf("other user's codes: %d, want 1", n)
		}

		errs := make([]error, 10)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = db.UseRecoveryCode(ctx, u.ID, "h3", t0) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, auth.ErrNotFound):
				t.Errorf("UseRecoveryCode: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent uses of one code succeeded, want 1", ok)
		}

		wantNoErr(t, "ReplaceRecoveryCodes again", db.ReplaceRecoveryCodes(ctx, u.ID, []string{"n1", "n2"}))
		if n, _ := db.CountRecoveryCodes(ctx, u.ID); n != 2 {
			t.Errorf("after replace: %d, want 2", n)
		}
		wantErr(t, "old code after replace", db.UseRecoveryCode(ctx, u.ID, "h1", t0), auth.ErrNotFound)
		wantErr(t, "ReplaceRecoveryCodes(unknown user)", db.ReplaceRecoveryCodes(ctx, newUUID(), []string{"x"}), auth.ErrNotFound)
		wantErr(t, "UseRecoveryCode(not a uuid)", db.UseRecoveryCode(ctx, "x", "n1", t0), auth.ErrNotFound)
	}},
}

// A use racing another connection's uncommitted use of the same code must lose once that
// commits: on PostgreSQL the row lock makes it wait and re-check, and the re-check has to see
// used_at, not only the id the subquery picked.
func recoveryUseRacesCommit(t *testing.T, b backend) {
	url := b.url(t)
	db := openRaw(t, url, b.with(store.Options{}))
	wantNoErr(t, "Migrate", db.Migrate(ctxT(t)))
	u := mustUser(t, db, "race-code@example.com")
	wantNoErr(t, "ReplaceRecoveryCodes", db.ReplaceRecoveryCodes(ctxT(t), u.ID, []string{"h1", "h2"}))
	mark := `UPDATE recovery_codes SET used_at = now() WHERE code_hash = 'h1'`
	if b.name == "sqlite" {
		mark = `UPDATE recovery_codes SET used_at = 1 WHERE code_hash = 'h1'`
	}
	commit := beginElsewhere(t, b, url, mark)
	done := make(chan error, 1)
	go func() { done <- db.UseRecoveryCode(ctxT(t), u.ID, "h1", t0) }()
	time.Sleep(200 * time.Millisecond) // let it block on the lock; the outcome must not depend on it
	commit()
	wantErr(t, "use of a code another connection used meanwhile", <-done, auth.ErrNotFound)
	if n, _ := db.CountRecoveryCodes(ctxT(t), u.ID); n != 1 {
		t.Errorf("unused codes = %d, want 1", n)
	}
}

var auditCases = []suiteCase{
	{"audit/record, list, count", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "Audited@Example.com")
		admin := mustUser(t, db, "admin@corp.test")
		var recorded []auth.AuditEvent
		for i, kind := range []string{"login_ok", "login_failed", "refresh", "login_failed", "logout"} {
			e := auth.AuditEvent{At: t0.Add(time.Duration(i) * time.Minute), UserID: u.ID, Kind: kind,
				ClientIP: "192.0.2.1", UserAgent: "ua", Detail: fmt.Sprintf("n=%d", i)}
			wantNoErr(t, "RecordEvent", db.RecordEvent(ctx, e))
			recorded = append(recorded, e)
		}
		wantNoErr(t, "RecordEvent anonymous", db.RecordEvent(ctx, auth.AuditEvent{At: t0.Add(-time.Hour), Kind: "login_failed", Detail: "unknown e-mail"}))
		wantNoErr(t, "RecordEvent by admin", db.RecordEvent(ctx, auth.AuditEvent{At: t0.Add(time.Hour), UserID: u.ID, ActorID: admin.ID, Kind: "admin_revoke"}))
		if err := db.RecordEvent(ctx, auth.AuditEvent{At: t0, Kind: ""}); err == nil {
			t.Error("event without kind recorded")
		}
		if err := db.RecordEvent(ctx, auth.AuditEvent{At: t0, Kind: "x", UserID: "42"}); err == nil {
			t.Error("event with a non-UUID user recorded")
		}

		all, err := db.ListEvents(ctx, auth.EventQuery{})
		wantNoErr(t, "ListEvents", err)
		if len(all) != 7 || all[0].Kind != "admin_revoke" || all[0].ActorID != admin.ID || all[0].UserEmail != "Audited@Example.com" {
			t.Fatalf("newest first: %+v", all)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Errorf("ids not descending: %d then %d", all[i-1].ID, all[i].ID)
			}
		}
		last := all[2] // the fifth recorded, "logout"
		if last.Kind != "logout" || last.Detail != "n=4" || last.ClientIP != "192.0.2.1" || last.UserAgent != "ua" || last.UserID != u.ID || last.ActorID != "" {
			t.Errorf("event = %+v", last)
		}
		sameTime(t, "At", last.At, recorded[4].At)
		if anon := all[1]; anon.UserID != "" || anon.UserEmail != "" {
			t.Errorf("anonymous event = %+v", anon)
		}

		page, _ := db.ListEvents(ctx, auth.EventQuery{BeforeID: all[2].ID, Limit: 2})
		if len(page) != 2 || page[0].ID != all[3].ID || page[1].ID != all[4].ID {
			t.Errorf("page before %d = %+v", all[2].ID, page)
		}
		if got, _ := db.ListEvents(ctx, auth.EventQuery{Kind: "login_failed"}); len(got) != 3 {
			t.Errorf("kind login_failed: %d events, want 3", len(got))
		}
		if got, _ := db.ListEvents(ctx, auth.EventQuery{Kind: "login_failed", UserID: u.ID}); len(got) != 2 {
			t.Errorf("kind+user: %d events, want 2", len(got))
		}
		if got, _ := db.ListEvents(ctx, auth.EventQuery{Search: "AUDITED@"}); len(got) != 6 {
			t.Errorf("search by e-mail: %d events, want 6", len(got))
		}
		if got, err := db.ListEvents(ctx, auth.EventQuery{UserID: "nope"}); err != nil || len(got) != 0 {
			t.Errorf("UserID not a UUID: %v, %v", got, err)
		}

		counts, err := db.CountEvents(ctx, t0.Add(time.Minute))
		wantNoErr(t, "CountEvents", err)
		want := map[string]int{"login_failed": 2, "refresh": 1, "logout": 1, "admin_revoke": 1}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("CountEvents = %v, want %v", counts, want)
		}
	}},
}

func adminSession(userID string, created time.Time) auth.AdminSession {
	return auth.AdminSession{ID: "sha256:" + newJTI(), UserID: userID, CSRFSecret: newJTI(), CreatedAt: created,
		ExpiresAt: created.Add(12 * time.Hour), LastSeenAt: created, ClientIP: "10.0.0.1", UserAgent: "Chrome"}
}

var adminSessionCases = []suiteCase{
	{"admin sessions/lifecycle", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "staff@example.com")
		s := adminSession(u.ID, t0)
		wantNoErr(t, "CreateAdminSession", db.CreateAdminSession(ctx, s))
		wantErr(t, "same id", db.CreateAdminSession(ctx, s), auth.ErrConflict)
		wantErr(t, "unknown user", db.CreateAdminSession(ctx, adminSession(newUUID(), t0)), auth.ErrNotFound)
		got, err := db.AdminSessionByID(ctx, s.ID)
		wantNoErr(t, "AdminSessionByID", err)
		if got.ID != s.ID || got.UserID != u.ID || got.CSRFSecret != s.CSRFSecret || got.ClientIP != s.ClientIP || got.UserAgent != s.UserAgent {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, s.CreatedAt)
		sameTime(t, "ExpiresAt", got.ExpiresAt, s.ExpiresAt)

		wantNoErr(t, "TouchAdminSession", db.TouchAdminSession(ctx, s.ID, t0.Add(time.Hour)))
		got, _ = db.AdminSessionByID(ctx, s.ID)
		sameTime(t, "LastSeenAt", got.LastSeenAt, t0.Add(time.Hour))
		wantErr(t, "TouchAdminSession(missing)", db.TouchAdminSession(ctx, "missing", t0), auth.ErrNotFound)

		wantNoErr(t, "DeleteAdminSession", db.DeleteAdminSession(ctx, s.ID))
		_, err = db.AdminSessionByID(ctx, s.ID)
		wantErr(t, "deleted session", err, auth.ErrNotFound)
		wantErr(t, "DeleteAdminSession again", db.DeleteAdminSession(ctx, s.ID), auth.ErrNotFound)

		other := mustUser(t, db, "other-staff@example.com")
		keep := adminSession(other.ID, t0)
		wantNoErr(t, "CreateAdminSession", db.CreateAdminSession(ctx, keep))
		for range 2 {
			wantNoErr(t, "CreateAdminSession", db.CreateAdminSession(ctx, adminSession(u.ID, t0)))
		}
		wantNoErr(t, "DeleteAdminSessionsOfUser", db.DeleteAdminSessionsOfUser(ctx, u.ID))
		if _, err := db.AdminSessionByID(ctx, keep.ID); err != nil {
			t.Errorf("other user's session deleted: %v", err)
		}
		old := adminSession(u.ID, t0.Add(-24*time.Hour))
		wantNoErr(t, "CreateAdminSession", db.CreateAdminSession(ctx, old))
		n, err := db.DeleteExpiredAdminSessions(ctx, t0)
		wantNoErr(t, "DeleteExpiredAdminSessions", err)
		if n != 1 {
			t.Errorf("DeleteExpiredAdminSessions = %d, want 1 (only the expired one was left)", n)
		}
		if _, err := db.AdminSessionByID(ctx, keep.ID); err != nil {
			t.Errorf("live session deleted: %v", err)
		}
	}},
}
