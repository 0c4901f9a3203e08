package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpTransport submits each message on its own connection: authgate sends a few messages a
// minute at most, and a fresh connection cannot go stale between them.
type smtpTransport struct {
	ep        endpoint
	timeout   time.Duration
	tlsConfig *tls.Config
}

func newSMTPTransport(ep endpoint, timeout time.Duration, base *tls.Config) *smtpTransport {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = ep.host
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return &smtpTransport{ep: ep, timeout: timeout, tlsConfig: cfg}
}

func (t *smtpTransport) deliver(ctx context.Context, out *outgoing) error {
	return t.explain(ctx, t.submit(ctx, out))
}

func (t *smtpTransport) submit(ctx context.Context, out *outgoing) error {
	// The network deadline is wall-clock time, never the injected clock, which may be a test's.
	limit := time.Now().Add(t.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(limit) {
		limit = d
	}
	dialCtx, cancel := context.WithDeadline(ctx, limit)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(dialCtx, "tcp", t.ep.addr())
	if err != nil {
		if ctx.Err() == nil && dialCtx.Err() != nil {
			// Options.Timeout ran out: report it like a timeout on the connection.
			err = fmt.Errorf("%w: %w", os.ErrDeadlineExceeded, err)
		}
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	dc, err := newDeadlineConn(conn, limit)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	stop := context.AfterFunc(ctx, dc.expire)
	defer stop()

	c, err := t.client(ctx, dc)
	if err != nil {
		return err
	}
	c.CommandTimeout, c.SubmissionTimeout = t.timeout, t.timeout
	if err := c.Hello("localhost"); err != nil {
		if t.ep.startTLS {
			// The TLS handshake happens here, on the first command after STARTTLS.
			return fmt.Errorf("EHLO after STARTTLS: %w", err)
		}
		return fmt.Errorf("EHLO: %w", err)
	}
	if t.ep.user != "" {
		if !c.SupportsAuth(sasl.Plain) {
			return errors.New("server does not offer AUTH PLAIN")
		}
		if err := c.Auth(sasl.NewPlainClient("", t.ep.user, t.ep.password)); err != nil {
			return fmt.Errorf("AUTH PLAIN as %s: %w", t.ep.user, err)
		}
	}
	if err := c.Mail(out.from, nil); err != nil {
		return fmt.Errorf("MAIL FROM <%s>: %w", out.from, err)
	}
	if err := c.Rcpt(out.to, nil); err != nil {
		return fmt.Errorf("RCPT TO <%s>: %w", out.to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(out.raw); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server took responsibility for the message with its reply to DATA; a failed QUIT
	// changes nothing.
	_ = c.Quit()
	return nil
}

// errNoStartTLS is an smtp:// server that does not offer STARTTLS, which smtp:// requires unless
// the URL says starttls=false.
var errNoStartTLS = errors.New("the server does not offer STARTTLS: for a relay on the same machine " +
	"that speaks plain SMTP, add ?starttls=false to the smtp:// URL; otherwise use smtps:// or a server that offers STARTTLS")

// client greets the server, in TLS from the first byte for smtps, or upgraded with STARTTLS
// (RFC 3207) when the URL asks for it; then STARTTLS is required, never opportunistic.
func (t *smtpTransport) client(ctx context.Context, dc *deadlineConn) (*smtp.Client, error) {
	switch {
	case t.ep.scheme == "smtps":
		tc := tls.Client(dc, t.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		return smtp.NewClient(tc), nil
	case t.ep.startTLS:
		c, err := smtp.NewClientStartTLS(dc, t.tlsConfig)
		if err != nil && strings.Contains(err.Error(), "support STARTTLS") {
			// go-smtp's words; an operator needs to know what to change.
			return nil, errNoStartTLS
		}
		if err != nil {
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
		return c, nil
	default:
		return smtp.NewClient(dc), nil
	}
}

// explain names the server, says whether the context or Options.Timeout cut the exchange short,
// and masks the password.
func (t *smtpTransport) explain(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	timedOut := errors.Is(err, os.ErrDeadlineExceeded)
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = fmt.Errorf("%w: %w", ctxErr, err)
	} else if d, ok := ctx.Deadline(); ok && timedOut && !time.Now().Before(d) {
		// The connection's deadline was the context's and fired a moment before the context's timer.
		err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	} else if timedOut {
		err = fmt.Errorf("no answer within %s: %w", t.timeout, err)
	}
	return scrub(fmt.Errorf("%s %s: %w", t.ep.scheme, t.ep.addr(), err), t.ep.password)
}
