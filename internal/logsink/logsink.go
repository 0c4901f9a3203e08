// Package logsink batches log lines on their way to the process's standard error: a line is
// appended to a buffer and the caller goes on; one goroutine writes whatever has accumulated,
// then rests for a short window. A line after a quiet spell goes out at once; under load the
// lines of each window share one write system call instead of costing one each
// (docs/benchmarks.md measures the difference). A crash loses at most one window of lines.
package logsink

import (
	"errors"
	"io"
	"sync"
	"time"
)

// Writer is an io.Writer that hands its input to another writer from a goroutine of its own. It
// is safe for concurrent use; each Write's bytes stay together and in order.
type Writer struct {
	w      io.Writer
	max    int
	window time.Duration

	mu      sync.Mutex
	flushed *sync.Cond // broadcast after every batch
	buf     []byte     // lines waiting for the writer goroutine
	spare   []byte
	writing bool
	closed  bool
	err     error // the first error of the underlying writer

	wake    chan struct{}
	closing chan struct{}
	done    chan struct{}
}

// New starts a Writer in front of w that writes at most once per window. When max bytes are
// waiting, Write waits for the batch under way (the underlying writer is slower than the
// logging): memory stays bounded.
func New(w io.Writer, max int, window time.Duration) *Writer {
	if max < 4096 {
		max = 4096
	}
	s := &Writer{w: w, max: max, window: window, wake: make(chan struct{}, 1), closing: make(chan struct{}),
		done: make(chan struct{})}
	s.flushed = sync.NewCond(&s.mu)
	go s.run()
	return s
}

// Write queues p. It fails only once the underlying writer has failed; after Close it writes
// through.
func (s *Writer) Write(p []byte) (int, error) {
	s.mu.Lock()
	for !s.closed && len(s.buf) > 0 && len(s.buf)+len(p) > s.max {
		s.flushed.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		<-s.done // the last batch first
		return s.w.Write(p)
	}
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return 0, err
	}
	s.buf = append(s.buf, p...)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // the writer goroutine is already due to run
	}
	return len(p), nil
}

func (s *Writer) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.buf) == 0 && !s.closed {
			s.mu.Unlock()
			<-s.wake
			s.mu.Lock()
		}
		if len(s.buf) == 0 { // closed, and nothing left
			s.mu.Unlock()
			return
		}
		b := s.buf
		s.buf, s.writing = s.spare[:0], true
		s.mu.Unlock()
		_, err := s.w.Write(b)
		s.mu.Lock()
		s.spare = b[:0]
		s.writing = false
		if err != nil && s.err == nil {
			s.err = err
		}
		s.flushed.Broadcast()
		s.mu.Unlock()
		if s.window > 0 {
			t := time.NewTimer(s.window) // the next lines gather meanwhile
			select {
			case <-t.C:
			case <-s.closing:
				t.Stop()
			}
		}
	}
}

// Flush waits until everything written so far has reached the underlying writer, and
// returns its first error, if any.
func (s *Writer) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.buf) > 0 || s.writing {
		s.flushed.Wait()
	}
	return s.err
}

// Close flushes and stops the goroutine; later writes go straight to the underlying writer.
func (s *Writer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("logsink: closed twice")
	}
	s.closed = true
	close(s.closing)
	s.flushed.Broadcast()
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
