package main_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/mail/mailtest"
)

// TestInviteCommand: `authgate invite --email E` mails an invitation whose link opens the sign-up
// page under AUTHGATE_PUBLIC_URL; it refuses with sign-up closed and for an address in use.
func TestInviteCommand(t *testing.T) {
	t.Parallel()
	smtp := mailtest.NewServer(t)
	env := append(sqliteEnv(t, "AUTHGATE_SIGNUP=invite", "AUTHGATE_PUBLIC_URL=https://auth.example.com/"),
		"AUTHGATE_EMAIL_URL="+smtp.URL())
	out, errOut, code := cli(t, env, "", "invite", "--email", "grace@example.com")
	if code != 0 || !strings.Contains(out, "invitation sent to grace@example.com; it works once, within 7 days") {
		t.Fatalf("invite: exit %d\n%s\n%s", code, out, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := smtp.WaitFor(ctx, "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "You are invited to authgate" ||
		!regexp.MustCompile(`https://auth\.example\.com/accounts/invitation/[A-Za-z0-9_-]{43}/`).MatchString(m.Text) {
		t.Errorf("invitation mail %q:\n%s", m.Subject, m.Text)
	}

	// The invitation lives on: the flush deletes only links past their lifetime.
	if out, errOut, code := cli(t, env, "", "flushexpiredtokens"); code != 0 || !strings.Contains(out, "0 expired account links") {
		t.Errorf("flushexpiredtokens: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, errOut, code := cli(t, env, "a long pass phrase\n", "createuser", "--email", "ada@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("createuser: %s", errOut)
	}
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{env, []string{"invite"}, "--email is required"},
		{env, []string{"invite", "--email", "ADA@example.com"}, "A user with that email already exists."},
		{env, []string{"invite", "--email", "nope"}, "Enter a valid email address."},
		{append(env, "AUTHGATE_SIGNUP=closed"), []string{"invite", "--email", "x@example.com"}, "Sign-up is closed"},
	} {
		_, errOut, code := cli(t, c.env, "", c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut, c.want)
		}
	}
}
