package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

// BenchmarkRotate measures one refresh-token rotation (the hot write path): serially along
// one chain, and in parallel along independent chains.
func BenchmarkRotate(b *testing.B) {
	for _, be := range []backend{sqliteBackend, postgresBackend} {
		b.Run(be.name+"/serial", func(b *testing.B) {
			db := be.open(b)
			old := benchToken(b, db)
			ctx := context.Background()
			for b.Loop() {
				next := tok(old.UserID, old.FamilyID, t0, time.Hour)
				if err := db.Rotate(ctx, old, next, t0); err != nil {
					b.Fatal(err)
				}
				old = next
			}
		})
		b.Run(be.name+"/parallel", func(b *testing.B) {
			db := be.open(b)
			ctx := context.Background()
			b.SetParallelism(4) // several requests per core, as a server has
			b.RunParallel(func(pb *testing.PB) {
				old := benchToken(b, db)
				for pb.Next() {
					next := tok(old.UserID, old.FamilyID, t0, time.Hour)
					if err := db.Rotate(ctx, old, next, t0); err != nil {
						b.Error(err)
						return
					}
					old = next
				}
			})
		})
	}
}

// benchToken records a user and the first token of a new family.
func benchToken(b *testing.B, db *store.DB) auth.OutstandingToken {
	ctx := context.Background()
	u := auth.User{ID: newUUID(), Email: newJTI() + "@bench.test", DateJoined: t0, TokensValidAfter: t0}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	t := tok(u.ID, "", t0, time.Hour)
	if err := db.RecordOutstanding(ctx, t); err != nil {
		b.Fatal(err)
	}
	return t
}
