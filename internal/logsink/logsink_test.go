package logsink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/logsink"
)

// countingWriter records what reached it and in how many writes.
type countingWriter struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	gate   chan struct{} // when set, each write waits for it
	fail   error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.gate != nil {
		<-c.gate
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes++
	return c.b.Write(p)
}

func (c *countingWriter) state() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String(), c.writes
}

// TestLinesArriveWholeAndInOrder: concurrent writers' lines all arrive, each whole, each
// writer's in order.
func TestLinesArriveWholeAndInOrder(t *testing.T) {
	dst := &countingWriter{}
	s := logsink.New(dst, 1<<16, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				fmt.Fprintf(s, "g%d line %04d %s\n", g, i, strings.Repeat("x", i%50))
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out, writes := dst.state()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4000 {
		t.Fatalf("%d lines arrived, want 4000", len(lines))
	}
	next := map[string]int{}
	for _, l := range lines {
		var g string
		var i int
		if _, err := fmt.Sscanf(l, "%s line %d", &g, &i); err != nil || i != next[g] || len(l) != len(g)+11+i%50 {
			t.Fatalf("line %q out of order or torn (want %s line %d)", l, g, next[g])
		}
		next[g]++
	}
	t.Logf("4000 lines in %d writes", writes)
}

// TestBatchesWhileSlow: while the underlying writer is busy, lines accumulate and then go out
// in one write; an idle sink writes a line at once.
func TestBatchesWhileSlow(t *testing.T) {
	dst := &countingWriter{gate: make(chan struct{})}
	s := logsink.New(dst, 1<<20, 0)
	io.WriteString(s, "first\n")
	time.Sleep(20 * time.Millisecond) // the goroutine takes "first" and blocks in the gate
	for i := range 100 {
		fmt.Fprintf(s, "queued %d\n", i)
	}
	dst.gate <- struct{}{} // "first"
	dst.gate <- struct{}{} // the 100 queued lines
	close(dst.gate)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	out, writes := dst.state()
	if writes != 2 || strings.Count(out, "\n") != 101 {
		t.Fatalf("%d writes for %d lines, want 2 writes for 101", writes, strings.Count(out, "\n"))
	}
	io.WriteString(s, "alone\n")
	deadline := time.Now().Add(5 * time.Second)
	for out, _ := dst.state(); !strings.HasSuffix(out, "alone\n"); out, _ = dst.state() {
		if time.Now().After(deadline) {
			t.Fatal("an idle sink held a line")
		}
		time.Sleep(time.Millisecond)
	}
	s.Close()
	io.WriteString(s, "after close\n")
	if out, _ := dst.state(); !strings.HasSuffix(out, "after close\n") {
		t.Fatal("a write after Close was lost")
	}
	if s.Close() == nil {
		t.Error("a second Close succeeded")
	}
}

// TestBounded: a stuck writer makes writers wait instead of growing the buffer.
func TestBounded(t *testing.T) {
	dst := &countingWriter{gate: make(chan struct{})}
	s := logsink.New(dst, 4096, 0)
	line := strings.Repeat("y", 1000) + "\n"
	wrote := make(chan int, 100)
	go func() {
		for i := range 20 {
			io.WriteString(s, line)
			wrote <- i
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if n := len(wrote); n > 6 {
		t.Fatalf("%d lines of 1 KB accepted while the writer was stuck, bound 4 KB", n)
	}
	close(dst.gate)
	for range 20 {
		<-wrote
	}
	s.Close()
	if out, _ := dst.state(); strings.Count(out, "\n") != 20 {
		t.Fatalf("%d lines arrived", strings.Count(out, "\n"))
	}
}

func TestWriteError(t *testing.T) {
	boom := errors.New("disk full")
	s := logsink.New(&countingWriter{fail: boom}, 4096, 0)
	io.WriteString(s, "x\n")
	if err := s.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush: %v", err)
	}
	if _, err := io.WriteString(s, "y\n"); !errors.Is(err, boom) {
		t.Fatalf("Write after a failure: %v", err)
	}
	if err := s.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close: %v", err)
	}
}

// BenchmarkAccessLog is one access log line as authgate writes it, to a file, directly and
// through a sink: cpu-ns/op counts the process's CPU time (user and system) per line.
func BenchmarkAccessLog(b *testing.B) {
	for _, name := range []string{"direct", "sink"} {
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(b.TempDir() + "/log")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var w io.Writer = f
			if name == "sink" {
				s := logsink.New(f, 1<<20, 10*time.Millisecond)
				defer s.Close()
				w = s
			}
			log := slog.New(slog.NewTextHandler(w, nil))
			cpu0 := cpu(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					log.LogAttrs(context.Background(), slog.LevelInfo, "request", slog.String("request_id", "0123456789abcdef01234567"),
						slog.String("method", "GET"), slog.String("route", "/api/me/"), slog.Int("status", 200),
						slog.Int64("duration_us", 123), slog.String("user_id", "5f0c6a8e-2b1d-4e3f-9a7c-1d2e3f4a5b6c"),
						slog.String("client_ip", "127.0.0.1"), slog.Int("bytes", 230))
				}
			})
			b.ReportMetric(float64(cpu(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpu(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
