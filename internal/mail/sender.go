// Package mail delivers authgate's e-mails, rendered from embedded templates, over SMTP, or to
// the log or a directory for development.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// ErrInvalidAddress is wrapped by Send when the recipient is not one RFC 5322 address.
var ErrInvalidAddress = errors.New("invalid e-mail address")

// Defaults for Options.
const (
	DefaultFrom    = "authgate <no-reply@localhost>"
	DefaultTimeout = 10 * time.Second
)

// Options tune a Sender. The zero value works.
type Options struct {
	// From is the sender, as in "authgate <no-reply@example.com>"; DefaultFrom when empty.
	From string
	// TemplateDir holds files that replace embedded templates of the same name
	// (two_factor_code.subject.txt, two_factor_code.txt, two_factor_code.html, ...).
	TemplateDir string
	// Timeout bounds a whole SMTP delivery, connecting included; DefaultTimeout when zero.
	Timeout time.Duration
	// Logger receives a line per message sent, and the messages themselves for console://;
	// it is required there. Nil discards.
	Logger *slog.Logger
	// Now dates messages; time.Now when nil.
	Now func() time.Time
	// TLSConfig is the base for STARTTLS and smtps, as for trusting a private CA. The server name
	// defaults to the URL's host and the minimum version to TLS 1.2.
	TLSConfig *tls.Config
	// Rand makes Message-IDs and MIME boundaries; crypto/rand when nil. It must be safe for
	// concurrent use.
	Rand io.Reader
}

// transport delivers a built message.
type transport interface {
	deliver(ctx context.Context, out *outgoing) error
}

// Sender renders and delivers authgate's messages. It is safe for concurrent use.
type Sender struct {
	from      *mail.Address
	templates templates
	transport transport
	log       *slog.Logger
	now       func() time.Time
	rand      io.Reader
	via       string // the URL without its password
}

var _ auth.Mailer = (*Sender)(nil)

// Open returns a Sender for a URL:
//
//	smtp://user:pass@host:587?starttls=true  submission; STARTTLS required unless starttls=false
//	smtps://user:pass@host:465               TLS from the first byte (RFC 8314)
//	console://                               log each message at WARN, for development only
//	file:///var/spool/authgate               one .eml file per message, directory made 0700
//
// Credentials are percent-decoded and sent with AUTH PLAIN, never in clear text except to a
// loopback host. The port defaults to 587 for smtp and 465 for smtps. Templates are parsed here,
// so a broken override fails at startup rather than at the first send.
func Open(rawURL string, opts Options) (*Sender, error) {
	ep, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.From == "" {
		opts.From = DefaultFrom
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("mail: negative timeout %s", opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	from, err := mail.ParseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("mail: sender address %q: %w", opts.From, err)
	}
	tmpl, err := loadTemplates(opts.TemplateDir)
	if err != nil {
		return nil, err
	}
	s := &Sender{from: from, templates: tmpl, log: opts.Logger, now: opts.Now, rand: opts.Rand, via: ep.redactedURL}
	switch ep.scheme {
	case "console":
		if opts.Logger == nil {
			return nil, errors.New("mail: console:// needs Options.Logger")
		}
		s.transport = consoleTransport{log: opts.Logger}
		opts.Logger.Warn("mail: console sender in use: messages are logged, not delivered; for development only")
	case "file":
		if s.transport, err = newFileTransport(ep.dir); err != nil {
			return nil, err
		}
	default:
		s.transport = newSMTPTransport(ep, opts.Timeout, opts.TLSConfig)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Send renders the named template with data and delivers it to one address. Every failure
// wraps auth.ErrMailFailed; an unknown template also wraps ErrUnknownTemplate and a malformed
// address ErrInvalidAddress. The context bounds the delivery together with Options.Timeout.
func (s *Sender) Send(ctx context.Context, to, template string, data map[string]any) error {
	out, err := s.prepare(to, template, data)
	if err != nil {
		return fmt.Errorf("mail: %s: %w: %w", template, auth.ErrMailFailed, err)
	}
	if err := s.transport.deliver(ctx, out); err != nil {
		return fmt.Errorf("mail: %s to %s: %w: %w", template, out.to, auth.ErrMailFailed, err)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "mail sent",
		slog.String("template", template),
		slog.String("message_id", out.id),
		slog.String("via", s.via),
	)
	return nil
}

// prepare validates the recipient, renders and encodes the message.
func (s *Sender) prepare(to, template string, data map[string]any) (*outgoing, error) {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalidAddress, to, err)
	}
	content, err := s.templates.render(template, data)
	if err != nil {
		return nil, err
	}
	date := s.now()
	id, raw, err := buildMessage(s.from, rcpt, content, date, s.rand)
	if err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	return &outgoing{
		template: template,
		from:     s.from.Address,
		to:       rcpt.Address,
		id:       id,
		date:     date,
		content:  content,
		raw:      raw,
	}, nil
}
