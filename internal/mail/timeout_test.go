package mail_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	authmail "github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// silentServer accepts TCP connections, optionally greets, and then never answers: a stuck relay.
func silentServer(t *testing.T, greet bool) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if greet {
				_, _ = c.Write([]byte("220 silent ESMTP\r\n"))
			}
			ch <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), ch
}

func TestSendHonoursContextAndTimeout(t *testing.T) {
	t.Parallel()
	data := map[string]any{"email": "ada@example.com"}

	t.Run("context deadline before the greeting", func(t *testing.T) {
		t.Parallel()
		addr, _ := silentServer(t, false)
		s := open(t, "smtp://"+addr+"?starttls=false", authmail.Options{Timeout: 20 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := s.Send(ctx, "ada@example.com", "password_changed", data)
		if !errors.Is(err, auth.ErrMailFailed) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want auth.ErrMailFailed and context.DeadlineExceeded", err)
		}
	})
	t.Run("context deadline after the greeting", func(t *testing.T) {
		// The SMTP client sets a deadline per command from Options.Timeout (20s here); the
		// context's must still win.
		t.Parallel()
		addr, _ := silentServer(t, true)
		s := open(t, "smtp://"+addr+"?starttls=false", authmail.Options{Timeout: 20 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := s.Send(ctx, "ada@example.com", "password_changed", data)
		if !errors.Is(err, auth.ErrMailFailed) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "EHLO") {
			t.Errorf("err = %v, want auth.ErrMailFailed and context.DeadlineExceeded at EHLO", err)
		}
	})
	t.Run("Options.Timeout", func(t *testing.T) {
		t.Parallel()
		addr, _ := silentServer(t, true)
		s := open(t, "smtp://"+addr+"?starttls=true", authmail.Options{Timeout: 100 * time.Millisecond})
		err := s.Send(context.Background(), "ada@example.com", "password_changed", data)
		if !errors.Is(err, auth.ErrMailFailed) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("err = %v, want auth.ErrMailFailed and os.ErrDeadlineExceeded", err)
		}
		if !strings.Contains(err.Error(), "no answer within 100ms") {
			t.Errorf("err = %v, want it to name the timeout", err)
		}
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		t.Parallel()
		addr, accepted := silentServer(t, false)
		s := open(t, "smtp://"+addr+"?starttls=false", authmail.Options{Timeout: 20 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-accepted
			cancel()
		}()
		err := s.Send(ctx, "ada@example.com", "password_changed", data)
		if !errors.Is(err, auth.ErrMailFailed) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want auth.ErrMailFailed and context.Canceled", err)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.NewServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, u := range []string{srv.URL(), "console://", "file://" + t.TempDir()} {
			s := open(t, u, authmail.Options{Logger: jsonLogger(&logBuffer{})})
			if err := s.Send(ctx, "ada@example.com", "password_changed", data); !errors.Is(err, context.Canceled) || !errors.Is(err, auth.ErrMailFailed) {
				t.Errorf("%s: err = %v, want auth.ErrMailFailed and context.Canceled", u, err)
			}
		}
		if len(srv.Messages()) != 0 {
			t.Error("a message was sent with a cancelled context")
		}
	})
}
