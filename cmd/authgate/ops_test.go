package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// logsOf reads what the server wrote to stderr so far.
func logsOf(s *server) string {
	sw := s.cmd.Stderr.(*syncWriter)
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return s.logs.String()
}

func sqliteEnv(t *testing.T, extra ...string) []string {
	return append([]string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "a.db"),
		"AUTHGATE_SIGNING_KEY=" + strings.Repeat("k", 40), "AUTHGATE_EMAIL_URL=console://"}, extra...)
}

// TestLogFormats: the access log line in JSON and in text, with the request id the answer
// carries; at level warn, no access log at all.
func TestLogFormats(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		format, level string
		want          func(id string) string // "" when no line is expected
	}{
		{"json", "info", func(id string) string {
			return `"msg":"request","request_id":"` + id + `","method":"GET","route":"/healthz/","status":200`
		}},
		{"text", "info", func(id string) string {
			return `msg=request request_id=` + id + ` method=GET route=/healthz/ status=200`
		}},
		{"json", "warn", func(string) string { return "" }},
	} {
		t.Run(c.format+"-"+c.level, func(t *testing.T) {
			t.Parallel()
			s := serve(t, sqliteEnv(t, "AUTHGATE_LOG_FORMAT="+c.format, "AUTHGATE_LOG_LEVEL="+c.level))
			resp, err := http.Get(s.url + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id := resp.Header.Get("X-Request-Id")
			want := c.want(id)
			deadline := time.Now().Add(5 * time.Second)
			for want != "" && !strings.Contains(logsOf(s), want) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q in the log:\n%s", want, logsOf(s))
				}
				time.Sleep(10 * time.Millisecond)
			}
			if want == "" {
				time.Sleep(100 * time.Millisecond)
				if strings.Contains(logsOf(s), id) {
					t.Fatalf("an access log line at level %s:\n%s", c.level, logsOf(s))
				}
			}
		})
	}
}

// slowLogin opens a connection and sends a login whose body stops half way: a request the
// server is in the middle of. finish sends the rest and returns the answer's status line and
// body.
func slowLogin(t *testing.T, base string) (finish func() (string, string)) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	body := `{"email": "nobody@example.com", "password": "a password that is long enough"}`
	fmt.Fprintf(c, "POST /api/token/ HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		u.Host, len(body), body[:20])
	return func() (string, string) {
		if _, err := io.WriteString(c, body[20:]); err != nil {
			t.Fatalf("finish the request: %v", err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("read the answer: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Status, string(b)
	}
}

// TestGracefulShutdownDrains: on SIGTERM the server stops accepting connections, lets the
// request in flight finish and answer, then exits 0.
func TestGracefulShutdownDrains(t *testing.T) {
	t.Parallel()
	s := serve(t, sqliteEnv(t, "AUTHGATE_SHUTDOWN_TIMEOUT=20s", "AUTHGATE_LOG_FORMAT=json"))
	finish := slowLogin(t, s.url)
	time.Sleep(200 * time.Millisecond) // the server reads the headers and waits for the body
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.url)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 5s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-s.done:
		t.Fatalf("exited with a request in flight: %v\n%s", err, logsOf(s))
	case <-time.After(300 * time.Millisecond):
	}
	status, body := finish()
	if status != "401 Unauthorized" || body != `{"detail":"No active account found with the given credentials"}` {
		t.Fatalf("the drained request: %s %s", status, body)
	}
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Fatalf("exit after draining: %v\n%s", err, logsOf(s))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after the last request finished")
	}
	logs := logsOf(s)
	for _, want := range []string{`"msg":"shutting down"`, `"route":"/api/token/","status":401`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// TestShutdownTimeout: a request that never finishes holds the exit for
// AUTHGATE_SHUTDOWN_TIMEOUT only; the server then exits with an error saying so.
func TestShutdownTimeout(t *testing.T) {
	t.Parallel()
	s := serve(t, sqliteEnv(t, "AUTHGATE_SHUTDOWN_TIMEOUT=1s"))
	slowLogin(t, s.url)
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.done <- err
		took := time.Since(start)
		if err == nil || !strings.Contains(logsOf(s), "shutdown: context deadline exceeded") {
			t.Fatalf("exit %v after %s, want an error naming the shutdown deadline:\n%s", err, took, logsOf(s))
		}
		if took < 900*time.Millisecond {
			t.Fatalf("exited after %s, before the 1s shutdown timeout", took)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15s after SIGTERM with a 1s shutdown timeout")
	}
}

// TestBenchCommand runs `authgate bench` as an operator would: it starts its own server and
// ceiling server, and reports JSON with no wrong answer, ratios, memory and the leak check.
func TestBenchCommand(t *testing.T) {
	t.Parallel()
	out, errOut, code := cli(t, []string{"AUTHGATE_DB_MAX_OPEN_CONNS=4"}, "", "bench", "-d", "1s", "--warmup", "0", "-c", "4",
		"--users", "2", "--scenario", "me,refresh,login", "--json")
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		Database  string `json:"database"`
		Scenarios []struct {
			Name     string  `json:"name"`
			Requests int     `json:"requests"`
			Errors   int     `json:"errors"`
			RSS      float64 `json:"peak_rss_mib"`
			Ratio    float64 `json:"ratio"`
			Ceiling  *struct {
				Kind   string  `json:"kind"`
				PerSec float64 `json:"per_sec"`
			} `json:"ceiling"`
		} `json:"scenarios"`
		Leaks *struct {
			OK bool `json:"ok"`
		} `json:"leaks"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Database != "sqlite" || len(rep.Scenarios) != 3 || rep.Leaks == nil || !rep.Leaks.OK {
		t.Fatalf("report %s", out)
	}
	for i, kind := range []string{"http", "storage", "argon2id"} {
		s := rep.Scenarios[i]
		if s.Errors != 0 || s.Requests == 0 || s.RSS <= 0 || s.Ceiling == nil || s.Ceiling.Kind != kind ||
			s.Ceiling.PerSec <= 0 || s.Ratio <= 0 {
			t.Errorf("scenario %s: %+v", s.Name, s)
		}
	}
}

// TestBenchTargetOnly drives a server the bench did not start, as it would a Django one: an
// existing account, no ceilings.
func TestBenchTargetOnly(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t, "AUTHGATE_THROTTLE_REFRESH=0/min")
	if out, errOut, code := cli(t, env, "a long pass phrase\n", "createuser", "--email", "load@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("createuser: %s %s", out, errOut)
	}
	s := serve(t, env)
	out, errOut, code := cli(t, nil, "a long pass phrase\n", "bench", "--url", s.url, "--email", "load@example.com",
		"--password-stdin", "--target-only", "--scenario", "me,verify,refresh", "-d", "1s", "--warmup", "0", "-c", "2")
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"me", "verify", "refresh", s.url} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ceiling") || strings.Contains(out, "FAIL") {
		t.Errorf("target-only table:\n%s", out)
	}
}
