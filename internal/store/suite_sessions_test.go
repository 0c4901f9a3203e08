package store_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

var sessionCases = []suiteCase{
	{"sessions/migration gives existing families opaque ids", func(t *testing.T, b backend) {
		// Families recorded before 0003 are named by their first token's jti (review finding
		// 13.5): the migration renames each with one fresh random id.
		url := b.url(t)
		db := openRaw(t, url, b.with(store.Options{}))
		ctx := ctxT(t)
		wantNoErr(t, "MigrateTo 0001", db.MigrateTo(ctx, "0001_init"))
		u := oldUser(t, url, "old-families@example.com")
		a := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		a2 := mustRecord(t, db, tok(u.ID, a.JTI, t0.Add(time.Minute), time.Hour))
		other := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "Migrate", db.Migrate(ctx))

		ga, ga2, gother := mustToken(t, db, a.JTI), mustToken(t, db, a2.JTI), mustToken(t, db, other.JTI)
		opaque := regexp.MustCompile(`^[0-9a-f]{32}$`)
		for _, g := range []auth.OutstandingToken{ga, ga2, gother} {
			if !opaque.MatchString(g.FamilyID) || g.FamilyID == a.JTI || g.FamilyID == a2.JTI || g.FamilyID == other.JTI {
				t.Errorf("token %s: family %q is not a fresh opaque id", g.JTI, g.FamilyID)
			}
		}
		if ga.FamilyID != ga2.FamilyID || ga.FamilyID == gother.FamilyID {
			t.Errorf("families after migration: %q, %q, %q (want the first two equal, the third apart)",
				ga.FamilyID, ga2.FamilyID, gother.FamilyID)
		}
		ss, err := db.Sessions(ctx, u.ID, t0)
		if wantNoErr(t, "Sessions", err); len(ss) != 2 {
			t.Errorf("Sessions after migration = %+v, want 2", ss)
		}
	}},
	{"sessions/end one", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "end-one@example.com")
		a := mustRecord(t, db, tok(u.ID, "s-a", t0, time.Hour))
		a2 := mustRecord(t, db, tok(u.ID, "s-a", t0.Add(time.Minute), time.Hour))
		other := mustRecord(t, db, tok(u.ID, "s-other", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, a, auth.ReasonRotated, t0))

		n, err := db.EndSession(ctx, "s-a", u.ID, auth.ReasonSession, t0.Add(time.Hour))
		if wantNoErr(t, "EndSession", err); n != 1 {
			t.Errorf("EndSession = %d, want 1 (one token was blacklisted already)", n)
		}
		if g := mustToken(t, db, a2.JTI); !g.Blacklisted || g.Reason != auth.ReasonSession {
			t.Errorf("live token of the ended session: %+v", g)
		}
		if g := mustToken(t, db, a.JTI); g.Reason != auth.ReasonRotated {
			t.Errorf("already blacklisted token's reason became %q", g.Reason)
		}
		if mustToken(t, db, other.JTI).Blacklisted {
			t.Error("another session was ended")
		}
		if n, err := db.EndSession(ctx, "s-a", u.ID, auth.ReasonReuseDetected, t0.Add(2*time.Hour)); err != nil || n != 0 {
			t.Errorf("EndSession again = %d, %v; want 0", n, err)
		}
		ended, err := db.EndedSessions(ctx, t0)
		wantNoErr(t, "EndedSessions", err)
		if len(ended) != 1 || ended[0].ID != "s-a" || ended[0].UserID != u.ID || ended[0].Reason != auth.ReasonSession ||
			!ended[0].EndedAt.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("EndedSessions = %+v, want s-a ended once, at its first end", ended)
		}
		if later, _ := db.EndedSessions(ctx, t0.Add(90*time.Minute)); len(later) != 0 {
			t.Errorf("EndedSessions after the end = %+v", later)
		}
		if _, err := db.EndSession(ctx, "", u.ID, auth.ReasonSession, t0); err == nil {
			t.Error("EndSession without id succeeded")
		}
		if _, err := db.EndSession(ctx, "s-x", "", auth.ReasonSession, t0); err != nil {
			t.Errorf("EndSession of a session with no user recorded: %v", err)
		}
	}},
	{"sessions/end all of a user but one", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u, v := mustUser(t, db, "end-all@example.com"), mustUser(t, db, "bystander@example.com")
		f := mustRecord(t, db, tok(u.ID, "s-f", t0, time.Hour))
		g := mustRecord(t, db, tok(u.ID, "s-g", t0, time.Hour))
		h := mustRecord(t, db, tok(u.ID, "s-h", t0, time.Hour))
		dead := mustRecord(t, db, tok(u.ID, "s-dead", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, dead, auth.ReasonLogout, t0))
		vs := mustRecord(t, db, tok(v.ID, "s-v", t0, time.Hour))

		n, err := db.EndSessionsOfUser(ctx, u.ID, "s-g", auth.ReasonPassword, t0.Add(time.Minute))
		if wantNoErr(t, "EndSessionsOfUser", err); n != 2 {
			t.Errorf("EndSessionsOfUser = %d, want 2 (f and h; g kept, dead already over)", n)
		}
		for _, x := range []auth.OutstandingToken{f, h} {
			if got := mustToken(t, db, x.JTI); !got.Blacklisted || got.Reason != auth.ReasonPassword {
				t.Errorf("token of an ended session: %+v", got)
			}
		}
		if mustToken(t, db, g.JTI).Blacklisted || mustToken(t, db, vs.JTI).Blacklisted {
			t.Error("the kept session or another user's was ended")
		}
		ended, _ := db.EndedSessions(ctx, t0)
		if len(ended) != 2 || ended[0].ID == ended[1].ID {
			t.Errorf("EndedSessions = %+v, want s-f and s-h", ended)
		}
		for _, e := range ended {
			if (e.ID != "s-f" && e.ID != "s-h") || e.UserID != u.ID {
				t.Errorf("ended %+v", e)
			}
		}
		if n, err := db.EndSessionsOfUser(ctx, u.ID, "", auth.ReasonLogoutAll, t0.Add(2*time.Minute)); err != nil || n != 1 {
			t.Errorf("EndSessionsOfUser(keep none) = %d, %v; want 1 (g)", n, err)
		}
		if _, err := db.EndSessionsOfUser(ctx, "not-a-uuid", "", auth.ReasonLogoutAll, t0); err == nil {
			t.Error("EndSessionsOfUser with a malformed user id succeeded")
		}
	}},
	{"sessions/a token of an ended session is never rotated", func(t *testing.T, b backend) {
		// A rotation that raced with the end (PostgreSQL, read committed) can leave a token the
		// end's snapshot missed: recorded here by hand. Neither rotation path rotates it.
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "zombie@example.com")
		mustRecord(t, db, tok(u.ID, "s-z", t0, time.Hour))
		_, err := db.EndSession(ctx, "s-z", u.ID, auth.ReasonSession, t0)
		wantNoErr(t, "EndSession", err)
		zombie := mustRecord(t, db, tok(u.ID, "s-z", t0.Add(time.Second), time.Hour))

		next := tok(u.ID, "", t0.Add(2*time.Second), time.Hour)
		wantErr(t, "RotateRecorded", db.RotateRecorded(ctx, zombie.JTI, next, t0.Add(2*time.Second)), auth.ErrBlacklisted)
		wantErr(t, "Rotate", db.Rotate(ctx, zombie, next, t0.Add(2*time.Second)), auth.ErrBlacklisted)
		if _, err := db.TokenByJTI(ctx, next.JTI); err == nil {
			t.Error("a successor was recorded for a token of an ended session")
		}
	}},
	{"sessions/revoke user records its sessions ended", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "revoke-ends@example.com")
		mustRecord(t, db, tok(u.ID, "s-1", t0, time.Hour))
		mustRecord(t, db, tok(u.ID, "s-2", t0, time.Hour))
		_, err := db.RevokeUser(ctx, u.ID, auth.ReasonLogoutAll, t0, t0.Add(time.Second))
		wantNoErr(t, "RevokeUser", err)
		if ended, _ := db.EndedSessions(ctx, t0); len(ended) != 2 {
			t.Errorf("EndedSessions after RevokeUser = %+v, want both", ended)
		}
	}},
	{"sessions/flush forgets ended sessions with no token left", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "flush-ended@example.com")
		mustRecord(t, db, tok(u.ID, "s-kept", t0, time.Hour))
		_, err := db.EndSession(ctx, "s-kept", u.ID, auth.ReasonSession, t0)
		wantNoErr(t, "EndSession", err)
		_, err = db.EndSession(ctx, "s-gone", u.ID, auth.ReasonSession, t0) // its tokens were flushed
		wantNoErr(t, "EndSession", err)
		n, err := db.FlushEndedSessions(ctx, t0.Add(time.Second))
		if wantNoErr(t, "FlushEndedSessions", err); n != 1 {
			t.Errorf("FlushEndedSessions = %d, want 1", n)
		}
		if ended, _ := db.EndedSessions(ctx, t0); len(ended) != 1 || ended[0].ID != "s-kept" {
			t.Errorf("EndedSessions after flush = %+v", ended)
		}
	}},
}
