package store_test

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

func challenge(userID, purpose string, created time.Time) auth.Challenge {
	return auth.Challenge{
		ID: "sha256:" + newJTI(), UserID: userID, Purpose: purpose, CodeHash: "sha256:" + newJTI(),
		CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute), SentCount: 1, LastSentAt: created,
		ClientIP: "203.0.113.9", UserAgent: "Safari",
	}
}

var challengeCases = []suiteCase{
	{"challenges/create and read back", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "2fa@example.com")
		c := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c, 3))
		got, err := db.ChallengeByID(ctx, c.ID)
		wantNoErr(t, "ChallengeByID", err)
		if got.ID != c.ID || got.UserID != u.ID || got.Purpose != "login" || got.CodeHash != c.CodeHash ||
			got.Attempts != 0 || got.SentCount != 1 || got.ClientIP != c.ClientIP || got.UserAgent != c.UserAgent {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, c.CreatedAt)
		sameTime(t, "ExpiresAt", got.ExpiresAt, c.ExpiresAt)
		sameTime(t, "LastSentAt", got.LastSentAt, c.LastSentAt)
		sameTime(t, "ConsumedAt", got.ConsumedAt, time.Time{})

		wantErr(t, "same id", db.CreateChallenge(ctx, c, 0), auth.ErrConflict)
		wantErr(t, "unknown user", db.CreateChallenge(ctx, challenge(newUUID(), "login", t0), 3), auth.ErrNotFound)
		_, err = db.ChallengeByID(ctx, "missing")
		wantErr(t, "ChallengeByID(missing)", err, auth.ErrNotFound)
	}},
	{"challenges/max live per user and purpose", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "throttle@example.com")
		other := mustUser(t, db, "free@example.com")
		consumed := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, consumed, 3))
		wantNoErr(t, "ConsumeChallenge", db.ConsumeChallenge(ctx, consumed.ID, t0))
		wantNoErr(t, "CreateChallenge expired", db.CreateChallenge(ctx, challenge(u.ID, "login", t0.Add(-time.Hour)), 3))
		for i := range 3 {
			wantNoErr(t, "CreateChallenge live", db.CreateChallenge(ctx, challenge(u.ID, "login", t0.Add(time.Duration(i)*time.Second)), 3))
		}
		wantErr(t, "fourth live challenge", db.CreateChallenge(ctx, challenge(u.ID, "login", t0.Add(time.Minute)), 3), auth.ErrThrottled)
		wantNoErr(t, "other purpose", db.CreateChallenge(ctx, challenge(u.ID, "enable", t0), 3))
		wantNoErr(t, "other user", db.CreateChallenge(ctx, challenge(other.ID, "login", t0), 3))
		wantNoErr(t, "maxLive 0 is no limit", db.CreateChallenge(ctx, challenge(u.ID, "login", t0), 0))
		wantNoErr(t, "once the others expired", db.CreateChallenge(ctx, challenge(u.ID, "login", t0.Add(11*time.Minute)), 3))
	}},
	{"challenges/max live under concurrency", func(t *testing.T, b backend) {
		db := b.open(t)
		u := mustUser(t, db, "burst@example.com")
		ctx := ctxT(t)
		errs := make([]error, 12)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = db.CreateChallenge(ctx, challenge(u.ID, "login", t0), 3) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, auth.ErrThrottled):
				t.Errorf("CreateChallenge: %v", err)
			}
		}
		if ok != 3 {
			t.Errorf("%d concurrent creations succeeded, want exactly maxLive=3", ok)
		}
	}},
	{"challenges/attempts never exceed max", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "attempts@example.com")
		c := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c, 0))
		for want := 1; want <= 2; want++ {
			got, err := db.AttemptChallenge(ctx, c.ID, 2)
			wantNoErr(t, "AttemptChallenge", err)
			if got.Attempts != want || got.CodeHash != c.CodeHash {
				t.Errorf("attempt %d returned %+v", want, got)
			}
		}
		_, err := db.AttemptChallenge(ctx, c.ID, 2)
		wantErr(t, "third attempt of 2", err, auth.ErrTooManyAttempts)
		_, err = db.AttemptChallenge(ctx, "missing", 2)
		wantErr(t, "AttemptChallenge(missing)", err, auth.ErrNotFound)

		par := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, par, 0))
		const goroutines, maxAttempts = 20, 5
		counts := make([]int, goroutines)
		errs := make([]error, goroutines)
		var wg sync.WaitGroup
		for i := range goroutines {
			wg.Go(func() {
				got, err := db.AttemptChallenge(ctx, par.ID, maxAttempts)
				counts[i], errs[i] = got.Attempts, err
			})
		}
		wg.Wait()
		var seen []int
		for i, err := range errs {
			switch {
			case err == nil:
				seen = append(seen, counts[i])
			case !errors.Is(err, auth.ErrTooManyAttempts):
				t.Errorf("parallel attempt: %v", err)
			}
		}
		sort.Ints(seen)
		if len(seen) != maxAttempts || seen[0] != 1 || seen[maxAttempts-1] != maxAttempts {
			t.Errorf("successful attempts saw counts %v, want exactly 1..%d", seen, maxAttempts)
		}
		got, _ := db.ChallengeByID(ctx, par.ID)
		if got.Attempts != maxAttempts {
			t.Errorf("attempts = %d after %d parallel tries, want %d", got.Attempts, goroutines, maxAttempts)
		}
	}},
	{"challenges/consume once", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "consume@example.com")
		c := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c, 0))
		errs := make([]error, 10)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = db.ConsumeChallenge(ctx, c.ID, t0.Add(time.Minute)) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, auth.ErrConflict):
				t.Errorf("ConsumeChallenge: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent consumptions succeeded, want 1", ok)
		}
		got, _ := db.ChallengeByID(ctx, c.ID)
		sameTime(t, "ConsumedAt", got.ConsumedAt, t0.Add(time.Minute))
		wantErr(t, "ConsumeChallenge(missing)", db.ConsumeChallenge(ctx, "missing", t0), auth.ErrNotFound)
	}},
	{"challenges/resend and delete expired", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "resend@example.com")
		c := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c, 0))
		_, err := db.AttemptChallenge(ctx, c.ID, 5)
		wantNoErr(t, "AttemptChallenge", err)

		sent, exp := t0.Add(time.Minute), t0.Add(11*time.Minute)
		wantNoErr(t, "ResendChallenge", db.ResendChallenge(ctx, c.ID, "sha256:new", c.SentCount, sent, exp))
		got, _ := db.ChallengeByID(ctx, c.ID)
		if got.CodeHash != "sha256:new" || got.Attempts != 1 || got.SentCount != c.SentCount+1 {
			t.Errorf("after resend (tries kept, one more send) %+v", got)
		}
		// A second resend that read the old send count lost the race.
		wantErr(t, "ResendChallenge(stale count)", db.ResendChallenge(ctx, c.ID, "sha256:other", c.SentCount, sent, exp), auth.ErrConflict)
		sameTime(t, "LastSentAt", got.LastSentAt, sent)
		sameTime(t, "ExpiresAt", got.ExpiresAt, exp)
		sameTime(t, "CreatedAt kept", got.CreatedAt, c.CreatedAt)
		wantErr(t, "ResendChallenge(missing)", db.ResendChallenge(ctx, "missing", "h", 1, sent, exp), auth.ErrConflict)

		old := challenge(u.ID, "login", t0.Add(-time.Hour))
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, old, 0))
		n, err := db.DeleteExpiredChallenges(ctx, t0)
		wantNoErr(t, "DeleteExpiredChallenges", err)
		if n != 1 {
			t.Errorf("DeleteExpiredChallenges = %d, want 1", n)
		}
		_, err = db.ChallengeByID(ctx, old.ID)
		wantErr(t, "deleted challenge", err, auth.ErrNotFound)
		if _, err := db.ChallengeByID(ctx, c.ID); err != nil {
			t.Errorf("live challenge deleted: %v", err)
		}
	}},
}
