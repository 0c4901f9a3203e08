package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// TestRotateBatch runs one batch holding a winning rotation, a failing one and a losing
// rotation of the winner's token: each gets its own answer, and the failure undoes nothing
// of the others.
func TestRotateBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "batch.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	uid := "6f1c2b7a-5d4e-4f3a-9b2c-1d0e9f8a7b6c"
	if err := db.CreateUser(ctx, auth.User{ID: uid, Email: "b@example.com", PasswordHash: "x", IsActive: true,
		DateJoined: now, TokensValidAfter: now}); err != nil {
		t.Fatal(err)
	}
	token := func(jti string) auth.OutstandingToken {
		return auth.OutstandingToken{UserID: uid, JTI: jti, Token: "t." + jti, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	for _, jti := range []string{"a", "b", "taken"} {
		if err := db.RecordOutstanding(ctx, token(jti)); err != nil {
			t.Fatal(err)
		}
	}
	op := func(old, next string) *rotateOp {
		args, err := db.tokenArgs(token(next))
		if err != nil {
			t.Fatal(err)
		}
		return &rotateOp{ctx: ctx, oldJTI: old, args: []any{args[0], args[1], args[2], args[3], args[4], args[7], args[8], old},
			at: now, done: make(chan error, 1)}
	}
	ops := []*rotateOp{op("a", "a2"), op("b", "taken"), op("a", "a3"), op("nobody", "n2"), op("a2", "a4")}
	db.batch.run(ops)
	want := []error{nil, auth.ErrConflict, auth.ErrBlacklisted, auth.ErrNotFound, nil}
	for i, o := range ops {
		err := translate(<-o.done)
		if want[i] == nil && err != nil || want[i] != nil && !errors.Is(err, want[i]) {
			t.Errorf("rotation %d (%s): %v, want %v", i, o.oldJTI, err, want[i])
		}
	}
	for jti, blacklisted := range map[string]bool{"a": true, "a2": true, "a4": false, "b": false, "taken": false} {
		got, err := db.TokenByJTI(ctx, jti)
		if err != nil || got.Blacklisted != blacklisted {
			t.Errorf("token %s: %+v, %v; want blacklisted %v", jti, got, err, blacklisted)
		}
		if jti == "a4" && (got.FamilyID != "a" || got.ParentJTI != "a2") {
			t.Errorf("a4: family %q parent %q", got.FamilyID, got.ParentJTI)
		}
	}
	for _, jti := range []string{"a3", "n2"} {
		if _, err := db.TokenByJTI(ctx, jti); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("token %s of a refused rotation: %v", jti, err)
		}
	}

	// A caller that gave up is answered without running; after Close, rotations are refused.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	o := op("b", "b2")
	o.ctx = gone
	db.batch.run([]*rotateOp{o})
	if err := <-o.done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled rotation: %v", err)
	}
	if got, _ := db.TokenByJTI(ctx, "b"); got.Blacklisted {
		t.Error("a cancelled rotation blacklisted its token")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err = db.RotateRecorded(ctx, "b", token("b3"), now)
	if !errors.Is(err, auth.ErrUnavailable) {
		t.Errorf("RotateRecorded after Close: %v, want %v", err, auth.ErrUnavailable)
	}
}

// TestBackgroundCheckpoints: commits wake the checkpointer, which copies the log back and,
// once the log is long and no writer is in the way, rewinds it.
func TestBackgroundCheckpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	db, err := Open(ctx, "sqlite://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.walRestart = 200
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := range 300 {
		u := auth.User{ID: fmt.Sprintf("6f1c2b7a-5d4e-4f3a-9b2c-%012d", i), Email: fmt.Sprintf("c%d@example.com", i),
			PasswordHash: "x", IsActive: true, DateJoined: now, TokensValidAfter: now}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.restarts.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if db.ckpts.Load() == 0 || db.restarts.Load() == 0 {
		t.Fatalf("after 300 commits: %d checkpoints, %d rewinds", db.ckpts.Load(), db.restarts.Load())
	}
}
