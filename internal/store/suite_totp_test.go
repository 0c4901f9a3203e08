package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// totpCases: authenticator apps, one per user, and their steps used once (issue #16).
var totpCases = []suiteCase{
	{"totp/pending, confirmed, replaced, removed", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "totp@example.com")
		at := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
		if _, err := db.TOTPByUser(ctx, u.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("TOTPByUser before: %v", err)
		}
		wantNoErr(t, "PutPendingTOTP", db.PutPendingTOTP(ctx, auth.TOTPFactor{UserID: u.ID, Secret: "v1.a", CreatedAt: at}))
		wantNoErr(t, "PutPendingTOTP again", db.PutPendingTOTP(ctx, auth.TOTPFactor{UserID: u.ID, Secret: "v1.b", CreatedAt: at.Add(time.Minute)}))
		f, err := db.TOTPByUser(ctx, u.ID)
		if err != nil || f.Secret != "v1.b" || !f.CreatedAt.Equal(at.Add(time.Minute)) || !f.ConfirmedAt.IsZero() || f.LastStep != 0 {
			t.Fatalf("pending: %+v %v", f, err)
		}
		// A login's step is refused while unconfirmed; the confirmation's is taken once.
		if err := db.UseTOTPStep(ctx, u.ID, 100, at, false); !errors.Is(err, auth.ErrConflict) {
			t.Fatalf("login step on a pending factor: %v", err)
		}
		wantNoErr(t, "confirm", db.UseTOTPStep(ctx, u.ID, 100, at.Add(2*time.Minute), true))
		if err := db.UseTOTPStep(ctx, u.ID, 101, at, true); !errors.Is(err, auth.ErrConflict) {
			t.Fatalf("confirm twice: %v", err)
		}
		f, _ = db.TOTPByUser(ctx, u.ID)
		if !f.ConfirmedAt.Equal(at.Add(2*time.Minute)) || f.LastStep != 100 || !f.LastUsedAt.Equal(at.Add(2*time.Minute)) {
			t.Fatalf("confirmed: %+v", f)
		}
		if err := db.PutPendingTOTP(ctx, auth.TOTPFactor{UserID: u.ID, Secret: "v1.c", CreatedAt: at}); !errors.Is(err, auth.ErrConflict) {
			t.Fatalf("PutPendingTOTP over a confirmed factor: %v", err)
		}
		for _, step := range []int64{100, 99} {
			if err := db.UseTOTPStep(ctx, u.ID, step, at, false); !errors.Is(err, auth.ErrConflict) {
				t.Fatalf("step %d after 100: %v", step, err)
			}
		}
		wantNoErr(t, "step 101", db.UseTOTPStep(ctx, u.ID, 101, at.Add(3*time.Minute), false))
		wantNoErr(t, "DeleteTOTP", db.DeleteTOTP(ctx, u.ID))
		if err := db.DeleteTOTP(ctx, u.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("DeleteTOTP again: %v", err)
		}
		if err := db.UseTOTPStep(ctx, u.ID, 200, at, false); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("UseTOTPStep without a factor: %v", err)
		}
		if err := db.PutPendingTOTP(ctx, auth.TOTPFactor{UserID: "7d9b4b0c-2f5e-4c43-9a55-0b8f2d1f6e10", Secret: "v1.x", CreatedAt: at}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("PutPendingTOTP for nobody: %v", err)
		}
	}},
	{"totp/a step is used once under parallel uses", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "totp-race@example.com")
		at := time.Now().UTC()
		wantNoErr(t, "PutPendingTOTP", db.PutPendingTOTP(ctx, auth.TOTPFactor{UserID: u.ID, Secret: "v1.a", CreatedAt: at}))
		wantNoErr(t, "confirm", db.UseTOTPStep(ctx, u.ID, 10, at, true))
		var mu sync.Mutex
		won, lost := 0, 0
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				err := db.UseTOTPStep(ctx, u.ID, 11, at, false)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, auth.ErrConflict):
					lost++
				default:
					t.Errorf("UseTOTPStep: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != 19 {
			t.Fatalf("%d of 20 parallel uses of one step won, %d lost; want 1 and 19", won, lost)
		}
	}},
}
