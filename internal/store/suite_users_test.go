package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

var userCases = []suiteCase{
	{"users/create and read back", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		loc := time.FixedZone("UTC+5:30", 5*3600+1800)
		want := auth.User{
			ID: strings.ToUpper(newUUID()), Email: "Ada.Lovelace@Example.COM", PasswordHash: "pbkdf2_sha256$870000$salt$hash",
			IsActive: true, IsStaff: true, IsSuperuser: false, TwoFactorEnabled: true,
			DateJoined: t0.In(loc).Add(123 * time.Nanosecond), TokensValidAfter: t0.Add(time.Second),
		}
		wantNoErr(t, "CreateUser", db.CreateUser(ctx, want))

		byID, err := db.UserByID(ctx, want.ID)
		wantNoErr(t, "UserByID", err)
		byEmail, err := db.UserByEmail(ctx, "ada.lovelace@example.com")
		wantNoErr(t, "UserByEmail", err)
		for _, got := range []auth.User{byID, byEmail} {
			if got.ID != strings.ToLower(want.ID) {
				t.Errorf("ID = %q, want the canonical lowercase %q", got.ID, strings.ToLower(want.ID))
			}
			if got.Email != want.Email || got.PasswordHash != want.PasswordHash {
				t.Errorf("email/hash = %q/%q, want %q/%q", got.Email, got.PasswordHash, want.Email, want.PasswordHash)
			}
			if !got.IsActive || !got.IsStaff || got.IsSuperuser || !got.TwoFactorEnabled {
				t.Errorf("flags = %+v, want active staff 2fa non-superuser", got)
			}
			sameTime(t, "DateJoined", got.DateJoined, want.DateJoined)
			sameTime(t, "TokensValidAfter", got.TokensValidAfter, want.TokensValidAfter)
			sameTime(t, "LastLogin", got.LastLogin, time.Time{})
		}

		zero := auth.User{ID: newUUID(), Email: "zero@example.com"}
		wantNoErr(t, "CreateUser with zero times", db.CreateUser(ctx, zero))
		got, err := db.UserByID(ctx, zero.ID)
		wantNoErr(t, "UserByID", err)
		if got.DateJoined != (time.Time{}) || got.TokensValidAfter != (time.Time{}) || got.LastLogin != (time.Time{}) {
			t.Errorf("zero times read back as %v / %v / %v", got.DateJoined, got.TokensValidAfter, got.LastLogin)
		}
	}},
	{"users/conflicts and bad input", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "grace@example.com")

		dupEmail := u
		dupEmail.ID, dupEmail.Email = newUUID(), "GRACE@example.com"
		wantErr(t, "same e-mail in other case", db.CreateUser(ctx, dupEmail), auth.ErrConflict)

		dupID := u
		dupID.Email = "other@example.com"
		wantErr(t, "same id", db.CreateUser(ctx, dupID), auth.ErrConflict)

		bad := u
		bad.ID, bad.Email = "42", "bad@example.com"
		err := db.CreateUser(ctx, bad)
		if err == nil || errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), "invalid id") {
			t.Errorf("CreateUser with id 42: %v, want an invalid id error", err)
		}
		noEmail := u
		noEmail.ID, noEmail.Email = newUUID(), ""
		if err := db.CreateUser(ctx, noEmail); err == nil {
			t.Error("CreateUser without e-mail succeeded")
		}
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Errorf("CountUsers = %d after rejected creates, want 1", n)
		}
	}},
	{"users/not found", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		_, err := db.UserByID(ctx, newUUID())
		wantErr(t, "UserByID(unknown)", err, auth.ErrNotFound)
		_, err = db.UserByID(ctx, "not-a-uuid")
		wantErr(t, "UserByID(not a uuid)", err, auth.ErrNotFound)
		_, err = db.UserByEmail(ctx, "nobody@example.com")
		wantErr(t, "UserByEmail(unknown)", err, auth.ErrNotFound)
		ghost := auth.User{ID: newUUID(), Email: "ghost@example.com"}
		wantErr(t, "UpdateUser", db.UpdateUser(ctx, ghost), auth.ErrNotFound)
		wantErr(t, "SetPasswordHash", db.SetPasswordHash(ctx, ghost.ID, "x"), auth.ErrNotFound)
		wantErr(t, "SetPassword", db.SetPassword(ctx, ghost.ID, "x", t0, t0), auth.ErrNotFound)
		wantErr(t, "SetLastLogin", db.SetLastLogin(ctx, ghost.ID, t0), auth.ErrNotFound)
		wantErr(t, "DeleteUser", db.DeleteUser(ctx, ghost.ID), auth.ErrNotFound)
		wantErr(t, "DeleteUser(not a uuid)", db.DeleteUser(ctx, "nope"), auth.ErrNotFound)
	}},
	{"users/update", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "linus@example.com")
		other := mustUser(t, db, "ken@example.com")

		u.Email, u.IsActive, u.IsSuperuser = "Linus@Example.org", false, true
		u.LastLogin, u.TokensValidAfter = t0.Add(time.Minute), t0.Add(2*time.Minute)
		u.PasswordHash = "must-not-be-written"
		wantNoErr(t, "UpdateUser", db.UpdateUser(ctx, u))
		got, err := db.UserByEmail(ctx, "linus@example.ORG")
		wantNoErr(t, "UserByEmail(new)", err)
		if got.Email != "Linus@Example.org" || got.IsActive || !got.IsSuperuser {
			t.Errorf("after update: %+v", got)
		}
		if got.PasswordHash == "must-not-be-written" {
			t.Error("UpdateUser wrote the password hash")
		}
		sameTime(t, "LastLogin", got.LastLogin, u.LastLogin)
		sameTime(t, "TokensValidAfter", got.TokensValidAfter, u.TokensValidAfter)
		_, err = db.UserByEmail(ctx, "linus@example.com")
		wantErr(t, "old e-mail", err, auth.ErrNotFound)

		u.Email = "KEN@example.com"
		wantErr(t, "UpdateUser to a taken e-mail", db.UpdateUser(ctx, u), auth.ErrConflict)
		if still, _ := db.UserByID(ctx, other.ID); still.Email != "ken@example.com" {
			t.Errorf("other user changed: %+v", still)
		}
		u.LastLogin = time.Time{}
		u.Email = "linus@example.org"
		wantNoErr(t, "UpdateUser clearing last login", db.UpdateUser(ctx, u))
		got, _ = db.UserByID(ctx, u.ID)
		sameTime(t, "LastLogin cleared", got.LastLogin, time.Time{})
	}},
	{"users/set password hash, last login, superuser", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "hash@example.com")
		live := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))

		wantNoErr(t, "SetPasswordHash", db.SetPasswordHash(ctx, u.ID, "argon2id$new"))
		got, _ := db.UserByID(ctx, u.ID)
		if got.PasswordHash != "argon2id$new" {
			t.Errorf("hash = %q", got.PasswordHash)
		}
		sameTime(t, "TokensValidAfter unchanged", got.TokensValidAfter, u.TokensValidAfter)
		if mustToken(t, db, live.JTI).Blacklisted {
			t.Error("SetPasswordHash revoked a token")
		}

		wantNoErr(t, "SetLastLogin", db.SetLastLogin(ctx, u.ID, t0.Add(time.Hour)))
		got, _ = db.UserByID(ctx, u.ID)
		sameTime(t, "LastLogin", got.LastLogin, t0.Add(time.Hour))

		has, err := db.HasSuperuser(ctx)
		wantNoErr(t, "HasSuperuser", err)
		if has {
			t.Fatal("HasSuperuser = true with no superuser")
		}
		got.IsSuperuser = true
		wantNoErr(t, "UpdateUser", db.UpdateUser(ctx, got))
		if has, _ = db.HasSuperuser(ctx); !has {
			t.Error("HasSuperuser = false after promoting a user")
		}
	}},
	{"users/set password revokes live tokens", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "pw@example.com")
		other := mustUser(t, db, "bystander@example.com")
		live1 := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		live2 := mustRecord(t, db, tok(u.ID, "", t0, 2*time.Hour))
		expired := mustRecord(t, db, tok(u.ID, "", t0.Add(-2*time.Hour), time.Hour))
		loggedOut := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "Blacklist", db.Blacklist(ctx, loggedOut, auth.ReasonLogout, t0))
		bystander := mustRecord(t, db, tok(other.ID, "", t0, time.Hour))

		at := t0.Add(time.Minute)
		wantNoErr(t, "SetPassword", db.SetPassword(ctx, u.ID, "argon2id$changed", at, at.Truncate(time.Second)))
		got, _ := db.UserByID(ctx, u.ID)
		if got.PasswordHash != "argon2id$changed" {
			t.Errorf("hash = %q", got.PasswordHash)
		}
		sameTime(t, "TokensValidAfter", got.TokensValidAfter, at.Truncate(time.Second))
		for _, tk := range []auth.OutstandingToken{live1, live2} {
			g := mustToken(t, db, tk.JTI)
			if !g.Blacklisted || g.Reason != auth.ReasonPassword {
				t.Errorf("live token: blacklisted=%v reason=%q, want %q", g.Blacklisted, g.Reason, auth.ReasonPassword)
			}
			sameTime(t, "BlacklistedAt", g.BlacklistedAt, at)
		}
		if g := mustToken(t, db, expired.JTI); g.Blacklisted {
			t.Error("expired token was blacklisted")
		}
		if g := mustToken(t, db, loggedOut.JTI); g.Reason != auth.ReasonLogout {
			t.Errorf("already blacklisted token's reason became %q", g.Reason)
		}
		if g := mustToken(t, db, bystander.JTI); g.Blacklisted {
			t.Error("another user's token was blacklisted")
		}

		wantNoErr(t, "SetPassword with an older validAfter", db.SetPassword(ctx, u.ID, "argon2id$again", at, t0.Add(-24*time.Hour)))
		got, _ = db.UserByID(ctx, u.ID)
		sameTime(t, "TokensValidAfter never moves back", got.TokensValidAfter, at.Truncate(time.Second))
	}},
	{"users/list and count", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		emails := []string{"Zed@example.com", "amy@example.com", "Bob@Example.com", "carl_x@example.com",
			"carlyx@example.com", "dora%@example.com", "eve@other.org"}
		for _, e := range emails {
			mustUser(t, db, e)
		}
		n, err := db.CountUsers(ctx)
		wantNoErr(t, "CountUsers", err)
		if n != len(emails) {
			t.Errorf("CountUsers = %d, want %d", n, len(emails))
		}

		var seen []string
		after := ""
		for page := 0; page < 10; page++ {
			users, err := db.ListUsers(ctx, auth.UserQuery{After: after, Limit: 3})
			wantNoErr(t, "ListUsers", err)
			if len(users) > 3 {
				t.Fatalf("page of %d users, limit 3", len(users))
			}
			if len(users) == 0 {
				break
			}
			for _, u := range users {
				seen = append(seen, strings.ToLower(u.Email))
			}
			after = strings.ToLower(users[len(users)-1].Email)
		}
		want := []string{"amy@example.com", "bob@example.com", "carl_x@example.com", "carlyx@example.com",
			"dora%@example.com", "eve@other.org", "zed@example.com"}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("paged emails = %v, want %v", seen, want)
		}

		search := func(s string) []string {
			users, err := db.ListUsers(ctx, auth.UserQuery{Search: s})
			wantNoErr(t, "ListUsers search "+s, err)
			var out []string
			for _, u := range users {
				out = append(out, strings.ToLower(u.Email))
			}
			return out
		}
		for s, want := range map[string]string{
			"EXAMPLE.COM": "[amy@example.com bob@example.com carl_x@example.com carlyx@example.com dora%@example.com zed@example.com]",
			"carl_":       "[carl_x@example.com]", // _ is literal, not a wildcard
			"%":           "[dora%@example.com]",
			"OTHER":       "[eve@other.org]",
			"nobody":      "[]",
		} {
			if got := fmt.Sprint(search(s)); got != want {
				t.Errorf("search %q = %s, want %s", s, got, want)
			}
		}
		users, err := db.ListUsers(ctx, auth.UserQuery{Search: "example", After: "carlyx@example.com", Limit: 2})
		wantNoErr(t, "ListUsers search+after", err)
		if len(users) != 2 || strings.ToLower(users[0].Email) != "dora%@example.com" {
			t.Errorf("search+after page = %v", users)
		}
	}},
	{"users/delete keeps tokens and events", func(t *testing.T, b backend) {
		db := b.open(t)
		ctx := ctxT(t)
		u := mustUser(t, db, "gone@example.com")
		tk := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))
		wantNoErr(t, "CreateChallenge", db.CreateChallenge(ctx, challenge(u.ID, "login", t0), 0))
		wantNoErr(t, "ReplaceRecoveryCodes", db.ReplaceRecoveryCodes(ctx, u.ID, []string{"h1"}))
		wantNoErr(t, "CreateAdminSession", db.CreateAdminSession(ctx, adminSession(u.ID, t0)))
		wantNoErr(t, "RecordEvent", db.RecordEvent(ctx, auth.AuditEvent{At: t0, UserID: u.ID, Kind: "login_ok"}))

		wantNoErr(t, "DeleteUser", db.DeleteUser(ctx, u.ID))
		_, err := db.UserByID(ctx, u.ID)
		wantErr(t, "deleted user", err, auth.ErrNotFound)
		got := mustToken(t, db, tk.JTI)
		if got.UserID != "" || got.UserEmail != "" {
			t.Errorf("token of deleted user: UserID %q email %q, want both empty", got.UserID, got.UserEmail)
		}
		if n, _ := db.CountRecoveryCodes(ctx, u.ID); n != 0 {
			t.Errorf("recovery codes left: %d", n)
		}
		if n, _ := db.DeleteExpiredAdminSessions(ctx, t0.Add(1000*time.Hour)); n != 0 {
			t.Errorf("admin sessions left: %d", n)
		}
		if n, _ := db.DeleteExpiredChallenges(ctx, t0.Add(1000*time.Hour)); n != 0 {
			t.Errorf("challenges left: %d", n)
		}
		events, err := db.ListEvents(ctx, auth.EventQuery{UserID: u.ID})
		wantNoErr(t, "ListEvents", err)
		if len(events) != 1 || events[0].UserID != u.ID {
			t.Errorf("audit events of deleted user: %+v, want the one event with its user id", events)
		}
		wantErr(t, "DeleteUser again", db.DeleteUser(ctx, u.ID), auth.ErrNotFound)
	}},
}
