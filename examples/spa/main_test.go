package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	cases := []struct {
		api, mode string
		want      config
		err       string
	}{
		{"http://127.0.0.1:8060", "cookie", config{"http://127.0.0.1:8060", "cookie"}, ""},
		{" https://auth.example.com/ ", "localstorage", config{"https://auth.example.com", "localstorage"}, ""},
		{"https://example.com/auth/", "cookie", config{"https://example.com/auth", "cookie"}, ""},
		{"ftp://127.0.0.1", "cookie", config{}, "--api"},
		{"127.0.0.1:8060", "cookie", config{}, "--api"},
		{"http://user:pw@127.0.0.1", "cookie", config{}, "--api"},
		{"http://127.0.0.1/?x=1", "cookie", config{}, "--api"},
		{"", "cookie", config{}, "--api"},
		{"http://127.0.0.1:8060", "sessionstorage", config{}, "--mode"},
	}
	for _, c := range cases {
		got, err := newConfig(c.api, c.mode)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("newConfig(%q, %q): error %v, want one about %s", c.api, c.mode, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("newConfig(%q, %q) = %+v, %v; want %+v", c.api, c.mode, got, err, c.want)
		}
	}
}

// TestRun starts the command on a free port, reads the page and its config through it, and
// stops it by cancelling its context.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--api", "http://127.0.0.1:8060/"}, w, io.Discard)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no start line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	addr := strings.Fields(strings.TrimPrefix(line, "example app on "))[0]

	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/config.json")
	var cfg config
	if err := json.Unmarshal([]byte(body), &cfg); err != nil || cfg != (config{"http://127.0.0.1:8060", "cookie"}) {
		t.Fatalf("config.json %q: %v", body, err)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, d := range []string{"script-src 'self'", "connect-src 'self' http://127.0.0.1:8060", "form-action 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	resp, body = get("/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<script type="module" src="/app.js">`) {
		t.Errorf("index: %d %.80q", resp.StatusCode, body)
	}
	// The app's own addresses (and the pages authgate's mails link to) are the page itself, under
	// the same policy; a directory is never listed.
	for _, path := range []string{"/login", "/account/sessions", "/activate/MTIz/abc-DEF_123", "/screens/"} {
		resp, body := get(path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<script type="module" src="/app.js">`) ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
			resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: %d %q %.80q", path, resp.StatusCode, resp.Header, body)
		}
	}
	for _, js := range []string{"/app.js", "/session.js", "/api.js", "/router.js", "/ui.js", "/accounts.js",
		"/screens/index.js", "/screens/login.js", "/screens/sessions.js"} {
		if resp, _ := get(js); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: %d %q", js, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/nope.js", "/screens/nope.js"} {
		if resp, _ := get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown file %s: %d", path, resp.StatusCode)
		}
	}
	r, err := client.Post(addr+"/config.json", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", r.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--api", "ftp://x"},
		{"--mode", "memory"},
		{"--addr", "not an address"},
		{"extra"},
		{"--nope"},
	} {
		var stderr strings.Builder
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}
