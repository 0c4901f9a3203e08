package mailtest

import (
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// backend starts a session per connection (and again after STARTTLS, which forgets all state).
type backend struct {
	srv *Server
}

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: b.srv, conn: c}, nil
}

// session is one client's transaction state.
type session struct {
	srv    *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

// Replies for the rules mailtest enforces (RFC 3207 section 4, RFC 4954 section 6).
var (
	errTLSRequired  = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
)

func (s *session) AuthMechanisms() []string {
	if s.srv.cfg.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || s.srv.cfg.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		ok := subtle.ConstantTimeCompare([]byte(user), []byte(s.srv.cfg.user)) &
			subtle.ConstantTimeCompare([]byte(pass), []byte(s.srv.cfg.pass))
		if ok != 1 || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if _, isTLS := s.conn.TLSConnectionState(); s.srv.cfg.startTLS && !isTLS {
		return errTLSRequired
	}
	if s.srv.cfg.user != "" && !s.authed {
		return errAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if code := s.srv.cfg.failCode; code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "mailtest: rejected, as WithFailure asks"}
	}
	m, err := ParseMessage(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: fmt.Sprintf("mailtest: malformed message: %v", err)}
	}
	m.From = s.from
	m.To = append([]string(nil), s.to...)
	s.srv.record(m)
	return nil
}

func (s *session) Reset() {
	s.from, s.to = "", nil
}

func (s *session) Logout() error { return nil }
