// Package mailtest runs a real SMTP server in the test process, to send authgate's mail to and
// read it back.
package mailtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP server on 127.0.0.1 that keeps what it accepts. It is safe for concurrent use.
type Server struct {
	cfg       config
	addr      string
	clientTLS *tls.Config // nil without TLS

	mu      sync.Mutex
	msgs    []Message
	taken   []bool        // msgs[i] was returned by WaitFor
	arrived chan struct{} // closed, and replaced, when a message arrives
}

// NewServer starts a server on a free port of 127.0.0.1, closed when the test ends. Without
// options it takes any message in clear text; WithAuth on a server without TLS allows AUTH in
// clear, as mail.Open does for loopback hosts.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{})}
	for _, o := range opts {
		o(&s.cfg)
	}
	if c := s.cfg.failCode; c != 0 && (c < 400 || c > 599) {
		t.Fatalf("mailtest: WithFailure(%d): want a 4xx or 5xx code", c)
	}
	if s.cfg.startTLS && s.cfg.implicitTLS {
		t.Fatal("mailtest: WithStartTLS and WithImplicitTLS exclude each other")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()

	srv := smtp.NewServer(backend{srv: s})
	srv.Domain = "mailtest.localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 50
	logger := &testLogger{t: t}
	srv.ErrorLog = logger

	if s.cfg.startTLS || s.cfg.implicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			t.Fatal(err)
		}
		serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.clientTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if s.cfg.implicitTLS {
			ln = tls.NewListener(ln, serverTLS)
		} else {
			srv.TLSConfig = serverTLS
		}
	} else {
		srv.AllowInsecureAuth = true
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil {
			logger.Printf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close() // in case Serve had not yet registered it when Close ran
		<-done
		logger.stop()
	})
	return s
}

// URL is the server's address in mail.Open's form, with the WithAuth credentials, smtps:// for
// WithImplicitTLS and starttls=true or false otherwise.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.cfg.implicitTLS {
		u.Scheme = "smtps"
	} else {
		u.RawQuery = "starttls=" + strconv.FormatBool(s.cfg.startTLS)
	}
	if s.cfg.user != "" {
		u.User = url.UserPassword(s.cfg.user, s.cfg.pass)
	}
	return u.String()
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// TLSConfig is a client configuration trusting the server's certificate; nil without TLS.
func (s *Server) TLSConfig() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Messages returns every message accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor returns the oldest message to the envelope recipient to (compared case-insensitively)
// that no earlier WaitFor returned, waiting for it to arrive until ctx ends. Calling it again
// after a resend thus yields the second message.
func (s *Server) WaitFor(ctx context.Context, to string) (Message, error) {
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] && hasRecipient(m, to) {
				s.taken[i] = true
				s.mu.Unlock()
				return m, nil
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Message{}, fmt.Errorf("mailtest: no message for %s: %w", to, ctx.Err())
		case <-arrived:
		}
	}
}

func hasRecipient(m Message, to string) bool {
	for _, rcpt := range m.To {
		if strings.EqualFold(rcpt, to) {
			return true
		}
	}
	return false
}

func (s *Server) record(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.taken = append(s.taken, false)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// testLogger sends the server's connection errors to the test log until the server is closed:
// connection goroutines may outlive Close, and logging after a test ends panics.
type testLogger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("mailtest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.Printf("%s", fmt.Sprintln(v...))
}

func (l *testLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}
