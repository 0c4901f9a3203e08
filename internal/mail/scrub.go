package mail

import (
	"context"
	"errors"
	"os"
	"strings"
)

// scrubbedError is an error whose text quoted a secret. It keeps the text with the secret masked
// and, of the original chain, only the sentinels callers test for, so no errors.As can reach the
// secret either.
type scrubbedError struct {
	msg  string
	kept []error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.kept }

// scrub masks secret in err's text. SMTP servers and TLS libraries are not ours: one that echoes
// what it received must not put the SMTP password into authgate's logs.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	s := &scrubbedError{msg: strings.ReplaceAll(err.Error(), secret, "xxxxx")}
	for _, sentinel := range []error{context.Canceled, context.DeadlineExceeded, os.ErrDeadlineExceeded} {
		if errors.Is(err, sentinel) {
			s.kept = append(s.kept, sentinel)
		}
	}
	return s
}
