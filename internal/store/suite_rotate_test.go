package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
)

var rotateCases = slices.Concat(raceCases("rotate", rotateFull), raceCases("rotate recorded", rotateRecorded), []suiteCase{
	{"rotate/once, then blacklisted", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "rot@example.com")
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		next := tok(u.ID, "", t0.Add(time.Minute), time.Hour)
		next.FamilyID = "" // inherited from old

		at := t0.Add(time.Minute)
		wantNoErr(t, "Rotate", db.Rotate(ctx, old, next, at))
		g := mustToken(t, db, old.JTI)
		if !g.Blacklisted || g.Reason != auth.ReasonRotated {
			t.Errorf("old after Rotate: %+v", g)
		}
		sameTime(t, "old BlacklistedAt", g.BlacklistedAt, at)
		n := mustToken(t, db, next.JTI)
		if n.Blacklisted || n.FamilyID != old.JTI || n.ParentJTI != old.JTI || n.UserID != u.ID {
			t.Errorf("next after Rotate: %+v, want family and parent %s", n, old.JTI)
		}

		again := tok(u.ID, old.JTI, t0.Add(2*time.Minute), time.Hour)
		wantErr(t, "Rotate a rotated token", db.Rotate(ctx, old, again, at), auth.ErrBlacklisted)
		_, err := db.TokenByJTI(ctx, again.JTI)
		wantErr(t, "losing rotation's next token", err, auth.ErrNotFound)
	}},
	{"rotate/peer token recorded on the way", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "peer@example.com")
		old := tok(u.ID, "", t0, time.Hour) // a peer SimpleJWT deployment issued it
		next := tok(u.ID, old.JTI, t0.Add(time.Minute), time.Hour)
		wantNoErr(t, "Rotate", db.Rotate(ctx, old, next, t0))
		if g := mustToken(t, db, old.JTI); !g.Blacklisted || g.Token != old.Token {
			t.Errorf("peer token: %+v", g)
		}
		mustToken(t, db, next.JTI)
	}},
	{"rotate/failure writes nothing", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "atomic@example.com")
		taken := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		clash := tok(u.ID, old.JTI, t0, time.Hour)
		clash.JTI = taken.JTI
		wantErr(t, "Rotate onto a taken jti", db.Rotate(ctx, old, clash, t0), auth.ErrConflict)
		if mustToken(t, db, old.JTI).Blacklisted {
			t.Error("old was blacklisted although the rotation failed")
		}
		peer := tok(u.ID, "", t0, time.Hour)
		wantErr(t, "Rotate a peer token onto a taken jti", db.Rotate(ctx, peer, clash, t0), auth.ErrConflict)
		_, err := db.TokenByJTI(ctx, peer.JTI)
		wantErr(t, "peer token of a failed rotation", err, auth.ErrNotFound)
		if err := db.Rotate(ctx, old, old, t0); err == nil {
			t.Error("Rotate onto the same jti succeeded")
		}
		wantNoErr(t, "Rotate after the failures", db.Rotate(ctx, old, tok(u.ID, old.JTI, t0, time.Hour), t0))
	}},
	{"rotate/peer token, 50 goroutines, one winner", func(t *testing.T, b backend) {
		db := b.open(t)
		u := mustUser(t, db, "peerrace@example.com")
		peer := tok(u.ID, "", t0, time.Hour)
		raceRotate(t, []*store.DB{db}, u.ID, peer, 50, rotateFull(peer))
	}},
	{"rotate recorded/once, then blacklisted; unknown", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "rr@example.com")
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		next := tok(u.ID, "ignored", t0.Add(time.Minute), time.Hour)
		next.ParentJTI, next.ClientIP, next.UserAgent = "ignored", "198.51.100.9", "app/2"
		// blacklisted_at is when the rotation ran, and never before at.
		at := t0.Add(time.Minute)
		ran := time.Now().UTC().Truncate(time.Microsecond)
		wantNoErr(t, "RotateRecorded", db.RotateRecorded(ctx, old.JTI, next, at))
		g := mustToken(t, db, old.JTI)
		if !g.Blacklisted || g.Reason != auth.ReasonRotated {
			t.Errorf("old after RotateRecorded: %+v", g)
		}
		if g.BlacklistedAt.Before(ran) || g.BlacklistedAt.After(time.Now()) {
			t.Errorf("old BlacklistedAt = %v, want the time the rotation ran (%v or a little later)", g.BlacklistedAt, ran)
		}
		n := mustToken(t, db, next.JTI)
		if n.Blacklisted || n.FamilyID != old.JTI || n.ParentJTI != old.JTI || n.UserID != u.ID ||
			n.Token != next.Token || n.ClientIP != "198.51.100.9" || n.UserAgent != "app/2" {
			t.Errorf("next after RotateRecorded: %+v, want family and parent %s", n, old.JTI)
		}
		sameTime(t, "next ExpiresAt", n.ExpiresAt, next.ExpiresAt)
		third := tok(u.ID, "", t0.Add(2*time.Minute), time.Hour)
		future := time.Now().Add(time.Hour)
		wantNoErr(t, "RotateRecorded the next token", db.RotateRecorded(ctx, next.JTI, third, future))
		if g := mustToken(t, db, third.JTI); g.FamilyID != old.JTI || g.ParentJTI != next.JTI {
			t.Errorf("third token: family %s parent %s, want %s and %s", g.FamilyID, g.ParentJTI, old.JTI, next.JTI)
		}
		sameTime(t, "next BlacklistedAt, at in the future", mustToken(t, db, next.JTI).BlacklistedAt, future)

		again := tok(u.ID, "", t0.Add(2*time.Minute), time.Hour)
		wantErr(t, "RotateRecorded a rotated token", db.RotateRecorded(ctx, old.JTI, again, at), auth.ErrBlacklisted)
		unknown := tok(u.ID, "", t0, time.Hour)
		wantErr(t, "RotateRecorded an unknown token", db.RotateRecorded(ctx, unknown.JTI, again, at), auth.ErrNotFound)
		_, err := db.TokenByJTI(ctx, again.JTI)
		wantErr(t, "refused rotations' next token", err, auth.ErrNotFound)
		if err := db.RotateRecorded(ctx, again.JTI, again, at); err == nil {
			t.Error("RotateRecorded onto the same jti succeeded")
		}
	}},
	{"rotate recorded/failure writes nothing", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "rratomic@example.com")
		taken := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		clash := tok(u.ID, "", t0, time.Hour)
		clash.JTI = taken.JTI
		wantErr(t, "RotateRecorded onto a taken jti", db.RotateRecorded(ctx, old.JTI, clash, t0), auth.ErrConflict)
		if mustToken(t, db, old.JTI).Blacklisted {
			t.Error("old was blacklisted although the rotation failed")
		}
		wantNoErr(t, "RotateRecorded after the failure", db.RotateRecorded(ctx, old.JTI, tok(u.ID, "", t0, time.Hour), t0))
	}},
	{"rotate recorded/many chains at once", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "chains@example.com")
		const chains, steps = 24, 15
		heads := make([]auth.OutstandingToken, chains)
		for i := range heads {
			heads[i] = mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		}
		errs := make(chan error, chains)
		var wg sync.WaitGroup
		for i := range chains {
			wg.Go(func() {
				prev := heads[i].JTI
				for range steps {
					next := tok(u.ID, "", t0, time.Hour)
					if err := db.RotateRecorded(ctx, prev, next, t0); err != nil {
						errs <- err
						return
					}
					prev = next.JTI
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a chain's rotation failed: %v", err)
		}
		all, err := db.ListTokens(ctx, auth.TokenQuery{UserID: u.ID, Limit: 1000})
		wantNoErr(t, "ListTokens", err)
		live := map[string]int{}
		size := map[string]int{}
		for _, tk := range all {
			size[tk.FamilyID]++
			if !tk.Blacklisted {
				live[tk.FamilyID]++
			}
		}
		for _, h := range heads {
			if size[h.JTI] != steps+1 || live[h.JTI] != 1 {
				t.Errorf("family %s: %d tokens, %d live; want %d and 1", h.JTI, size[h.JTI], live[h.JTI], steps+1)
			}
		}
	}},
})

// raceCases are the one-winner cases of a rotation function: many goroutines on one store
// handle, and on several handles as several instances have.
func raceCases(name string, rotate func(old auth.OutstandingToken) func(*store.DB, auth.OutstandingToken) error) []suiteCase {
	return []suiteCase{
		{name + "/50 goroutines, one winner", func(t *testing.T, b backend) {
			db := b.open(t)
			u := mustUser(t, db, "race@example.com")
			old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
			raceRotate(t, []*store.DB{db}, u.ID, old, 50, rotate(old))
		}},
		{name + "/separate handles, one winner", func(t *testing.T, b backend) {
			url := b.url(t)
			var dbs []*store.DB
			for range 4 {
				dbs = append(dbs, storetest.Open(t, url, b.with(store.Options{MaxOpenConns: 4})))
			}
			u := mustUser(t, dbs[0], "procs@example.com")
			old := mustRecord(t, dbs[0], tok(u.ID, "", t0, time.Hour))
			raceRotate(t, dbs, u.ID, old, 40, rotate(old))
		}},
	}
}

func rotateFull(old auth.OutstandingToken) func(*store.DB, auth.OutstandingToken) error {
	return func(db *store.DB, next auth.OutstandingToken) error {
		return db.Rotate(context.Background(), old, next, t0.Add(time.Minute))
	}
}

func rotateRecorded(old auth.OutstandingToken) func(*store.DB, auth.OutstandingToken) error {
	return func(db *store.DB, next auth.OutstandingToken) error {
		return db.RotateRecorded(context.Background(), old.JTI, next, t0.Add(time.Minute))
	}
}

// raceRotate rotates old from n goroutines spread over dbs and checks that exactly one won,
// the others saw auth.ErrBlacklisted, and the family gained exactly one token.
func raceRotate(t *testing.T, dbs []*store.DB, userID string, old auth.OutstandingToken, n int,
	rotate func(*store.DB, auth.OutstandingToken) error) {
	t.Helper()
	ctx := ctxT(t)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			next := tok(userID, old.FamilyID, t0.Add(time.Minute), time.Hour)
			errs[i] = rotate(dbs[i%len(dbs)], next)
		})
	}
	close(start)
	wg.Wait()

	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, auth.ErrBlacklisted):
			t.Errorf("a losing Rotate returned %v, want %v", err, auth.ErrBlacklisted)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d concurrent rotations succeeded, want exactly 1", wins, n)
	}
	family, err := dbs[0].ListTokens(ctx, auth.TokenQuery{UserID: userID, Limit: 1000})
	wantNoErr(t, "ListTokens", err)
	members, live := 0, 0
	for _, tk := range family {
		if tk.FamilyID == old.FamilyID {
			members++
			if !tk.Blacklisted {
				live++
			}
		}
	}
	if members != 2 || live != 1 {
		t.Errorf("family has %d tokens (%d live), want old + exactly one new", members, live)
	}
}
