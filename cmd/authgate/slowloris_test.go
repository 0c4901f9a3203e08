package main_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlowlorisClosed (ASVS 13.1.x, CWE-400): against the real binary, connections that send
// their headers a byte at a time are closed by the header timeout (5 s in serve.go) without an
// answer, and while dozens of them hang on, everyone else is served.
func TestSlowlorisClosed(t *testing.T) {
	t.Parallel()
	env := []string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "a.db"),
		"AUTHGATE_SIGNING_KEY=slowloris-test-signing-key-0123456789abcdef", "AUTHGATE_EMAIL_URL=console://"}
	s := serve(t, env)
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		after time.Duration
		got   []byte
	}
	const attackers = 40
	done := make(chan outcome, attackers)
	start := time.Now()
	for range attackers {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, "POST /api/token/ HTTP/1.1\r\nHost: authgate\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
		go func() {
			got, _ := io.ReadAll(conn) // until the server closes the connection
			done <- outcome{time.Since(start), got}
		}()
		go func() {
			for range 40 { // 20 s of one byte every half second, far past the header timeout
				time.Sleep(500 * time.Millisecond)
				if _, err := conn.Write([]byte("a")); err != nil {
					return
				}
			}
		}()
	}
	// Meanwhile an ordinary client is served.
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(s.url + "/healthz")
	if err != nil {
		t.Fatalf("healthz during the attack: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz during the attack: %d", resp.StatusCode)
	}
	// The 5 s header timeout, not the 15 s whole-request one, must end them (with slack for a
	// loaded machine).
	deadline := time.After(12 * time.Second)
	for range attackers {
		select {
		case o := <-done:
			if o.after < 4*time.Second || o.after > 10*time.Second || len(o.got) != 0 && !isTimeoutAnswer(o.got) {
				t.Fatalf("slow connection ended after %v with %q", o.after, o.got)
			}
		case <-deadline:
			t.Fatal("slow connections still open 12 s later: no header timeout")
		}
	}
	if st, body := curl(t, s.url+"/api/token/", `{"email":"x@example.com","password":"y"}`); st != 401 {
		t.Fatalf("after the attack: %d %s", st, body)
	}
}

// isTimeoutAnswer accepts the 408 some Go versions send before closing a timed-out connection.
func isTimeoutAnswer(b []byte) bool {
	return len(b) >= 12 && string(b[:12]) == "HTTP/1.1 408"
}

// TestHeaderLimitBinary (ASVS 13.1.x): the real binary refuses a header block past its 64 KiB
// limit with 431, and serves one under it.
func TestHeaderLimitBinary(t *testing.T) {
	t.Parallel()
	env := []string{"AUTHGATE_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "a.db"),
		"AUTHGATE_SIGNING_KEY=header-limit-test-signing-key-0123456789", "AUTHGATE_EMAIL_URL=console://"}
	s := serve(t, env)
	for size, want := range map[int]int{100 << 10: http.StatusRequestHeaderFieldsTooLarge, 16 << 10: http.StatusOK} {
		req, err := http.NewRequest("GET", s.url+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Padding", strings.Repeat("a", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%d KiB header: %d, want %d", size>>10, resp.StatusCode, want)
		}
	}
}
