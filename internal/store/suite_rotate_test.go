package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
)

var rotateCases = []suiteCase{
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
	{"rotate/50 goroutines, one winner", func(t *testing.T, b backend) {
		db := b.open(t)
		u := mustUser(t, db, "race@example.com")
		old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		raceRotate(t, []*store.DB{db}, u.ID, old, 50)
	}},
	{"rotate/peer token, 50 goroutines, one winner", func(t *testing.T, b backend) {
		db := b.open(t)
		u := mustUser(t, db, "peerrace@example.com")
		raceRotate(t, []*store.DB{db}, u.ID, tok(u.ID, "", t0, time.Hour), 50)
	}},
	{"rotate/separate handles, one winner", func(t *testing.T, b backend) {
		url := b.url(t)
		var dbs []*store.DB
		for range 4 {
			dbs = append(dbs, storetest.Open(t, url, store.Options{MaxOpenConns: 4}))
		}
		u := mustUser(t, dbs[0], "procs@example.com")
		old := mustRecord(t, dbs[0], tok(u.ID, "", t0, time.Hour))
		raceRotate(t, dbs, u.ID, old, 40)
	}},
}

// raceRotate rotates old from n goroutines spread over dbs and checks that exactly one won,
// the others saw auth.ErrBlacklisted, and the family gained exactly one token.
func raceRotate(t *testing.T, dbs []*store.DB, userID string, old auth.OutstandingToken, n int) {
	t.Helper()
	ctx := ctxT(t)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			next := tok(userID, old.FamilyID, t0.Add(time.Minute), time.Hour)
			errs[i] = dbs[i%len(dbs)].Rotate(ctx, old, next, t0.Add(time.Minute))
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
