package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
)

func TestScrub(t *testing.T) {
	t.Parallel()
	echoed := fmt.Errorf("AUTH: %w: %w", context.DeadlineExceeded, errors.New("535 bad credentials hunter2 for user"))
	err := scrub(echoed, "hunter2")
	if err.Error() != "AUTH: context deadline exceeded: 535 bad credentials xxxxx for user" {
		t.Errorf("scrubbed text = %q", err.Error())
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("scrubbed chain lost or invented a sentinel: %v", err)
	}
	var inner interface{ Unwrap() []error }
	if errors.As(err, &inner) {
		for _, e := range inner.Unwrap() {
			if e != context.DeadlineExceeded {
				t.Errorf("scrubbed error still reaches %v", e)
			}
		}
	}
	plain := errors.New("535 bad credentials")
	if scrub(plain, "hunter2") != plain || scrub(plain, "") != plain || scrub(nil, "x") != nil {
		t.Error("scrub changed an error without the secret")
	}
}
