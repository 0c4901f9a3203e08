package store_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
)

// backend is one database the suite runs on.
type backend struct {
	name string
	// open returns a fresh migrated store, closed when the test ends.
	open func(t testing.TB) *store.DB
	// url returns the URL of a fresh, empty database, for tests that need several handles.
	url func(t testing.TB) string
	// pooler says that url names a transaction pooler (PgBouncer): see with.
	pooler bool
}

// with completes the options of a store opened on b.url.
func (b backend) with(o store.Options) store.Options {
	o.TransactionPooler = b.pooler
	return o
}

var (
	sqliteBackend = backend{
		name: "sqlite",
		open: storetest.SQLite,
		url: func(t testing.TB) string {
			return "sqlite://" + filepath.Join(t.TempDir(), "authgate.db")
		},
	}
	postgresBackend = backend{name: "postgres", open: storetest.Postgres, url: storetest.PostgresURL}
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	runStoreSuite(t, sqliteBackend)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	runStoreSuite(t, postgresBackend)
}

// suiteCase is one behaviour every backend must show.
type suiteCase struct {
	name string
	run  func(t *testing.T, b backend)
}

// runStoreSuite runs the same behavioural tests against b; each gets its own database.
func runStoreSuite(t *testing.T, b backend) {
	var cases []suiteCase
	cases = append(cases, userCases...)
	cases = append(cases, tokenCases...)
	cases = append(cases, rotateCases...)
	cases = append(cases, tokenQueryCases...)
	cases = append(cases, challengeCases...)
	cases = append(cases, recoveryCases...)
	cases = append(cases, auditCases...)
	cases = append(cases, adminSessionCases...)
	cases = append(cases, failClosedCases...)
	cases = append(cases, migrateCases...)
	cases = append(cases, sessionCases...)
	cases = append(cases, accountCases...)
	cases = append(cases, securityCases...)
	cases = append(cases, totpCases...)
	cases = append(cases, identityCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, b)
		})
	}
}

// t0 has sub-microsecond digits on purpose: stores keep microseconds.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

func mustUser(t *testing.T, db *store.DB, email string) auth.User {
	t.Helper()
	u := auth.User{
		ID: newUUID(), Email: email, PasswordHash: "argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		IsActive: true, DateJoined: t0, TokensValidAfter: t0.Add(-time.Hour).Truncate(time.Second),
	}
	if err := db.CreateUser(ctxT(t), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// tok is a refresh token of user, created at created and living ttl.
func tok(userID, family string, created time.Time, ttl time.Duration) auth.OutstandingToken {
	jti := newJTI()
	if family == "" {
		family = jti
	}
	return auth.OutstandingToken{
		UserID: userID, JTI: jti, Token: "header.payload-" + jti + ".sig", CreatedAt: created,
		ExpiresAt: created.Add(ttl), FamilyID: family, ClientIP: "192.0.2.7", UserAgent: "curl/8.5",
	}
}

func mustRecord(t *testing.T, db *store.DB, tk auth.OutstandingToken) auth.OutstandingToken {
	t.Helper()
	if err := db.RecordOutstanding(ctxT(t), tk); err != nil {
		t.Fatalf("RecordOutstanding: %v", err)
	}
	return tk
}

func mustToken(t *testing.T, db *store.DB, jti string) auth.OutstandingToken {
	t.Helper()
	got, err := db.TokenByJTI(ctxT(t), jti)
	if err != nil {
		t.Fatalf("TokenByJTI(%s): %v", jti, err)
	}
	return got
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func wantNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// micro is what a store gives back for a written instant.
func micro(tm time.Time) time.Time { return tm.UTC().Truncate(time.Microsecond) }

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", what, got)
		}
		return
	}
	if got != micro(want) {
		t.Errorf("%s = %v (%s), want %v UTC", what, got, got.Location(), micro(want))
	}
}
