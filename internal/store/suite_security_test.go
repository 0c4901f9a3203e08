package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
)

// generation reads the user's credentials generation.
func generation(t *testing.T, db *store.DB, userID string) int64 {
	t.Helper()
	u, err := db.UserByID(ctxT(t), userID)
	wantNoErr(t, "UserByID", err)
	return u.CredentialsGeneration
}

var securityCases = []suiteCase{
	{"security/admin searches naming few or many users", func(t *testing.T, b backend) {
		// More users match than a search resolves to ids first: the lists fall back to testing
		// each row's e-mail, with the same answers.
		url := b.url(t)
		db := storetest.Open(t, url, b.with(store.Options{}))
		ctx := ctxT(t)
		var f filler
		var err error
		if path, ok := strings.CutPrefix(url, "sqlite://"); ok {
			f, err = newSQLiteFiller(path)
		} else {
			f, err = newPGFiller(ctx, url)
		}
		wantNoErr(t, "filler", err)
		defer f.close()
		many := make([]string, 1001) // one more than searchUsersMax
		for i := range many {
			many[i] = newUUID()
		}
		wantNoErr(t, "fill users", f.users(ctx, many, t0))
		alone := mustUser(t, db, "alone@example.org")
		for _, u := range []string{many[7], alone.ID} {
			mustRecord(t, db, tok(u, "", t0, time.Hour))
			wantNoErr(t, "RecordEvent", db.RecordEvent(ctx, auth.AuditEvent{At: t0, UserID: u, Kind: "login_ok"}))
		}
		for search, want := range map[string]int{"bench.test": 1, "BENCH": 1, many[7][:13]: 1, "ALONE@": 1, "example": 1, "nobody": 0} {
			ts, err := db.ListTokens(ctx, auth.TokenQuery{Search: search})
			wantNoErr(t, "ListTokens", err)
			es, err := db.ListEvents(ctx, auth.EventQuery{Search: search})
			wantNoErr(t, "ListEvents", err)
			if len(ts) != want || len(es) != want {
				t.Errorf("search %q: %d tokens and %d events, want %d of each", search, len(ts), len(es), want)
			}
		}
	}},
	{"security/credentials generation moves with every revocation", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "gen@example.com")
		if g := generation(t, db, u.ID); g != 0 {
			t.Fatalf("a new user's generation is %d", g)
		}
		c := challenge(u.ID, "reset", t0)
		c.Generation = 0
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c, 3))
		wantNoErr(t, "SetPassword", db.SetPassword(ctx, u.ID, "h2", t0, t0.Add(time.Second)))
		if g := generation(t, db, u.ID); g != 1 {
			t.Fatalf("generation after a password change: %d", g)
		}
		// Same instant, same tokens_valid_after: the generation moves anyway.
		_, err := db.RevokeUser(ctx, u.ID, auth.ReasonLogoutAll, t0, t0.Add(time.Second))
		wantNoErr(t, "RevokeUser", err)
		if g := generation(t, db, u.ID); g != 2 {
			t.Fatalf("generation after logout everywhere: %d", g)
		}
		// The hash alone (a re-hash at login) and other updates leave it.
		wantNoErr(t, "SetPasswordHash", db.SetPasswordHash(ctx, u.ID, "h3"))
		cur, err := db.UserByID(ctx, u.ID)
		wantNoErr(t, "UserByID", err)
		cur.IsStaff = true
		wantNoErr(t, "UpdateUser", db.UpdateUser(ctx, cur))
		if g := generation(t, db, u.ID); g != 2 {
			t.Fatalf("generation after a re-hash and an update: %d", g)
		}
		c2 := challenge(u.ID, "reset", t0)
		c2.Generation = 2
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c2, 3))
		for _, want := range []auth.Challenge{c, c2} {
			got, err := db.ChallengeByID(ctx, want.ID)
			wantNoErr(t, "ChallengeByID", err)
			if got.Generation != want.Generation {
				t.Errorf("challenge generation %d, want %d", got.Generation, want.Generation)
			}
		}
		tk := accountToken(u.ID, "reset", "gen@example.com", t0)
		tk.Generation = 2
		wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, tk, 3))
		if got, err := db.AccountTokenByID(ctx, tk.ID); err != nil || got.Generation != 2 {
			t.Errorf("account token generation %d (%v), want 2", got.Generation, err)
		}
		// Djoser's set_password moves it too; a deactivation does not (nothing of an inactive
		// user is accepted anyway, and an activation link must still be told apart).
		wantNoErr(t, "ReplacePassword", db.ReplacePassword(ctx, u.ID, "h4", t0))
		_, err = db.RevokeUser(ctx, u.ID, auth.ReasonDeactivated, t0, t0.Add(time.Second))
		wantNoErr(t, "RevokeUser(deactivated)", err)
		if g := generation(t, db, u.ID); g != 3 {
			t.Fatalf("generation after set_password and a deactivation: %d, want 3", g)
		}
	}},
	{"security/second-factor failures: counted before, capped, cleared", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "codes@example.com")
		for i := 1; i <= 3; i++ {
			n, err := db.SpendSecondFactorCheck(ctx, u.ID, 3)
			wantNoErr(t, "SpendSecondFactorCheck", err)
			if n != i {
				t.Fatalf("check %d counted as %d", i, n)
			}
		}
		_, err := db.SpendSecondFactorCheck(ctx, u.ID, 3)
		wantErr(t, "a check past the ceiling", err, auth.ErrSecondFactorLocked)
		got, err := db.UserByID(ctx, u.ID)
		wantNoErr(t, "UserByID", err)
		if got.SecondFactorFailures != 3 {
			t.Fatalf("count %d after a refused check, want 3", got.SecondFactorFailures)
		}
		// A lower ceiling (the setting changed) locks at once; a higher one lets checks through.
		_, err = db.SpendSecondFactorCheck(ctx, u.ID, 2)
		wantErr(t, "under a lower ceiling", err, auth.ErrSecondFactorLocked)
		n, err := db.SpendSecondFactorCheck(ctx, u.ID, 5)
		wantNoErr(t, "under a higher ceiling", err)
		if n != 4 {
			t.Fatalf("count %d, want 4", n)
		}
		wantNoErr(t, "ClearSecondFactorFailures", db.ClearSecondFactorFailures(ctx, u.ID))
		if n, err := db.SpendSecondFactorCheck(ctx, u.ID, 3); err != nil || n != 1 {
			t.Fatalf("after clearing: %d, %v", n, err)
		}
		_, err = db.SpendSecondFactorCheck(ctx, newUUID(), 3)
		wantErr(t, "unknown user", err, auth.ErrNotFound)
		wantErr(t, "clear an unknown user", db.ClearSecondFactorFailures(ctx, newUUID()), auth.ErrNotFound)
		_, err = db.SpendSecondFactorCheck(ctx, "not-a-uuid", 3)
		wantErr(t, "malformed id", err, auth.ErrNotFound)
	}},
	{"security/second-factor failures: parallel checks never pass the ceiling", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "parallel-codes@example.com")
		var mu sync.Mutex
		admitted, locked := 0, 0
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				_, err := db.SpendSecondFactorCheck(ctx, u.ID, 10)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					admitted++
				case errors.Is(err, auth.ErrSecondFactorLocked):
					locked++
				default:
					t.Errorf("SpendSecondFactorCheck: %v", err)
				}
			})
		}
		wg.Wait()
		if admitted != 10 || locked != 30 {
			t.Fatalf("%d admitted, %d locked of 40 parallel checks; want 10 and 30", admitted, locked)
		}
	}},
}
