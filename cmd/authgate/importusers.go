package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/djangoimport"
)

// cmdImportUsers brings a Django + SimpleJWT deployment's users and refresh tokens into authgate
// from `manage.py dumpdata` JSON (docs/django.md).
func cmdImportUsers(ctx context.Context, e env, args []string) error {
	var file, userModel, tz string
	var abort bool
	every := 10000
	cfg, _, err := load("importusers", e, args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "django-json", "", "the output of `manage.py dumpdata` (all apps, or the user model and token_blacklist)")
		fs.BoolVar(&abort, "abort-on-error", false, "stop at the first bad record instead of skipping it")
		fs.StringVar(&userModel, "user-model", "", `label of the user model, e.g. "usermodel.user" (default: any "<app>.user")`)
		fs.StringVar(&tz, "time-zone", "UTC", "Django's TIME_ZONE, for naive datetimes of a project with USE_TZ = False")
		fs.IntVar(&every, "progress", every, "print progress every so many records")
	})
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("importusers: --django-json FILE is required (python manage.py dumpdata > FILE)")
	}
	if every < 1 {
		return fmt.Errorf("importusers: --progress %d is not a positive number", every)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("importusers: --time-zone: %w", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("importusers: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("importusers: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("importusers: %s is not a regular file (the dump is read twice)", file)
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.Close()

	fmt.Fprintf(e.stdout, "importing %s (%d bytes)\n", file, info.Size())
	rep, err := djangoimport.Import(ctx, f, info.Size(), a.DB, djangoimport.Options{
		UserModel: userModel, AbortOnError: abort, ProgressEvery: every, TimeZone: loc,
		OnProblem: func(p *djangoimport.Problem) {
			verb := "skipped"
			if abort {
				verb = "stopped at"
			}
			fmt.Fprintf(e.stderr, "%s %v\n", verb, p)
		},
		Progress: func(p djangoimport.Progress) {
			what := "users and blacklist"
			if p.Pass == 2 {
				what = "outstanding tokens"
			}
			fmt.Fprintf(e.stdout, "pass %d/2 (%s): %d records read; %d users, %d tokens imported so far\n",
				p.Pass, what, p.Records, p.Report.Users.Created, p.Report.Tokens.Created)
		},
	})
	printReport(e.stdout, rep)
	if err != nil {
		return fmt.Errorf("importusers: %w", err)
	}
	if rep.Skipped > 0 {
		// Like pg_restore's "errors ignored on restore": the rest is in, but a script must notice.
		return fmt.Errorf("importusers: %d bad records skipped (listed above); the others are imported, and running again after fixing them imports only what is missing", rep.Skipped)
	}
	return nil
}

// printReport says what the import did, and when it changed nothing, says so.
func printReport(w io.Writer, r djangoimport.Report) {
	fmt.Fprintf(w, "users:       %d imported, %d already in authgate\n", r.Users.Created, r.Users.Existing)
	fmt.Fprintf(w, "tokens:      %d imported, %d already in authgate\n", r.Tokens.Created, r.Tokens.Existing)
	fmt.Fprintf(w, "blacklisted: %d imported, %d already in authgate\n", r.Blacklisted.Created, r.Blacklisted.Existing)
	if len(r.PasswordFormats) > 0 {
		fmt.Fprintf(w, "password hashes of the imported users: %s (re-hashed with argon2id at each user's next login)\n", counts(r.PasswordFormats))
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(w, "records of other models, not imported: %s\n", counts(r.Ignored))
	}
	if !r.Changed() && r.Skipped == 0 {
		fmt.Fprintln(w, "nothing to import: everything in the dump is already in authgate")
	}
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
