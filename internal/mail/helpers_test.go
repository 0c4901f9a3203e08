package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// fixedNow is the injected clock of every test sender.
func fixedNow() time.Time { return time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600)) }

func codeData() map[string]any {
	return map[string]any{"code": "482913", "minutes": 10, "email": "ada@example.com", "purpose": "login"}
}

// logBuffer is a goroutine-safe buffer for a slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func jsonLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func open(t testing.TB, url string, opts mail.Options) *mail.Sender {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	s, err := mail.Open(url, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	return s
}

func waitFor(t testing.TB, srv *mailtest.Server, to string) mailtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := srv.WaitFor(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
