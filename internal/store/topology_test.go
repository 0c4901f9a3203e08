package store_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
	"github.com/authgate/authgate/internal/store/storetest"
	"github.com/authgate/authgate/internal/topotest"
)

// throughPgBouncer starts PgBouncer in transaction mode in front of the test PostgreSQL server
// and returns a function making fresh databases on the server, reached through PgBouncer.
func throughPgBouncer(t *testing.T) func(t testing.TB) string {
	admin, err := url.Parse(storetest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	bouncer := topotest.StartPgBouncer(t, admin.Host)
	return func(t testing.TB) string {
		u, err := url.Parse(storetest.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		u.Host = bouncer.Addr()
		return u.String()
	}
}

// serverStatementTimeout sets the statement_timeout of the database at url on the server, as
// an operator sets it on the role behind PgBouncer (docs/production.md): below the store's own
// deadline, so that the server ends a slow statement and authgate never has to cancel one
// through PgBouncer (which crashed PgBouncer 1.18 here: "server in bad state: 11").
func serverStatementTimeout(t *testing.T, dbURL string, d time.Duration) {
	t.Helper()
	name := strings.TrimPrefix(must(url.Parse(dbURL)).Path, "/")
	admin, err := sql.Open("pgx", storetest.AdminURL())
	wantNoErr(t, "admin connection", err)
	defer admin.Close()
	_, err = admin.ExecContext(ctxT(t), fmt.Sprintf(`ALTER DATABASE %s SET statement_timeout = %d`, name, d.Milliseconds()))
	wantNoErr(t, "set statement_timeout", err)
}

// TestPgBouncer runs the whole store suite through PgBouncer with pool_mode=transaction and
// otherwise PgBouncer's defaults (no ignore_startup_parameters): migrations, the rotation races
// across handles, fail-closed statement timeouts.
func TestPgBouncer(t *testing.T) {
	t.Parallel()
	through := throughPgBouncer(t)
	b := backend{name: "postgres", url: through, pooler: true}
	b.open = func(t testing.TB) *store.DB {
		return storetest.Open(t, through(t), b.with(store.Options{}))
	}
	runStoreSuite(t, b)
}

// TestPgBouncerWithoutPoolerMode is the control: without the pooler setting authgate sends
// statement_timeout as a startup parameter, which PgBouncer refuses by default.
func TestPgBouncerWithoutPoolerMode(t *testing.T) {
	t.Parallel()
	through := throughPgBouncer(t)
	_, err := store.Open(ctxT(t), through(t), store.Options{RetryDelay: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "unsupported startup parameter") {
		t.Fatalf("Open through PgBouncer without the pooler setting: %v, want PgBouncer's refusal", err)
	}
	_, err = store.Open(ctxT(t), through(t)+"&default_query_exec_mode=describe_exec",
		store.Options{TransactionPooler: true})
	if err == nil || !strings.Contains(err.Error(), "describe_exec") {
		t.Fatalf("Open with describe_exec through a transaction pooler: %v, want it refused", err)
	}
}

// TestPostgresReadOnlyServer: a server that turns read-only (a standby, a primary demoted into
// one) makes writes and readiness fail closed, and its connections are dropped, so that once a
// writable server answers again writes work without a restart. The control for the last step:
// database/sql would otherwise keep reusing the read-only connection.
func TestPostgresReadOnlyServer(t *testing.T) {
	t.Parallel()
	dbURL := storetest.PostgresURL(t)
	name := strings.TrimPrefix(must(url.Parse(dbURL)).Path, "/")
	admin, err := sql.Open("pgx", storetest.AdminURL())
	wantNoErr(t, "admin connection", err)
	defer admin.Close()
	adminExec := func(stmt string) {
		t.Helper()
		if _, err := admin.ExecContext(ctxT(t), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db := storetest.Open(t, dbURL, store.Options{MaxOpenConns: 1})
	ctx := ctxT(t)
	u := mustUser(t, db, "ro@example.com")

	adminExec(`ALTER DATABASE ` + name + ` SET default_transaction_read_only = on`)
	adminExec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `'`)
	for range 2 { // the first may meet the terminated connection
		err = db.SetLastLogin(ctx, u.ID, t0)
	}
	wantErr(t, "write on a read-only server", err, auth.ErrUnavailable)
	err = db.Ping(ctx)
	wantErr(t, "Ping of a read-only server", err, auth.ErrUnavailable)
	if !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Ping of a read-only server: %v, want it to say read-only", err)
	}
	// The pool now holds a connection opened read-only.
	adminExec(`ALTER DATABASE ` + name + ` RESET default_transaction_read_only`)
	err = db.SetLastLogin(ctx, u.ID, t0)
	wantErr(t, "write on the read-only connection", err, auth.ErrUnavailable)
	wantNoErr(t, "write once the server is writable (a new connection)", db.SetLastLogin(ctx, u.ID, t0))
	wantNoErr(t, "Ping once the server is writable", db.Ping(ctx))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSynchronousStandbyLost: with synchronous replication and the standby gone, a commit waits
// for it, and a rotation fails closed at the store call's deadline: never answered, so no client
// holds a token no standby has. What it leaves behind: when pgx gives up on a connection it sends
// a cancel request, and PostgreSQL, cancelling the wait, keeps the commit it had made locally
// ("committed locally, but might not have been replicated"): the refused rotation is on the
// primary, and a retry of its token is refused as a reuse (docs/production.md).
func TestSynchronousStandbyLost(t *testing.T) {
	t.Parallel()
	primary := topotest.StartPrimary(t, topotest.PostgresOptions{SynchronousStandby: "standby"})
	standby := primary.StartStandby(t, "standby")
	primary.Exec(t, "postgres", `CREATE DATABASE authgate`)
	db := storetest.Open(t, primary.URL("authgate"), store.Options{StatementTimeout: time.Second})
	u := mustUser(t, db, "sync@example.com")
	old := mustRecord(t, db, tok(u.ID, "", t0, time.Hour))

	standby.Kill()
	err := db.RotateRecorded(ctxT(t), old.JTI, tok(u.ID, "", t0, time.Hour), t0)
	wantErr(t, "a rotation no standby confirms", err, auth.ErrUnavailable)
	deadline := time.Now().Add(10 * time.Second)
	for !mustToken(t, db, old.JTI).Blacklisted {
		if time.Now().After(deadline) {
			t.Fatal("the refused rotation is not on the primary: has pgx stopped cancelling on close? docs/production.md says it is")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
