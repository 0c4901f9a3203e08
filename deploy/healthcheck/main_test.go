package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok","storage":"ok"}`))
	}))
	defer srv.Close()

	// A port nothing listens on: bind one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()

	for _, c := range []struct {
		name    string
		args    []string
		unready bool
		code    int
		stderr  string
	}{
		{"ready", []string{srv.URL + "/readyz"}, false, 0, ""},
		{"not ready", []string{srv.URL + "/readyz"}, true, 1, "503 Service Unavailable"},
		{"wrong path", []string{srv.URL + "/nope"}, false, 1, "503"},
		{"nothing listening", []string{closed}, false, 1, "connection refused"},
		{"bad URL", []string{"http://[::1"}, false, 2, "authgate-healthcheck:"},
		{"too many arguments", []string{"a", "b"}, false, 2, "usage:"},
	} {
		ready.Store(!c.unready)
		var stderr strings.Builder
		if code := run(c.args, &stderr); code != c.code || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, stderr.String(), c.code, c.stderr)
		}
	}
}
