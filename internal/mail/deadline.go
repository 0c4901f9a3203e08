package mail

import (
	"net"
	"sync"
	"time"
)

// deadlineConn holds a connection to one send's deadline. The SMTP client sets a fresh deadline
// before each command and clears it after; deadlineConn caps each at the send's limit, so the
// whole exchange honours the context and Options.Timeout, and expire interrupts a blocked read or
// write when the context is cancelled.
type deadlineConn struct {
	net.Conn
	mu    sync.Mutex // serialises limit changes with the deadlines set from it
	limit time.Time
}

func newDeadlineConn(c net.Conn, limit time.Time) (*deadlineConn, error) {
	dc := &deadlineConn{Conn: c, limit: limit}
	if err := c.SetDeadline(limit); err != nil {
		return nil, err
	}
	return dc, nil
}

func (c *deadlineConn) capped(t time.Time) time.Time {
	if t.IsZero() || t.After(c.limit) {
		return c.limit
	}
	return t
}

// SetDeadline implements net.Conn, never beyond the send's limit.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetDeadline(c.capped(t))
}

// SetReadDeadline implements net.Conn, never beyond the send's limit.
func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetReadDeadline(c.capped(t))
}

// SetWriteDeadline implements net.Conn, never beyond the send's limit.
func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.SetWriteDeadline(c.capped(t))
}

// expire moves the limit to the past, failing pending and later I/O at once.
func (c *deadlineConn) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = time.Unix(1, 0)
	_ = c.Conn.SetDeadline(c.limit)
}
