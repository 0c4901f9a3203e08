package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

var tokenQueryCases = []suiteCase{
	{"tokens/list pages, filters and searches", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		alice := mustUser(t, db, "Alice@Example.com")
		bob := mustUser(t, db, "bob@example.org")
		var all []auth.OutstandingToken // in insertion order, so ids ascend
		for i := range 6 {
			all = append(all, mustRecord(t, db, tok(alice.ID, "", t0.Add(time.Duration(i)*time.Minute), time.Hour)))
		}
		expired := mustRecord(t, db, tok(bob.ID, "", t0.Add(-2*time.Hour), time.Hour))
		blacklisted := mustRecord(t, db, tok(bob.ID, "", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, blacklisted, auth.ReasonAdmin, t0))
		all = append(all, expired, blacklisted)

		jtis := func(q auth.TokenQuery) []string {
			t.Helper()
			got, err := db.ListTokens(ctx, q)
			wantNoErr(t, fmt.Sprintf("ListTokens(%+v)", q), err)
			var out []string
			for _, tk := range got {
				out = append(out, tk.JTI)
			}
			return out
		}
		rev := func(ts ...auth.OutstandingToken) string {
			var out []string
			for i := len(ts) - 1; i >= 0; i-- {
				out = append(out, ts[i].JTI)
			}
			return fmt.Sprint(out)
		}

		var paged []string
		var before int64
		for range 10 {
			page, err := db.ListTokens(ctx, auth.TokenQuery{BeforeID: before, Limit: 3})
			wantNoErr(t, "ListTokens page", err)
			if len(page) == 0 {
				break
			}
			for _, tk := range page {
				paged = append(paged, tk.JTI)
			}
			before = page[len(page)-1].ID
		}
		if fmt.Sprint(paged) != rev(all...) {
			t.Errorf("pages newest first = %v, want %v", paged, rev(all...))
		}

		if got := fmt.Sprint(jtis(auth.TokenQuery{UserID: bob.ID})); got != rev(expired, blacklisted) {
			t.Errorf("bob's tokens = %s", got)
		}
		if got := jtis(auth.TokenQuery{UserID: "not-a-uuid"}); len(got) != 0 {
			t.Errorf("UserID not a UUID matched %v", got)
		}
		if got := fmt.Sprint(jtis(auth.TokenQuery{State: "active", Now: t0})); got != rev(all[:6]...) {
			t.Errorf("active = %s", got)
		}
		if got := fmt.Sprint(jtis(auth.TokenQuery{State: "expired", Now: t0})); got != rev(expired) {
			t.Errorf("expired = %s", got)
		}
		if got := fmt.Sprint(jtis(auth.TokenQuery{State: "blacklisted"})); got != rev(blacklisted) {
			t.Errorf("blacklisted = %s", got)
		}
		if got := fmt.Sprint(jtis(auth.TokenQuery{Search: "EXAMPLE.ORG"})); got != rev(expired, blacklisted) {
			t.Errorf("search by e-mail = %s", got)
		}
		if got := fmt.Sprint(jtis(auth.TokenQuery{Search: all[2].JTI[:10]})); got != rev(all[2]) {
			t.Errorf("search by jti prefix = %s", got)
		}
		if got := jtis(auth.TokenQuery{Search: all[2].JTI[5:15]}); len(got) != 0 {
			t.Errorf("a jti infix matched %v; jtis match by prefix", got)
		}
		if got := jtis(auth.TokenQuery{Limit: 2}); len(got) != 2 {
			t.Errorf("Limit 2 gave %d", len(got))
		}
		if _, err := db.ListTokens(ctx, auth.TokenQuery{State: "bogus"}); err == nil {
			t.Error("unknown state accepted")
		}
		page, _ := db.ListTokens(ctx, auth.TokenQuery{State: "blacklisted"})
		if len(page) != 1 || page[0].UserEmail != "bob@example.org" || page[0].Reason != auth.ReasonAdmin || !page[0].Blacklisted {
			t.Errorf("blacklisted listing = %+v", page)
		}
	}},
	{"tokens/sessions", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "sess@example.com")
		other := mustUser(t, db, "other@example.com")

		// Family A: logged in at t0, rotated twice; newest used at t0+20m from a new address.
		a1 := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		a2 := tok(u.ID, a1.JTI, t0.Add(10*time.Minute), time.Hour)
		wantNoErr(t, "Rotate", db.Rotate(ctx, a1, a2, a2.CreatedAt))
		a3 := tok(u.ID, a1.JTI, t0.Add(20*time.Minute), time.Hour)
		a3.ClientIP, a3.UserAgent = "198.51.100.1", "Firefox"
		wantNoErr(t, "Rotate", db.Rotate(ctx, a2, a3, a3.CreatedAt))
		// Family B: one login at t0+5m.
		b1 := mustRecord(t, db, tok(u.ID, "", t0.Add(5*time.Minute), time.Hour))
		// Family C: logged out. Family D: expired. Another user's family.
		c1 := mustRecord(t, db, tok(u.ID, "", t0.Add(30*time.Minute), time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, c1, auth.ReasonLogout, t0))
		mustRecord(t, db, tok(u.ID, "", t0.Add(-3*time.Hour), time.Hour))
		mustRecord(t, db, tok(other.ID, "", t0.Add(40*time.Minute), time.Hour))

		now := t0.Add(25 * time.Minute)
		sessions, err := db.Sessions(ctx, u.ID, now)
		wantNoErr(t, "Sessions", err)
		if len(sessions) != 2 {
			t.Fatalf("Sessions = %+v, want families A and B", sessions)
		}
		a, bs := sessions[0], sessions[1]
		if a.FamilyID != a1.JTI || a.CurrentJTI != a3.JTI || a.ClientIP != "198.51.100.1" || a.UserAgent != "Firefox" {
			t.Errorf("session A = %+v", a)
		}
		sameTime(t, "A.CreatedAt", a.CreatedAt, a1.CreatedAt)
		sameTime(t, "A.LastUsedAt", a.LastUsedAt, a3.CreatedAt)
		sameTime(t, "A.ExpiresAt", a.ExpiresAt, a3.ExpiresAt)
		if bs.FamilyID != b1.JTI || bs.CurrentJTI != b1.JTI {
			t.Errorf("session B = %+v", bs)
		}
		sameTime(t, "B.LastUsedAt", bs.LastUsedAt, b1.CreatedAt)

		if s, _ := db.Sessions(ctx, u.ID, t0.Add(2*time.Hour)); len(s) != 0 {
			t.Errorf("sessions after every token expired = %+v", s)
		}
		if s, err := db.Sessions(ctx, "nope", now); err != nil || len(s) != 0 {
			t.Errorf("Sessions(not a uuid) = %v, %v", s, err)
		}
	}},
	{"tokens/stats", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "stats@example.com")
		if s, err := db.TokenStats(ctx, t0); err != nil || s != (auth.TokenStats{}) {
			t.Errorf("empty TokenStats = %+v, %v", s, err)
		}
		f1 := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		mustRecord(t, db, tok(u.ID, f1.JTI, t0, time.Hour))
		mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		mustRecord(t, db, tok(u.ID, "", t0.Add(-2*time.Hour), time.Hour))
		dead := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, dead, auth.ReasonLogout, t0))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, f1, auth.ReasonRotated, t0))
		// Rotations count tokens with a parent issued in the last 24 hours.
		child := tok(u.ID, f1.JTI, t0.Add(-time.Hour), 48*time.Hour)
		child.ParentJTI = f1.JTI
		mustRecord(t, db, child)
		old := tok(u.ID, f1.JTI, t0.Add(-25*time.Hour), 48*time.Hour)
		old.ParentJTI = f1.JTI
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, old, auth.ReasonRotated, t0))
		s, err := db.TokenStats(ctx, t0)
		wantNoErr(t, "TokenStats", err)
		want := auth.TokenStats{Outstanding: 7, Blacklisted: 3, Active: 3, Sessions: 2, Rotations: 1}
		if s != want {
			t.Errorf("TokenStats = %+v, want %+v", s, want)
		}
	}},
}
