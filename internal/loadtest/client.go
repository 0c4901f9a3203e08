package loadtest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// maxBody bounds an answer's body: every answer of the endpoints under test is small, and a
// misbehaving server must not make the load generator allocate without limit.
const maxBody = 1 << 20

// endpoint is where connections go: the dial address, the Host header and TLS when https.
type endpoint struct {
	addr string
	host string
	tls  *tls.Config
}

func parseEndpoint(base string) (endpoint, string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return endpoint{}, "", fmt.Errorf("loadtest: base URL %q: %w", base, err)
	}
	ep := endpoint{host: u.Host}
	switch u.Scheme {
	case "http":
		ep.addr = u.Host
		if u.Port() == "" {
			ep.addr = net.JoinHostPort(u.Hostname(), "80")
		}
	case "https":
		ep.addr = u.Host
		if u.Port() == "" {
			ep.addr = net.JoinHostPort(u.Hostname(), "443")
		}
		ep.tls = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	default:
		return endpoint{}, "", fmt.Errorf("loadtest: base URL %q: want http:// or https://", base)
	}
	if u.Host == "" {
		return endpoint{}, "", fmt.Errorf("loadtest: base URL %q has no host", base)
	}
	prefix := u.EscapedPath()
	for len(prefix) > 0 && prefix[len(prefix)-1] == '/' {
		prefix = prefix[:len(prefix)-1]
	}
	return ep, prefix, nil
}

// conn is one keep-alive HTTP/1.1 connection, used by one worker at a time. Requests are
// written whole in one write and answers read with Content-Length or chunked bodies. A light
// client keeps the load generator's share of the machine small, so that the ratios measure the
// servers rather than the client (net/http's client costs several times more per request).
type conn struct {
	ep      endpoint
	timeout time.Duration
	nc      net.Conn
	br      *bufio.Reader
	req     []byte
	body    []byte
	dials   int
}

// response is an answer; body is valid until the next call on the same conn.
type response struct {
	status int
	body   []byte
	// shed is a 503 with Retry-After: the server declined the work for now.
	shed bool
}

func newConn(ep endpoint, timeout time.Duration) *conn {
	return &conn{ep: ep, timeout: timeout}
}

func (c *conn) dial() error {
	d := net.Dialer{Timeout: c.timeout}
	nc, err := d.Dial("tcp", c.ep.addr)
	if err != nil {
		return err
	}
	if c.ep.tls != nil {
		tc := tls.Client(nc, c.ep.tls)
		if err := tc.Handshake(); err != nil {
			nc.Close()
			return err
		}
		nc = tc
	}
	c.nc = nc
	c.dials++
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.br.Reset(nc)
	}
	return nil
}

// close drops the connection; the next request dials again.
func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// do sends one request and reads its answer. headers alternate names and values. A transport
// error closes the connection, so a half-read answer never confuses the next request.
func (c *conn) do(method, path, contentType string, body []byte, headers ...string) (response, error) {
	if c.nc == nil {
		if err := c.dial(); err != nil {
			return response{}, fmt.Errorf("dial %s: %w", c.ep.addr, err)
		}
	}
	c.req = c.req[:0]
	c.req = append(c.req, method...)
	c.req = append(c.req, ' ')
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.ep.host...)
	c.req = append(c.req, "\r\nUser-Agent: authgate-bench\r\n"...)
	for i := 0; i+1 < len(headers); i += 2 {
		c.req = append(c.req, headers[i]...)
		c.req = append(c.req, ": "...)
		c.req = append(c.req, headers[i+1]...)
		c.req = append(c.req, "\r\n"...)
	}
	if body != nil {
		c.req = append(c.req, "Content-Type: "...)
		c.req = append(c.req, contentType...)
		c.req = append(c.req, "\r\nContent-Length: "...)
		c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
		c.req = append(c.req, "\r\n"...)
	}
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, body...)
	if err := c.nc.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		c.close()
		return response{}, err
	}
	if _, err := c.nc.Write(c.req); err != nil {
		c.close()
		return response{}, fmt.Errorf("write: %w", err)
	}
	r, keep, err := c.read()
	if err != nil {
		c.close()
		return response{}, err
	}
	if !keep {
		c.close()
	}
	return r, nil
}

var (
	errBadStatusLine = errors.New("malformed status line")
	errBadHeader     = errors.New("malformed header")
	errBodyTooLarge  = errors.New("body larger than 1 MiB")
)

// read parses a status line, headers and body; keep reports whether the connection may be
// reused.
func (c *conn) read() (r response, keep bool, err error) {
	line, err := c.line()
	if err != nil {
		return r, false, fmt.Errorf("read status: %w", err)
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return r, false, fmt.Errorf("%w: %q", errBadStatusLine, truncateBytes(line, 64))
	}
	r.status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return r, false, fmt.Errorf("%w: %q", errBadStatusLine, truncateBytes(line, 64))
	}
	keep = line[7] == '1'
	length, chunked, retry := -1, false, false
	for {
		h, err := c.line()
		if err != nil {
			return r, false, fmt.Errorf("read header: %w", err)
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return r, false, fmt.Errorf("%w: %q", errBadHeader, truncateBytes(h, 64))
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 {
				return r, false, fmt.Errorf("%w: Content-Length %q", errBadHeader, value)
			}
			length = n
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			if asciiEqualFold(value, "close") {
				keep = false
			}
		case asciiEqualFold(name, "Retry-After"):
			retry = true
		}
	}
	switch {
	case chunked:
		err = c.readChunked()
	case length >= 0:
		err = c.readN(length)
	case r.status == 204 || r.status == 304 || r.status/100 == 1:
		c.body = c.body[:0]
	default: // body until the server closes
		keep = false
		err = c.readToEOF()
	}
	if err != nil {
		return r, false, err
	}
	r.body = c.body
	r.shed = r.status == 503 && retry
	return r, keep, nil
}

// line reads one CRLF-terminated line without its terminator.
func (c *conn) line() ([]byte, error) {
	b, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line longer than 16 KiB", errBadHeader)
		}
		return nil, err
	}
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b, nil
}

func (c *conn) readN(n int) error {
	if n > maxBody {
		return errBodyTooLarge
	}
	if cap(c.body) < n {
		c.body = make([]byte, n)
	}
	c.body = c.body[:n]
	if _, err := io.ReadFull(c.br, c.body); err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	return nil
}

func (c *conn) readChunked() error {
	c.body = c.body[:0]
	for {
		line, err := c.line()
		if err != nil {
			return fmt.Errorf("read chunk size: %w", err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 31)
		if err != nil {
			return fmt.Errorf("%w: chunk size %q", errBadHeader, truncateBytes(line, 32))
		}
		if n == 0 {
			for { // trailers, then the blank line
				t, err := c.line()
				if err != nil {
					return fmt.Errorf("read trailer: %w", err)
				}
				if len(t) == 0 {
					return nil
				}
			}
		}
		if len(c.body)+int(n) > maxBody {
			return errBodyTooLarge
		}
		start := len(c.body)
		c.body = append(c.body, make([]byte, n)...)
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return fmt.Errorf("read chunk: %w", err)
		}
		if crlf, err := c.line(); err != nil || len(crlf) != 0 {
			return fmt.Errorf("%w: chunk not followed by CRLF", errBadHeader)
		}
	}
}

func (c *conn) readToEOF() error {
	b, err := io.ReadAll(io.LimitReader(c.br, maxBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBody {
		return errBodyTooLarge
	}
	c.body = append(c.body[:0], b...)
	return nil
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
