package loadtest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func testConn(t *testing.T, base string) *conn {
	t.Helper()
	ep, _, err := parseEndpoint(base)
	if err != nil {
		t.Fatal(err)
	}
	c := newConn(ep, 5*time.Second)
	t.Cleanup(c.close)
	return c
}

// TestConnBodies: Content-Length and chunked answers, keep-alive reuse, Connection: close.
func TestConnBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Auth", r.Header.Get("Authorization"))
			w.Write(b)
		case "/chunked":
			w.Write([]byte("first "))
			w.(http.Flusher).Flush()
			w.Write([]byte("second"))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/shed":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(503)
		case "/empty":
			w.WriteHeader(204)
		}
	}))
	defer srv.Close()
	c := testConn(t, srv.URL)
	for i := range 3 {
		r, err := c.do("POST", "/echo", "application/json", []byte(`{"n":1}`), "Authorization", "Bearer x")
		if err != nil || r.status != 200 || string(r.body) != `{"n":1}` {
			t.Fatalf("echo %d: %d %q %v", i, r.status, r.body, err)
		}
	}
	if c.dials != 1 {
		t.Fatalf("%d dials for three keep-alive requests", c.dials)
	}
	if r, err := c.do("GET", "/chunked", "", nil); err != nil || string(r.body) != "first second" {
		t.Fatalf("chunked: %q %v", r.body, err)
	}
	if r, err := c.do("GET", "/empty", "", nil); err != nil || r.status != 204 || len(r.body) != 0 {
		t.Fatalf("204: %d %q %v", r.status, r.body, err)
	}
	if r, err := c.do("GET", "/shed", "", nil); err != nil || !r.shed {
		t.Fatalf("503 with Retry-After not seen as shed: %+v %v", r, err)
	}
	if r, err := c.do("GET", "/close", "", nil); err != nil || string(r.body) != "bye" || c.nc != nil {
		t.Fatalf("Connection: close: %q %v, still open %v", r.body, err, c.nc != nil)
	}
	if r, err := c.do("GET", "/echo", "", nil); err != nil || r.status != 200 || c.dials != 2 {
		t.Fatalf("after close: %d %v, %d dials", r.status, err, c.dials)
	}
}

// TestConnMalformed: answers that are not HTTP are errors, and the connection is dropped.
func TestConnMalformed(t *testing.T) {
	for _, answer := range []string{
		"garbage\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n",
		"HTTP/1.1 200 OK\r\nbad header line\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n",
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
			bufio.NewReader(nc).ReadString('\n')
			io.WriteString(nc, answer)
		}()
		c := testConn(t, "http://"+ln.Addr().String())
		if _, err := c.do("GET", "/", "", nil); err == nil || c.nc != nil {
			t.Errorf("%q: err %v, connection kept %v", answer, err, c.nc != nil)
		}
		ln.Close()
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, c := range []struct{ in, addr, prefix string }{
		{"http://127.0.0.1:8060", "127.0.0.1:8060", ""},
		{"http://example.com/auth/", "example.com:80", "/auth"},
		{"https://example.com", "example.com:443", ""},
	} {
		ep, prefix, err := parseEndpoint(c.in)
		if err != nil || ep.addr != c.addr || prefix != c.prefix {
			t.Errorf("%s: %+v %q %v", c.in, ep, prefix, err)
		}
	}
	for _, bad := range []string{"ftp://x", "http://", "127.0.0.1:80", "http://%zz"} {
		if _, _, err := parseEndpoint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
