package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary builds authgate once per test run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "authgate-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "authgate")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Stderr = os.Stderr
	return out, cmd.Run()
})

func build(t *testing.T) string {
	t.Helper()
	b, err := binary()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	return b
}

// cli runs one authgate command to completion.
func cli(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(build(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return o.String(), e.String(), code
}

// server is a started `authgate serve`.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	done chan error
}

func serve(t *testing.T, env []string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(build(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, extra...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cmd.Stderr = &syncWriter{w: logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: logs, done: make(chan error, 1)}
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
				found <- u
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.url = <-found:
	case err := <-s.done:
		t.Fatalf("serve exited: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start\n%s", logs)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	return s
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// curl is the tutorial's curl: a POST with a JSON body and optional headers.
func curl(t *testing.T, url, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	code, b, _ := send(t, req)
	return code, b
}

// send does req with the default client and returns the status, the body and the headers.
func send(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func fields(t *testing.T, body string) map[string]string {
	t.Helper()
	m := map[string]string{}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return m
}

// TestTutorial follows the Appliku tutorial's walkthrough against the real binary: migrate,
// makesuperuser (twice), serve, then its curl steps, then a graceful stop.
func TestTutorial(t *testing.T) {
	dir := t.TempDir()
	env := []string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(dir, "authgate.db"), "AUTHGATE_EMAIL_URL=console://"}

	// The warnings meant for serve (a generated development key, mail only logged) are not
	// printed by commands that neither sign tokens nor send mail (issue #13).
	serveWarnings := []string{"no signing key configured", "console sender in use"}
	quiet := func(command, errOut string) {
		t.Helper()
		for _, w := range serveWarnings {
			if strings.Contains(errOut, w) {
				t.Errorf("%s warns %q:\n%s", command, w, errOut)
			}
		}
	}
	for range 2 {
		out, errOut, code := cli(t, env, "", "migrate")
		if code != 0 || !strings.Contains(out, "up to date") {
			t.Fatalf("migrate: %d %s %s", code, out, errOut)
		}
		quiet("migrate", errOut)
	}
	out, errOut, code := cli(t, env, "", "makesuperuser")
	m := regexp.MustCompile(`(?m)^password: (\S+)$`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "admin@example.com") {
		t.Fatalf("makesuperuser: %d %q %s", code, out, errOut)
	}
	quiet("makesuperuser", errOut)
	password := m[1]
	out, _, code = cli(t, env, "", "makesuperuser")
	if code != 0 || strings.Contains(out, "password:") || !strings.Contains(out, "already exists") {
		t.Fatalf("makesuperuser again: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "authgate-signing-key")); err != nil {
		t.Fatalf("generated key not kept beside the database: %v", err)
	}

	s := serve(t, env)
	login := `{"email": "admin@example.com", "password": "` + password + `"}`
	st, body := curl(t, s.url+"/api/token/", login)
	if st != 200 {
		t.Fatalf("login: %d %s", st, body)
	}
	pair := fields(t, body)
	st, body = curl(t, s.url+"/api/token/refresh/", `{"refresh": "`+pair["refresh"]+`"}`)
	if st != 200 || fields(t, body)["refresh"] == "" || fields(t, body)["access"] == "" {
		t.Fatalf("refresh: %d %s", st, body)
	}
	st, body = curl(t, s.url+"/api/token/refresh/", `{"refresh": "`+pair["refresh"]+`"}`)
	if st != 401 || body != `{"detail":"Token is blacklisted","code":"token_not_valid"}` {
		t.Fatalf("refresh again: %d %s", st, body)
	}

	// Logout of one refresh token, then of all.
	st, body = curl(t, s.url+"/api/token/", login)
	if st != 200 {
		t.Fatalf("login again: %d %s", st, body)
	}
	pair = fields(t, body)
	st, body = curl(t, s.url+"/logout_token/", `{"refresh_token": "`+pair["refresh"]+`"}`, "Authorization", "Bearer "+pair["access"])
	if st != 200 || body != `{"status":"OK, goodbye"}` {
		t.Fatalf("logout: %d %s", st, body)
	}
	// The logout ended that login's session, so its access token no longer opens the API; the
	// tutorial's next step still logs out everywhere with it, which the logout view allows.
	req, _ := http.NewRequest("GET", s.url+"/api/me/", nil)
	req.Header.Set("Authorization", "Bearer "+pair["access"])
	if st, body, _ = send(t, req); st != 401 {
		t.Fatalf("the logged-out session's access token on /api/me/: %d %s", st, body)
	}
	st, body = curl(t, s.url+"/logout_token/", `{"all": "1"}`, "Authorization", "Bearer "+pair["access"])
	if st != 200 || body != `{"status":"OK, goodbye, all refresh tokens blacklisted"}` {
		t.Fatalf("logout all: %d %s", st, body)
	}

	// Graceful shutdown on SIGTERM: exit status 0.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	for _, w := range serveWarnings {
		if !strings.Contains(s.logs.String(), w) {
			t.Errorf("serve does not warn %q:\n%s", w, s.logs)
		}
	}
}

// TestCommands covers the management commands' contracts.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	env := []string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(dir, "a.db"), "AUTHGATE_SIGNING_KEY=" + strings.Repeat("k", 40)}
	if out, _, code := cli(t, env, "", "help"); code != 0 || !strings.Contains(out, "flushexpiredtokens") || !strings.Contains(out, "AUTHGATE_ACCESS_TOKEN_LIFETIME") {
		t.Fatalf("help: %d %s", code, out)
	}
	if out, _, code := cli(t, env, "", "version"); code != 0 || !strings.HasPrefix(out, "authgate ") {
		t.Fatalf("version: %d %s", code, out)
	}
	if _, errOut, code := cli(t, env, "", "frobnicate"); code == 0 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, append(env, "AUTHGATE_SIGNING_KEY=short"), "", "migrate"); code == 0 || !strings.Contains(errOut, "at least 32 bytes") {
		t.Fatalf("short key: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, append(env, "AUTHGATE_ACCESS_TOKEN_LIFETIME=soon"), "", "migrate"); code == 0 || !strings.Contains(errOut, "AUTHGATE_ACCESS_TOKEN_LIFETIME") {
		t.Fatalf("bad duration: %d %s", code, errOut)
	}
	// A misspelt setting is not ignored in silence (issue #13); the tools' own variables are fine.
	_, errOut, code := cli(t, append(env, "AUTHGATE_ACESS_TOKEN_LIFETIME=1h", "AUTHGATE_TEST_POSTGRES_URL=postgres://x"), "", "migrate")
	if want := "AUTHGATE_ACESS_TOKEN_LIFETIME is not a setting and is ignored; did you mean AUTHGATE_ACCESS_TOKEN_LIFETIME?"; code != 0 ||
		!strings.Contains(errOut, want) || strings.Contains(errOut, "AUTHGATE_TEST_POSTGRES_URL") {
		t.Fatalf("misspelt setting: %d %s", code, errOut)
	}
	if _, errOut, code := cli(t, env, "", "createuser", "--email", "bob@example.com"); code == 0 || !strings.Contains(errOut, "--password-stdin") {
		t.Fatalf("createuser without a terminal: %d %s", code, errOut)
	}
	if out, errOut, code := cli(t, env, "first pass phrase\n", "createuser", "--email", "bob@example.com", "--staff", "--password-stdin"); code != 0 || !strings.Contains(out, "created user bob@example.com") {
		t.Fatalf("createuser: %d %s %s", code, out, errOut)
	}
	if _, errOut, code := cli(t, env, "x y z w v u\n", "createuser", "--email", "BOB@example.com", "--password-stdin"); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate createuser: %d %s", code, errOut)
	}
	s := serve(t, env)
	st, body := curl(t, s.url+"/api/token/", `{"email":"bob@example.com","password":"first pass phrase"}`)
	if st != 200 {
		t.Fatalf("login: %d %s", st, body)
	}
	old := fields(t, body)
	if out, errOut, code := cli(t, env, "second pass phrase\n", "changepassword", "--email", "bob@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("changepassword: %d %s %s", code, out, errOut)
	}
	if st, body := curl(t, s.url+"/api/token/refresh/", `{"refresh":"`+old["refresh"]+`"}`); st != 401 {
		t.Fatalf("refresh after password change: %d %s", st, body)
	}
	if st, body := curl(t, s.url+"/api/token/", `{"email":"bob@example.com","password":"second pass phrase"}`); st != 200 {
		t.Fatalf("login with new password: %d %s", st, body)
	}
	if out, errOut, code := cli(t, env, "", "flushexpiredtokens"); code != 0 || !strings.Contains(out, "done: 0 expired tokens") {
		t.Fatalf("flushexpiredtokens: %d %s %s", code, out, errOut)
	}
	if out, errOut, code := cli(t, env, "", "keys", "generate", "--algorithm", "EdDSA", "--out", dir); code != 0 || !strings.Contains(out, "AUTHGATE_ALGORITHM=EdDSA") {
		t.Fatalf("keys generate: %d %s %s", code, out, errOut)
	}
}
