package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"golang.org/x/term"
)

// cmdMakeSuperuser is the tutorial's makesuperuser: idempotent, prints the password only when it
// creates the user.
func cmdMakeSuperuser(ctx context.Context, e env, args []string) error {
	email := "admin@example.com"
	cfg, _, err := load("makesuperuser", e, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", email, "e-mail of the superuser to create")
	})
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()
	u, pw, created, err := a.Service.MakeSuperuser(ctx, email)
	if err != nil {
		return err
	}
	if !created {
		fmt.Fprintln(e.stdout, "A superuser already exists: nobody was created and no password is shown.")
		return nil
	}
	fmt.Fprintf(e.stdout, "Superuser created.\nemail: %s\npassword: %s\n", u.Email, pw)
	fmt.Fprintln(e.stdout, "Keep this password: it is not stored in clear and will not be shown again.")
	return nil
}

func cmdCreateUser(ctx context.Context, e env, args []string) error {
	var email string
	var staff, super, inactive, fromStdin, noPassword bool
	cfg, _, err := load("createuser", e, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail of the new user (required)")
		fs.BoolVar(&staff, "staff", false, "may use the admin panel")
		fs.BoolVar(&super, "superuser", false, "superuser (implies --staff)")
		fs.BoolVar(&inactive, "inactive", false, "create the account inactive")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
		fs.BoolVar(&noPassword, "no-password", false, "create with an unusable password (the user resets it)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("createuser: --email is required")
	}
	pw := ""
	if !noPassword {
		if pw, err = readPassword(e, fromStdin); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Service.CreateUser(ctx, auth.NewUser{Email: email, Password: pw, IsStaff: staff,
		IsSuperuser: super, Inactive: inactive}, "", auth.Client{IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %s (%s)\n", u.Email, u.ID)
	return nil
}

func cmdChangePassword(ctx context.Context, e env, args []string) error {
	var email string
	var fromStdin bool
	cfg, _, err := load("changepassword", e, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail of the user (required)")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("changepassword: --email is required")
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Service.UserByEmail(ctx, email)
	if errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("changepassword: no user with e-mail %q", email)
	}
	if err != nil {
		return err
	}
	pw, err := readPassword(e, fromStdin)
	if err != nil {
		return err
	}
	if err := a.Service.SetPassword(ctx, u, pw, "cli", auth.Client{IP: "cli"}, false); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password changed for %s; every refresh token and earlier access token of the user is revoked\n", u.Email)
	return nil
}

// cmdInvite mails an invitation to sign up (as the admin panel's Invitations page does): the
// link lets one account be made with that address, verified at once.
func cmdInvite(ctx context.Context, e env, args []string) error {
	var email string
	cfg, _, err := load("invite", e, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the address to invite (required)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("invite: --email is required")
	}
	a, err := openMailingApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Service.Invite(ctx, email, "", auth.Client{IP: "cli"}); err != nil {
		var ve *auth.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("invite: %s", strings.Join(ve.Fields["email"], " "))
		}
		return fmt.Errorf("invite: %w", err)
	}
	fmt.Fprintf(e.stdout, "invitation sent to %s; it works once, within %s\n", email, days(cfg.InvitationTTL))
	return nil
}

// days spells a lifetime in whole days when it is one ("7 days"), else as Go does ("36h0m0s").
func days(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "1 day"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// readPassword takes the password from standard input's first line, or prompts twice without
// echo on a terminal. Never from argv: command lines are visible to other users of the machine.
func readPassword(e env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("the password on standard input is empty")
		}
		return pw, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to prompt for the password: use --password-stdin")
	}
	fmt.Fprint(e.stderr, "Password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Password (again): ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the passwords do not match")
	}
	if len(a) == 0 {
		return "", errors.New("the password is empty")
	}
	return string(a), nil
}
