package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

var tokenCases = []suiteCase{
	{"tokens/record login: token and event together, or neither", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "login@example.com")
		tk := tok(u.ID, "", t0, time.Hour)
		ev := auth.AuditEvent{At: t0, UserID: u.ID, Kind: "login_ok", ClientIP: "192.0.2.7", UserAgent: "curl/8.5", Detail: "two-factor"}
		wantNoErr(t, "RecordLogin", db.RecordLogin(ctx, tk, ev))
		if g := mustToken(t, db, tk.JTI); g.UserID != u.ID || g.FamilyID != tk.JTI || g.Token != tk.Token {
			t.Errorf("token after RecordLogin: %+v", g)
		}
		evs, err := db.ListEvents(ctx, auth.EventQuery{UserID: u.ID})
		wantNoErr(t, "ListEvents", err)
		if len(evs) != 1 || evs[0].Kind != "login_ok" || evs[0].Detail != "two-factor" || evs[0].ClientIP != "192.0.2.7" {
			t.Fatalf("events after RecordLogin: %+v", evs)
		}
		sameTime(t, "event At", evs[0].At, t0)

		clash := tok(u.ID, "", t0, time.Hour)
		clash.JTI = tk.JTI
		wantErr(t, "RecordLogin of a taken jti", db.RecordLogin(ctx, clash, ev), auth.ErrConflict)
		if evs, _ := db.ListEvents(ctx, auth.EventQuery{UserID: u.ID}); len(evs) != 1 {
			t.Errorf("a failed RecordLogin left its event: %d events", len(evs))
		}
		ghost := tok("0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", "", t0, time.Hour)
		wantErr(t, "RecordLogin of an unknown user", db.RecordLogin(ctx, ghost, ev), auth.ErrNotFound)
		if err := db.RecordLogin(ctx, tok(u.ID, "", t0, time.Hour), auth.AuditEvent{At: t0}); err == nil {
			t.Error("RecordLogin with an event without a kind succeeded")
		}
		if evs, _ := db.ListEvents(ctx, auth.EventQuery{UserID: u.ID}); len(evs) != 1 {
			t.Errorf("failed RecordLogins left events: %d", len(evs))
		}
	}},
	{"tokens/record and read back", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "Tok@Example.com")
		first := tok(u.ID, "", t0, 72*time.Hour)
		first.FamilyID = "" // a token without a family starts its own
		mustRecord(t, db, first)
		got := mustToken(t, db, first.JTI)
		if got.ID == 0 || got.UserID != u.ID || got.Token != first.Token || got.FamilyID != first.JTI ||
			got.ParentJTI != "" || got.ClientIP != "192.0.2.7" || got.UserAgent != "curl/8.5" {
			t.Errorf("read back %+v", got)
		}
		if got.Blacklisted || !got.BlacklistedAt.IsZero() || got.Reason != "" {
			t.Errorf("fresh token shows blacklist state: %+v", got)
		}
		if got.UserEmail != "Tok@Example.com" {
			t.Errorf("UserEmail = %q", got.UserEmail)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, first.CreatedAt)
		sameTime(t, "ExpiresAt", got.ExpiresAt, first.ExpiresAt)

		anon := tok("", "", t0, time.Hour)
		mustRecord(t, db, anon)
		if g := mustToken(t, db, anon.JTI); g.UserID != "" || g.UserEmail != "" {
			t.Errorf("token without user: %+v", g)
		}

		wantErr(t, "same jti", db.RecordOutstanding(ctx, first), auth.ErrConflict)
		wantErr(t, "unknown user", db.RecordOutstanding(ctx, tok(newUUID(), "", t0, time.Hour)), auth.ErrNotFound)
		if err := db.RecordOutstanding(ctx, tok("7", "", t0, time.Hour)); err == nil || !strings.Contains(err.Error(), "invalid user id") {
			t.Errorf("user id 7: %v, want an invalid user id error", err)
		}
		noJTI := tok(u.ID, "", t0, time.Hour)
		noJTI.JTI = ""
		if err := db.RecordOutstanding(ctx, noJTI); err == nil {
			t.Error("token without jti recorded")
		}
		_, err := db.TokenByJTI(ctx, "missing")
		wantErr(t, "TokenByJTI(missing)", err, auth.ErrNotFound)
	}},
	{"tokens/blacklist", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "bl@example.com")
		known := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, known, auth.ReasonLogout, t0.Add(time.Second)))
		got := mustToken(t, db, known.JTI)
		if !got.Blacklisted || got.Reason != auth.ReasonLogout {
			t.Errorf("after Blacklist: %+v", got)
		}
		sameTime(t, "BlacklistedAt", got.BlacklistedAt, t0.Add(time.Second))
		wantErr(t, "Blacklist again", db.Blacklist(ctx, known, auth.ReasonAdmin, t0), auth.ErrBlacklisted)
		if g := mustToken(t, db, known.JTI); g.Reason != auth.ReasonLogout {
			t.Errorf("second Blacklist changed the reason to %q", g.Reason)
		}

		peer := tok(u.ID, "", t0, time.Hour) // issued by a peer deployment: never recorded here
		wantNoErr(t, "Blacklist unknown token", db.Blacklist(ctx, peer, auth.ReasonBlacklist, t0))
		if g := mustToken(t, db, peer.JTI); !g.Blacklisted || g.Reason != auth.ReasonBlacklist || g.Token != peer.Token {
			t.Errorf("peer token after Blacklist: %+v", g)
		}
		if err := db.Blacklist(ctx, tok(u.ID, "", t0, time.Hour), "", t0); err == nil {
			t.Error("Blacklist without reason succeeded")
		}
	}},
	{"tokens/revoke family", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "fam@example.com")
		a := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		a2 := mustRecord(t, db, tok(u.ID, a.JTI, t0.Add(time.Minute), time.Hour))
		a3 := mustRecord(t, db, tok(u.ID, a.JTI, t0.Add(2*time.Minute), time.Hour))
		other := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, a, auth.ReasonRotated, t0))

		n, err := db.EndSession(ctx, a.FamilyID, u.ID, auth.ReasonReuseDetected, t0.Add(time.Hour))
		wantNoErr(t, "EndSession", err)
		if n != 2 {
			t.Errorf("EndSession = %d, want 2 (one was blacklisted already)", n)
		}
		if g := mustToken(t, db, a.JTI); g.Reason != auth.ReasonRotated {
			t.Errorf("already blacklisted token's reason became %q", g.Reason)
		}
		for _, tk := range []auth.OutstandingToken{a2, a3} {
			if g := mustToken(t, db, tk.JTI); !g.Blacklisted || g.Reason != auth.ReasonReuseDetected {
				t.Errorf("family member: %+v", g)
			}
		}
		if mustToken(t, db, other.JTI).Blacklisted {
			t.Error("another family was revoked")
		}
		if n, _ := db.EndSession(ctx, a.FamilyID, u.ID, auth.ReasonReuseDetected, t0); n != 0 {
			t.Errorf("EndSession again = %d, want 0", n)
		}
		if _, err := db.EndSession(ctx, "", u.ID, auth.ReasonAdmin, t0); err == nil {
			t.Error("EndSession without id succeeded")
		}
	}},
	{"tokens/revoke user moves tokens_valid_after forward only", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "all@example.com")
		other := mustUser(t, db, "stay@example.com")
		var mine []auth.OutstandingToken
		for i := range 3 {
			mine = append(mine, mustRecord(t, db, tok(u.ID, "", t0.Add(time.Duration(i)*time.Minute), time.Hour)))
		}
		expired := mustRecord(t, db, tok(u.ID, "", t0.Add(-3*time.Hour), time.Hour))
		keep := mustRecord(t, db, tok(other.ID, "", t0, time.Hour))

		later := t0.Add(time.Hour).Truncate(time.Second)
		n, err := db.RevokeUser(ctx, u.ID, auth.ReasonLogoutAll, t0.Add(time.Hour), later)
		wantNoErr(t, "RevokeUser", err)
		if n != 4 {
			t.Errorf("RevokeUser = %d, want 4 (every token not yet blacklisted)", n)
		}
		for _, tk := range append(mine, expired) {
			if g := mustToken(t, db, tk.JTI); !g.Blacklisted || g.Reason != auth.ReasonLogoutAll {
				t.Errorf("user token: %+v", g)
			}
		}
		if mustToken(t, db, keep.JTI).Blacklisted {
			t.Error("another user's token was revoked")
		}
		got, _ := db.UserByID(ctx, u.ID)
		sameTime(t, "TokensValidAfter", got.TokensValidAfter, later)

		n, err = db.RevokeUser(ctx, u.ID, auth.ReasonLogoutAll, t0, t0.Add(-48*time.Hour))
		wantNoErr(t, "RevokeUser with an earlier instant", err)
		if n != 0 {
			t.Errorf("second RevokeUser = %d, want 0", n)
		}
		got, _ = db.UserByID(ctx, u.ID)
		sameTime(t, "TokensValidAfter after an earlier validAfter", got.TokensValidAfter, later)
		if o, _ := db.UserByID(ctx, other.ID); o.TokensValidAfter != micro(other.TokensValidAfter) {
			t.Errorf("other user's TokensValidAfter moved to %v", o.TokensValidAfter)
		}

		_, err = db.RevokeUser(ctx, newUUID(), auth.ReasonLogoutAll, t0, t0)
		wantErr(t, "RevokeUser(unknown)", err, auth.ErrNotFound)
	}},
	{"tokens/flush expired in batches", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "flush@example.com")
		var live []auth.OutstandingToken
		for i := range 25 {
			tk := mustRecord(t, db, tok(u.ID, "", t0.Add(-48*time.Hour), time.Hour+time.Duration(i)*time.Second))
			if i%5 == 0 {
				wantNoErr(t, "Blacklist", db.Blacklist(ctx, tk, auth.ReasonRotated, t0.Add(-47*time.Hour)))
			}
		}
		for range 5 {
			tk := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
			wantNoErr(t, "Blacklist", db.Blacklist(ctx, tk, auth.ReasonLogout, t0))
			live = append(live, tk)
		}
		edge := mustRecord(t, db, tok(u.ID, "", t0.Add(-time.Hour), time.Hour)) // expires exactly at t0

		var got []int
		for {
			n, err := db.FlushExpired(ctx, t0, 10)
			wantNoErr(t, "FlushExpired", err)
			got = append(got, n)
			if n < 10 {
				break
			}
		}
		if len(got) != 3 || got[0] != 10 || got[1] != 10 || got[2] != 5 {
			t.Errorf("batches = %v, want [10 10 5]", got)
		}
		stats, err := db.TokenStats(ctx, t0)
		wantNoErr(t, "TokenStats", err)
		if stats.Outstanding != 6 || stats.Blacklisted != 5 {
			t.Errorf("after flush: %+v, want 6 outstanding (5 live + 1 expiring at the instant) and only their 5 blacklist rows", stats)
		}
		for _, tk := range append(live, edge) {
			mustToken(t, db, tk.JTI)
		}
		if _, err := db.FlushExpired(ctx, t0, 0); err == nil {
			t.Error("FlushExpired with batch 0 succeeded")
		}
	}},
	{"tokens/flush batches larger than one transaction", func(t *testing.T, b backend) {
		// FlushExpired splits a batch into several short transactions; the count it returns
		// is still the batch's, so a caller looping until a short batch stops at the end only.
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "flush-big@example.com")
		for i := range 257 {
			tk := mustRecord(t, db, tok(u.ID, "", t0.Add(-48*time.Hour), time.Duration(i+1)*time.Second))
			if i%2 == 0 {
				wantNoErr(t, "Blacklist", db.Blacklist(ctx, tk, auth.ReasonRotated, t0.Add(-47*time.Hour)))
			}
		}
		live := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		var got []int
		for {
			n, err := db.FlushExpired(ctx, t0, 120)
			wantNoErr(t, "FlushExpired", err)
			got = append(got, n)
			if n < 120 {
				break
			}
		}
		if len(got) != 3 || got[0] != 120 || got[1] != 120 || got[2] != 17 {
			t.Errorf("batches = %v, want [120 120 17]", got)
		}
		stats, err := db.TokenStats(ctx, t0)
		wantNoErr(t, "TokenStats", err)
		if stats.Outstanding != 1 || stats.Blacklisted != 0 {
			t.Errorf("after flush: %+v, want only the live token", stats)
		}
		mustToken(t, db, live.JTI)
	}},
}
