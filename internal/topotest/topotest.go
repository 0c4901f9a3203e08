// Package topotest starts the parts of a production topology for tests, as real processes:
// PostgreSQL primaries and streaming standbys (initdb, pg_basebackup, pg_ctl promote), PgBouncer,
// Redis primaries and replicas, Redis Sentinels. Each runs in a temporary directory on a free
// port of 127.0.0.1, in a process group of its own so that Kill takes it down at once as a lost
// machine would, and is killed when the test ends.
//
// A missing program fails the test, naming the Debian package that provides it (.ci/run
// installs them): a topology test never skips.
package topotest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Program returns the path of an executable: from dirs (globs allowed; the last match wins, so
// the highest PostgreSQL version of /usr/lib/postgresql/*/bin), else PATH, else the sbin
// directories. It fails the test, naming pkg, when there is none.
func Program(t testing.TB, name, pkg string, dirs ...string) string {
	t.Helper()
	for _, d := range dirs {
		matches, _ := filepath.Glob(filepath.Join(d, name))
		sort.Strings(matches)
		if len(matches) > 0 {
			return matches[len(matches)-1]
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin"} {
		if p := filepath.Join(d, name); executable(p) {
			return p
		}
	}
	t.Fatalf("topotest: %s not found: install the Debian package %s (.ci/run does)", name, pkg)
	return ""
}

// FreePort returns a TCP port of 127.0.0.1 that nothing listened on a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// account is the unprivileged user PostgreSQL and PgBouncer run as when the tests run as root
// (both refuse to run as root).
type account struct {
	uid, gid uint32
	root     bool
}

var serviceAccount = sync.OnceValues(func() (account, error) {
	if os.Geteuid() != 0 {
		return account{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("tests run as root, and PostgreSQL and PgBouncer refuse root: need the OS user postgres (Debian package postgresql-common): %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return account{uid: uint32(uid), gid: uint32(gid), root: true}, nil
})

func serviceUser(t testing.TB) account {
	t.Helper()
	a, err := serviceAccount()
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	return a
}

// Dir makes a temporary directory the service account owns, removed when the test ends (after
// the processes started in it are killed: cleanups run last registered first).
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "authgate-topo-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if a := serviceUser(t); a.root {
		if err := os.Chown(dir, int(a.uid), int(a.gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// command prepares a program to run as the service account in a process group of its own.
func command(t testing.TB, asService bool, prog string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if a := serviceUser(t); asService && a.root {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid}
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// run runs a program to completion, failing the test with its output when it fails.
func run(t testing.TB, asService bool, prog string, args ...string) {
	t.Helper()
	cmd := command(t, asService, prog, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("topotest: %s %s: %v\n%s", filepath.Base(prog), strings.Join(args, " "), err, out)
	}
}

// Process is a started server process.
type Process struct {
	name string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
	err  error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start starts a long-running program. The test's cleanup kills its process group, and prints
// its output when the test failed.
func start(t testing.TB, name string, asService bool, prog string, args ...string) *Process {
	t.Helper()
	p := &Process{name: name, cmd: command(t, asService, prog, args...), log: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.WaitDelay = 2 * time.Second // an orphan holding the output pipe does not hold Wait
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("topotest: start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("topotest: output of %s:\n%s", name, tail(p.log.String(), 40))
		}
	})
	return p
}

// Kill takes the server down at once with every process it forked, as the loss of its machine
// would, and waits for it to exit. PostgreSQL's children each start a session of their own
// (setsid), so the process group is not enough: the server is stopped so that it forks no more,
// and its descendants, found in /proc, are killed with it.
func (p *Process) Kill() {
	if p.Exited() {
		return
	}
	pid := p.cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	for _, c := range descendants(pid) {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-p.done
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], child)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		out = append(out, children[next]...)
		queue = append(queue, children[next]...)
	}
	return out
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Output is what the process printed so far.
func (p *Process) Output() string { return p.log.String() }

// waitFor polls ready until it succeeds, the process exits or the time runs out.
func (p *Process) waitFor(t testing.TB, what string, within time.Duration, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	var err error
	for {
		if err = ready(); err == nil {
			return
		}
		if p.Exited() {
			t.Fatalf("topotest: %s exited before %s: %v\n%s", p.name, what, p.err, tail(p.Output(), 40))
		}
		if time.Now().After(deadline) {
			t.Fatalf("topotest: %s: not %s after %v: %v\n%s", p.name, what, within, err, tail(p.Output(), 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// executable reports whether path is an executable file.
func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// dialable reports whether something accepts TCP connections on addr.
func dialable(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// writeFile writes a configuration file the service account can read.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var errNotYet = errors.New("not yet")
