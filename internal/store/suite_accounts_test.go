package store_test

import (
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

func accountToken(userID, purpose, email string, created time.Time) auth.AccountToken {
	return auth.AccountToken{
		ID: "sha256:" + newJTI(), Purpose: purpose, UserID: userID, Email: email, CreatedAt: created,
		ExpiresAt: created.Add(time.Hour), ClientIP: "203.0.113.9", UserAgent: "Firefox",
	}
}

// live reports whether a token is still usable (not consumed).
func live(t *testing.T, db *store.DB, id string) bool {
	t.Helper()
	got, err := db.AccountTokenByID(ctxT(t), id)
	wantNoErr(t, "AccountTokenByID", err)
	return got.ConsumedAt.IsZero()
}

func mustUserByID(t *testing.T, db *store.DB, id string) auth.User {
	t.Helper()
	u, err := db.UserByID(ctxT(t), id)
	wantNoErr(t, "UserByID", err)
	return u
}

var accountCases = []suiteCase{
	{"accounts/migration 0004 carries reset tokens over and counts users as verified", func(t *testing.T, b backend) {
		url := b.url(t)
		db := openRaw(t, url, b.with(store.Options{}))
		ctx := ctxT(t)
		wantNoErr(t, "MigrateTo 0003", db.MigrateTo(ctx, "0003_sessions"))
		u := oldUser(t, url, "before@example.com")
		reset, login := challenge(u.ID, auth.PurposeReset, t0), challenge(u.ID, auth.PurposeLogin, t0)
		for _, c := range []auth.Challenge{reset, login} {
			wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, c, 3))
		}
		wantNoErr(t, "Migrate", db.Migrate(ctx))
		got := mustUserByID(t, db, u.ID)
		sameTime(t, "VerifiedAt of a user from before", got.VerifiedAt, t0)
		if got.ActivationPending || got.FirstName != "" {
			t.Errorf("a user from before: %+v", got)
		}
		tk, err := db.AccountTokenByID(ctx, reset.ID)
		wantNoErr(t, "the reset token after the migration", err)
		if tk.Purpose != auth.PurposeReset || tk.UserID != u.ID || tk.Email != u.Email || !tk.ConsumedAt.IsZero() {
			t.Errorf("carried over as %+v", tk)
		}
		sameTime(t, "ExpiresAt", tk.ExpiresAt, reset.ExpiresAt)
		_, err = db.ChallengeByID(ctx, reset.ID)
		wantErr(t, "the reset challenge after the migration", err, auth.ErrNotFound)
		if _, err := db.ChallengeByID(ctx, login.ID); err != nil {
			t.Errorf("a login challenge went with the reset ones: %v", err)
		}
	}},
	{"accounts/user names and verified state round-trip", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := auth.User{ID: newUUID(), Email: "Ada@Example.com", PasswordHash: "x", DateJoined: t0,
			TokensValidAfter: t0, FirstName: "Ada", LastName: "Lovelace — Byron", ActivationPending: true}
		wantNoErr(t, "CreateUser", db.CreateUser(ctx, u))
		got := mustUserByID(t, db, u.ID)
		if got.FirstName != "Ada" || got.LastName != u.LastName || !got.ActivationPending || got.IsActive {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, "VerifiedAt", got.VerifiedAt, time.Time{})
		got.VerifiedAt, got.ActivationPending, got.FirstName = t0.Add(time.Minute), false, "Augusta Ada"
		wantNoErr(t, "UpdateUser", db.UpdateUser(ctx, got))
		again := mustUserByID(t, db, u.ID)
		sameTime(t, "VerifiedAt after UpdateUser", again.VerifiedAt, t0.Add(time.Minute))
		if again.ActivationPending || again.FirstName != "Augusta Ada" {
			t.Errorf("after UpdateUser %+v", again)
		}
		wantNoErr(t, "SetNames", db.SetNames(ctx, u.ID, "", "L"))
		if n := mustUserByID(t, db, u.ID); n.FirstName != "" || n.LastName != "L" {
			t.Errorf("after SetNames %q %q", n.FirstName, n.LastName)
		}
		wantErr(t, "SetNames of nobody", db.SetNames(ctx, newUUID(), "a", "b"), auth.ErrNotFound)
	}},
	{"accounts/list only unverified users", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		verified := mustUser(t, db, "v@example.com")
		verified.VerifiedAt = t0
		wantNoErr(t, "UpdateUser", db.UpdateUser(ctx, verified))
		mustUser(t, db, "u1@example.com")
		mustUser(t, db, "u2@example.com")
		got, err := db.ListUsers(ctx, auth.UserQuery{Unverified: true})
		wantNoErr(t, "ListUsers", err)
		if len(got) != 2 || got[0].Email != "u1@example.com" || got[1].Email != "u2@example.com" {
			t.Errorf("unverified = %+v", got)
		}
		all, err := db.ListUsers(ctx, auth.UserQuery{})
		wantNoErr(t, "ListUsers", err)
		if len(all) != 3 {
			t.Errorf("all users = %d, want 3", len(all))
		}
	}},
	{"accounts/tokens: create, read, consume once", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "tok@example.com")
		tk := accountToken(u.ID, auth.PurposeActivation, u.Email, t0)
		wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, tk, 3))
		got, err := db.AccountTokenByID(ctx, tk.ID)
		wantNoErr(t, "AccountTokenByID", err)
		if got.Purpose != auth.PurposeActivation || got.UserID != u.ID || got.Email != u.Email ||
			got.ClientIP != tk.ClientIP || got.UserAgent != tk.UserAgent || got.CreatedBy != "" {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, t0)
		sameTime(t, "ExpiresAt", got.ExpiresAt, t0.Add(time.Hour))
		wantErr(t, "same id", db.CreateAccountToken(ctx, tk, 0), auth.ErrConflict)
		wantErr(t, "unknown user", db.CreateAccountToken(ctx, accountToken(newUUID(), "reset", "x@example.com", t0), 3), auth.ErrNotFound)
		_, err = db.AccountTokenByID(ctx, "sha256:nothing")
		wantErr(t, "unknown token", err, auth.ErrNotFound)
		wantErr(t, "consume unknown", db.ConsumeAccountToken(ctx, "sha256:nothing", t0), auth.ErrNotFound)

		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = db.ConsumeAccountToken(ctx, tk.ID, t0.Add(time.Second)) })
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else {
				wantErr(t, "a losing consume", err, auth.ErrTokenUsed)
			}
		}
		if wins != 1 {
			t.Fatalf("%d parallel consumptions won, want 1", wins)
		}
	}},
	{"accounts/tokens: the newest maxLive stay live", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "many@example.com")
		var ids []string
		for i := range 5 {
			tk := accountToken(u.ID, auth.PurposeReset, u.Email, t0.Add(time.Duration(i)*time.Second))
			wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, tk, 3))
			ids = append(ids, tk.ID)
		}
		other := accountToken(u.ID, auth.PurposeActivation, u.Email, t0.Add(10*time.Second))
		wantNoErr(t, "CreateAccountToken of another purpose", db.CreateAccountToken(ctx, other, 3))
		for i, id := range ids {
			if want := i >= 2; live(t, db, id) != want {
				t.Errorf("reset token %d live = %v, want %v", i, !want, want)
			}
		}
		if !live(t, db, other.ID) {
			t.Error("a token of another purpose was consumed")
		}
		// Invitations are bounded per address.
		var inv []string
		for i := range 3 {
			tk := accountToken("", auth.PurposeInvitation, "New@Example.com", t0.Add(time.Duration(i)*time.Second))
			tk.CreatedBy = u.ID
			wantNoErr(t, "CreateAccountToken invitation", db.CreateAccountToken(ctx, tk, 2))
			inv = append(inv, tk.ID)
		}
		wantNoErr(t, "invitation to another address", db.CreateAccountToken(ctx,
			accountToken("", auth.PurposeInvitation, "else@example.com", t0.Add(time.Minute)), 2))
		if live(t, db, inv[0]) || !live(t, db, inv[1]) || !live(t, db, inv[2]) {
			t.Error("invitations to one address: want the two newest live")
		}
		page, err := db.ListAccountTokens(ctx, auth.AccountTokenQuery{Purpose: auth.PurposeInvitation, Limit: 2})
		wantNoErr(t, "ListAccountTokens", err)
		if len(page) != 2 || page[0].Email != "else@example.com" || page[1].ID != inv[2] || page[1].CreatedBy != u.ID {
			t.Errorf("first page = %+v", page)
		}
		next, err := db.ListAccountTokens(ctx, auth.AccountTokenQuery{Purpose: auth.PurposeInvitation, Before: page[1].CreatedAt})
		wantNoErr(t, "ListAccountTokens next", err)
		if len(next) != 2 || next[0].ID != inv[1] || next[1].ID != inv[0] {
			t.Errorf("next page = %+v", next)
		}
	}},
	{"accounts/activate: one transaction with the token", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := auth.User{ID: newUUID(), Email: "pending@example.com", PasswordHash: "x", DateJoined: t0,
			TokensValidAfter: t0, ActivationPending: true}
		wantNoErr(t, "CreateUser", db.CreateUser(ctx, u))
		tk := accountToken(u.ID, auth.PurposeActivation, u.Email, t0)
		wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, tk, 3))
		wantNoErr(t, "ActivateUser", db.ActivateUser(ctx, u.ID, tk.ID, t0.Add(time.Minute)))
		got := mustUserByID(t, db, u.ID)
		if !got.IsActive || got.ActivationPending {
			t.Errorf("after activation %+v", got)
		}
		sameTime(t, "VerifiedAt", got.VerifiedAt, t0.Add(time.Minute))
		wantErr(t, "ActivateUser again", db.ActivateUser(ctx, u.ID, tk.ID, t0.Add(time.Hour)), auth.ErrTokenUsed)
		sameTime(t, "VerifiedAt after a second try", mustUserByID(t, db, u.ID).VerifiedAt, t0.Add(time.Minute))

		// A deactivated account (not pending) is verified but stays inactive.
		d := mustUser(t, db, "deactivated@example.com")
		d.IsActive = false
		wantNoErr(t, "UpdateUser", db.UpdateUser(ctx, d))
		dt := accountToken(d.ID, auth.PurposeActivation, d.Email, t0)
		wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, dt, 3))
		wantNoErr(t, "ActivateUser", db.ActivateUser(ctx, d.ID, dt.ID, t0))
		if mustUserByID(t, db, d.ID).IsActive {
			t.Error("activation turned a deactivated account on")
		}
	}},
	{"accounts/password changes consume every live token", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "pw@example.com")
		other := mustUser(t, db, "other@example.com")
		a := accountToken(u.ID, auth.PurposeReset, u.Email, t0)
		c := accountToken(u.ID, auth.PurposeActivation, u.Email, t0)
		o := accountToken(other.ID, auth.PurposeReset, other.Email, t0)
		for _, tk := range []auth.AccountToken{a, c, o} {
			wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, tk, 3))
		}
		ch := challenge(u.ID, "login", t0)
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, ch, 3))
		wantNoErr(t, "ReplacePassword", db.ReplacePassword(ctx, u.ID, "new-hash", t0.Add(time.Second)))
		if got, err := db.ChallengeByID(ctx, ch.ID); err != nil || got.ConsumedAt.IsZero() {
			t.Errorf("a pending login challenge survived the password change: %+v %v", got, err)
		}
		if mustUserByID(t, db, u.ID).PasswordHash != "new-hash" {
			t.Error("ReplacePassword kept the old hash")
		}
		if live(t, db, a.ID) || live(t, db, c.ID) || !live(t, db, o.ID) {
			t.Error("ReplacePassword: want the user's tokens consumed, the other user's live")
		}
		r := accountToken(u.ID, auth.PurposeReset, u.Email, t0.Add(2*time.Second))
		wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, r, 3))
		wantNoErr(t, "SetPassword", db.SetPassword(ctx, u.ID, "newer", t0.Add(3*time.Second), t0.Add(4*time.Second)))
		if live(t, db, r.ID) {
			t.Error("SetPassword left a reset token live")
		}
		wantErr(t, "ReplacePassword of nobody", db.ReplacePassword(ctx, newUUID(), "h", t0), auth.ErrNotFound)
	}},
	{"accounts/change e-mail: taken changes nothing", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "old@example.com")
		mustUser(t, db, "taken@example.com")
		tk := accountToken(u.ID, auth.PurposeEmailChange, "new@example.com", t0)
		reset := accountToken(u.ID, auth.PurposeReset, u.Email, t0)
		for _, x := range []auth.AccountToken{tk, reset} {
			wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, x, 3))
		}
		wantErr(t, "ChangeEmail to a taken address", db.ChangeEmail(ctx, u.ID, "TAKEN@example.com", tk.ID, t0, t0), auth.ErrConflict)
		if !live(t, db, tk.ID) || !live(t, db, reset.ID) || mustUserByID(t, db, u.ID).Email != "old@example.com" {
			t.Fatal("a refused change consumed tokens or changed the address")
		}
		wantNoErr(t, "ChangeEmail", db.ChangeEmail(ctx, u.ID, "New@Example.com", tk.ID, t0.Add(time.Minute), t0.Add(time.Minute)))
		got := mustUserByID(t, db, u.ID)
		if got.Email != "New@Example.com" || live(t, db, tk.ID) || live(t, db, reset.ID) {
			t.Errorf("after the change: %s, tokens live %v %v", got.Email, live(t, db, tk.ID), live(t, db, reset.ID))
		}
		sameTime(t, "VerifiedAt", got.VerifiedAt, t0.Add(time.Minute))
		if _, err := db.UserByEmail(ctx, "new@example.com"); err != nil {
			t.Errorf("the new address does not find the user: %v", err)
		}
		wantErr(t, "ChangeEmail with a used token", db.ChangeEmail(ctx, u.ID, "newer@example.com", tk.ID, t0, t0), auth.ErrTokenUsed)
		wantNoErr(t, "ChangeEmail unverified, no token", db.ChangeEmail(ctx, u.ID, "newest@example.com", "", time.Time{}, t0))
		sameTime(t, "VerifiedAt after an unverified change", mustUserByID(t, db, u.ID).VerifiedAt, time.Time{})
	}},
	{"accounts/tokens go with their user and expire", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "gone@example.com")
		tk := accountToken(u.ID, auth.PurposeReset, u.Email, t0)
		old := accountToken(u.ID, auth.PurposeActivation, u.Email, t0.Add(-2*time.Hour))
		for _, x := range []auth.AccountToken{tk, old} {
			wantNoErr(t, "CreateAccountToken", db.CreateAccountToken(ctx, x, 0))
		}
		n, err := db.DeleteExpiredAccountTokens(ctx, t0)
		wantNoErr(t, "DeleteExpiredAccountTokens", err)
		if n != 1 {
			t.Errorf("deleted %d expired tokens, want 1", n)
		}
		wantNoErr(t, "DeleteUser", db.DeleteUser(ctx, u.ID))
		_, err = db.AccountTokenByID(ctx, tk.ID)
		wantErr(t, "token of a deleted user", err, auth.ErrNotFound)
	}},
}

// oldUser inserts a user with the columns of migration 0001 alone, for tests that run the
// store's code on a database migrated only that far (the store's CreateUser writes later
// columns).
func oldUser(t *testing.T, url, email string) auth.User {
	t.Helper()
	driver, dsn := "pgx", url
	joined, valid := any(t0), any(t0.Add(-time.Hour).Truncate(time.Second))
	if path, ok := strings.CutPrefix(url, "sqlite://"); ok {
		driver, dsn = "sqlite", path
		joined, valid = t0.UnixMicro(), t0.Add(-time.Hour).Truncate(time.Second).UnixMicro()
	}
	if driver == "pgx" { // plain protocol: the suite may run through PgBouncer in transaction mode
		dsn += map[bool]string{true: "&", false: "?"}[strings.Contains(dsn, "?")] + "default_query_exec_mode=exec"
	}
	raw, err := sql.Open(driver, dsn)
	wantNoErr(t, "open "+driver, err)
	defer raw.Close()
	u := auth.User{ID: newUUID(), Email: email, PasswordHash: "!", IsActive: true}
	_, err = raw.ExecContext(ctxT(t), `INSERT INTO users (id, email, email_lower, password, date_joined,
		tokens_valid_after) VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, email, strings.ToLower(email), u.PasswordHash, joined, valid)
	wantNoErr(t, "insert a user of migration 0001", err)
	return u
}
