package topotest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PgBouncer is a PgBouncer in transaction pooling mode in front of one PostgreSQL server.
type PgBouncer struct {
	Port int
	proc *Process
}

// StartPgBouncer starts PgBouncer in pool_mode=transaction on a free port, serving every
// database of the PostgreSQL server at upstream (host:port) to the user postgres without a
// password. Its other settings are PgBouncer's defaults — in particular no
// ignore_startup_parameters, so a client sending startup parameters PgBouncer does not know
// (statement_timeout) is refused as in production — but for max_client_conn, raised so that
// parallel tests never queue on it.
func StartPgBouncer(t testing.TB, upstream string) *PgBouncer {
	t.Helper()
	host, port, ok := strings.Cut(upstream, ":")
	if !ok {
		t.Fatalf("topotest: upstream %q is not host:port", upstream)
	}
	dir := Dir(t)
	b := &PgBouncer{Port: FreePort(t)}
	writeFile(t, filepath.Join(dir, "userlist.txt"), `"postgres" ""`+"\n")
	ini := filepath.Join(dir, "pgbouncer.ini")
	writeFile(t, ini, fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 1000
pidfile = %s
`, host, port, b.Port, filepath.Join(dir, "userlist.txt"), filepath.Join(dir, "pgbouncer.pid")))
	b.proc = start(t, "pgbouncer", true, Program(t, "pgbouncer", "pgbouncer"), ini)
	b.proc.waitFor(t, "listening", 30*time.Second, func() error { return dialable(b.Addr()) })
	return b
}

// Addr is PgBouncer's host:port.
func (b *PgBouncer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", b.Port) }

// URL is a connection URL of database db through PgBouncer.
func (b *PgBouncer) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", b.Addr(), db)
}

// Kill stops PgBouncer at once.
func (b *PgBouncer) Kill() { b.proc.Kill() }
