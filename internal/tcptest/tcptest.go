// Package tcptest has TCP servers that misbehave, for tests of what authgate does when a
// dependency stops answering.
package tcptest

import (
	"net"
	"sync"
	"testing"
)

// Silent starts a server on 127.0.0.1 that accepts connections and never answers, like a
// wedged Redis or one behind a dropped route, and returns its address. The test's cleanup
// closes it and every connection it accepted.
func Silent(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}
