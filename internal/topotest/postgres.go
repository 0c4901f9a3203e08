package topotest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// pgBinDirs is where Debian keeps PostgreSQL's server programs.
var pgBinDirs = []string{"/usr/lib/postgresql/*/bin"}

func pgProgram(t testing.TB, name string) string {
	t.Helper()
	return Program(t, name, "postgresql", pgBinDirs...)
}

// Postgres is one PostgreSQL server: a primary, or a streaming standby of one.
type Postgres struct {
	Name string
	Port int
	data string
	proc *Process
}

// PostgresOptions shape a primary.
type PostgresOptions struct {
	// SynchronousStandby, when set, is the application_name of the standby every commit waits
	// for (synchronous_standby_names, with synchronous_commit on): an answered commit is on the
	// standby's disk too. Empty: asynchronous replication.
	SynchronousStandby string
}

// StartPrimary creates a cluster with initdb (trust authentication on 127.0.0.1, replication
// included) and starts it, ready for standbys. fsync is off: a killed process loses nothing the
// kernel holds, and these tests kill processes, not machines.
func StartPrimary(t testing.TB, o PostgresOptions) *Postgres {
	t.Helper()
	dir := Dir(t)
	data := filepath.Join(dir, "data")
	run(t, true, pgProgram(t, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync")
	p := &Postgres{Name: "primary", Port: FreePort(t), data: data}
	p.start(t, "-c", "synchronous_standby_names="+o.SynchronousStandby)
	return p
}

// StartStandby clones p with pg_basebackup and starts the copy as a hot standby streaming from
// p under the application_name name. It returns once p sees it streaming. The standby's own
// synchronous_standby_names is empty, so that after its promotion it commits without waiting
// for a standby it does not have (failover managers such as Patroni manage this setting).
func (p *Postgres) StartStandby(t testing.TB, name string) *Postgres {
	t.Helper()
	dir := Dir(t)
	data := filepath.Join(dir, "data")
	run(t, true, pgProgram(t, "pg_basebackup"), "-h", "127.0.0.1", "-p", fmt.Sprint(p.Port), "-U", "postgres",
		"-D", data, "-X", "stream", "-c", "fast", "-R", "--no-sync")
	s := &Postgres{Name: name, Port: FreePort(t), data: data}
	s.start(t, "-c", "synchronous_standby_names=",
		"-c", fmt.Sprintf("primary_conninfo=host=127.0.0.1 port=%d user=postgres application_name=%s", p.Port, name))
	db := p.open(t, "postgres")
	s.proc.waitFor(t, "streaming from "+p.Name, 30*time.Second, func() error {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'`, name).Scan(&n)
		if err == nil && n == 0 {
			err = errNotYet
		}
		return err
	})
	return s
}

func (p *Postgres) start(t testing.TB, extra ...string) {
	t.Helper()
	args := append([]string{"-D", p.data,
		"-c", fmt.Sprintf("port=%d", p.Port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		"-c", "fsync=off",
		"-c", "shared_buffers=16MB",
		"-c", "max_connections=200",
		"-c", "wal_level=replica",
		"-c", "max_wal_senders=5",
		"-c", "hot_standby=on",
		"-c", "wal_receiver_status_interval=1s",
		"-c", "log_min_messages=warning",
	}, extra...)
	p.proc = start(t, "postgres "+p.Name, true, pgProgram(t, "postgres"), args...)
	db := p.open(t, "postgres")
	p.proc.waitFor(t, "accepting connections", 30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return db.PingContext(ctx)
	})
}

// URL is a connection URL of database db on this server.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Addr is the server's host:port.
func (p *Postgres) Addr() string { return fmt.Sprintf("127.0.0.1:%d", p.Port) }

// open is a database/sql handle on db, closed when the test ends.
func (p *Postgres) open(t testing.TB, db string) *sql.DB {
	t.Helper()
	h, err := sql.Open("pgx", p.URL(db)+"&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	h.SetMaxIdleConns(1)
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// Exec runs statements on database db of this server.
func (p *Postgres) Exec(t testing.TB, db, stmt string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.open(t, db).ExecContext(ctx, stmt, args...); err != nil {
		t.Fatalf("topotest: %s on %s: %v", stmt, p.Name, err)
	}
}

// DB is a database/sql handle on database db of this server, closed when the test ends.
func (p *Postgres) DB(t testing.TB, db string) *sql.DB {
	t.Helper()
	return p.open(t, db)
}

// Kill takes the server down at once, every backend with it, as a lost machine would.
func (p *Postgres) Kill() { p.proc.Kill() }

// Promote makes a standby the primary (pg_ctl promote) and returns once it accepts writes.
func (p *Postgres) Promote(t testing.TB) {
	t.Helper()
	run(t, true, pgProgram(t, "pg_ctl"), "promote", "-D", p.data, "-w", "-t", "30")
	db := p.open(t, "postgres")
	p.proc.waitFor(t, "promoted", 30*time.Second, func() error {
		var recovering bool
		err := db.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&recovering)
		if err == nil && recovering {
			err = errNotYet
		}
		return err
	})
}

// StallReplication stops (SIGSTOP) the WAL senders of this primary, so that its standbys receive
// nothing more while it goes on committing: the lag of a congested or partitioned link. Killing
// the primary ends them; so does the returned function, which resumes them.
func (p *Postgres) StallReplication(t testing.TB) (resume func()) {
	t.Helper()
	rows, err := p.open(t, "postgres").Query(`SELECT pid FROM pg_stat_replication`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if err := rows.Err(); err != nil || len(pids) == 0 {
		t.Fatalf("topotest: no WAL sender to stall on %s: %v", p.Name, err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("topotest: stop WAL sender %d: %v", pid, err)
		}
	}
	return func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
}
