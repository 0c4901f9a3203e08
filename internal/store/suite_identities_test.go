package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

func identity(userID, provider, subject string) auth.Identity {
	return auth.Identity{ID: newUUID(), UserID: userID, Provider: provider, Subject: subject,
		Email: "x@example.com", CreatedAt: t0}
}

var identityCases = []suiteCase{
	{"identities/one per provider and subject, listed per user, gone with the user", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "ident@example.com")
		other := mustUser(t, db, "other@example.com")
		g := identity(u.ID, "google", "1234")
		wantNoErr(t, "CreateIdentity", db.CreateIdentity(ctx, g))
		wantErr(t, "the same subject again", db.CreateIdentity(ctx, identity(other.ID, "google", "1234")), auth.ErrConflict)
		wantNoErr(t, "same subject, other provider", db.CreateIdentity(ctx, identity(u.ID, "github", "1234")))
		wantErr(t, "unknown user", db.CreateIdentity(ctx, identity(newUUID(), "corp", "1")), auth.ErrNotFound)
		got, err := db.IdentityBySubject(ctx, "google", "1234")
		wantNoErr(t, "IdentityBySubject", err)
		if got.ID != g.ID || got.UserID != u.ID || got.Email != g.Email {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, t0)
		sameTime(t, "LastUsedAt", got.LastUsedAt, time.Time{})
		_, err = db.IdentityBySubject(ctx, "google", "12345")
		wantErr(t, "unknown subject", err, auth.ErrNotFound)
		wantNoErr(t, "TouchIdentity", db.TouchIdentity(ctx, g.ID, "new@example.com", t0.Add(time.Hour)))
		got, _ = db.IdentityBySubject(ctx, "google", "1234")
		sameTime(t, "LastUsedAt", got.LastUsedAt, t0.Add(time.Hour))
		if got.Email != "new@example.com" {
			t.Errorf("touched e-mail %q", got.Email)
		}
		list, err := db.IdentitiesOfUser(ctx, u.ID)
		wantNoErr(t, "IdentitiesOfUser", err)
		if len(list) != 2 {
			t.Fatalf("identities of user: %+v", list)
		}
		wantNoErr(t, "DeleteUser", db.DeleteUser(ctx, u.ID))
		_, err = db.IdentityBySubject(ctx, "google", "1234")
		wantErr(t, "after the user was deleted", err, auth.ErrNotFound)
	}},
	{"identities/the last way to log in is never deleted, even by two unlinks at once", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "last@example.com")
		stranger := mustUser(t, db, "stranger@example.com")
		a, c := identity(u.ID, "google", "a"), identity(u.ID, "github", "c")
		wantNoErr(t, "CreateIdentity", db.CreateIdentity(ctx, a))
		wantNoErr(t, "CreateIdentity", db.CreateIdentity(ctx, c))
		wantErr(t, "another user's identity", db.DeleteIdentity(ctx, stranger.ID, a.ID, true), auth.ErrNotFound)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []string{a.ID, c.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.DeleteIdentity(ctx, u.ID, id, false)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantErr(t, "the second unlink", err, auth.ErrLastLogin)
			}
		}
		if left, _ := db.IdentitiesOfUser(ctx, u.ID); ok != 1 || len(left) != 1 {
			t.Fatalf("%d unlinks won, %d identities left; want 1 and 1", ok, len(left))
		}
		left, _ := db.IdentitiesOfUser(ctx, u.ID)
		wantNoErr(t, "the last one with a usable password", db.DeleteIdentity(ctx, u.ID, left[0].ID, true))
		wantErr(t, "gone", db.DeleteIdentity(ctx, u.ID, left[0].ID, true), auth.ErrNotFound)
	}},
	{"identities/flow records are taken once, and not after they expire", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "flow@example.com")
		f := auth.OAuthFlow{ID: "sha256:" + newJTI(), Purpose: auth.FlowCode, Provider: "google", UserID: u.ID,
			RedirectTo: "https://app.example.com/", Verifier: "v", Nonce: "n", Binding: "b", Detail: "d",
			CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
		wantNoErr(t, "PutOAuthFlow", db.PutOAuthFlow(ctx, f))
		wantErr(t, "same id", db.PutOAuthFlow(ctx, f), auth.ErrConflict)
		_, err := db.TakeOAuthFlow(ctx, f.ID, auth.FlowState, t0)
		wantErr(t, "another purpose", err, auth.ErrNotFound)
		var wg sync.WaitGroup
		got := make([]auth.OAuthFlow, 4)
		errs := make([]error, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = db.TakeOAuthFlow(ctx, f.ID, auth.FlowCode, t0)
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				g := got[i]
				if g.UserID != u.ID || g.Provider != "google" || g.RedirectTo != f.RedirectTo || g.Verifier != "v" ||
					g.Nonce != "n" || g.Binding != "b" || g.Detail != "d" {
					t.Errorf("taken %+v", g)
				}
				sameTime(t, "ExpiresAt", g.ExpiresAt, f.ExpiresAt)
			} else {
				wantErr(t, "a second take", err, auth.ErrNotFound)
			}
		}
		if won != 1 {
			t.Fatalf("%d takes won, want 1", won)
		}
		old := f
		old.ID, old.UserID = "sha256:"+newJTI(), ""
		wantNoErr(t, "PutOAuthFlow", db.PutOAuthFlow(ctx, old))
		_, err = db.TakeOAuthFlow(ctx, old.ID, auth.FlowCode, t0.Add(time.Minute))
		wantErr(t, "expired", err, auth.ErrNotFound)
		late := f
		late.ID = "sha256:" + newJTI()
		wantNoErr(t, "PutOAuthFlow", db.PutOAuthFlow(ctx, late))
		n, err := db.DeleteExpiredOAuthFlows(ctx, t0.Add(2*time.Minute))
		wantNoErr(t, "DeleteExpiredOAuthFlows", err)
		if n != 1 {
			t.Errorf("deleted %d, want 1", n)
		}
	}},
}
