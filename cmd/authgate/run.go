package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/config"
)

// env is what every command gets from the operating system.
type env struct {
	getenv func(string) string
	// environ lists the whole environment, to warn about AUTHGATE_ variables that name no setting.
	environ func() []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// command is one subcommand; the table below is the whole command line interface.
type command struct {
	name, summary string
	run           func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (applies pending migrations first)", cmdServe},
		{"migrate", "apply pending database migrations and exit", cmdMigrate},
		{"makesuperuser", "create a superuser with a random password, if none exists", cmdMakeSuperuser},
		{"createuser", "create a user: --email E [--staff] [--superuser] [--inactive] [--password-stdin]", cmdCreateUser},
		{"changepassword", "set a user's password: --email E [--password-stdin]; revokes their tokens", cmdChangePassword},
		{"invite", "mail an invitation to sign up: --email E (AUTHGATE_SIGNUP invite or open)", cmdInvite},
		{"flushexpiredtokens", "delete expired outstanding tokens (and their blacklist rows) in batches", cmdFlushExpired},
		{"importusers", "import users and refresh tokens from Django: --django-json FILE [--abort-on-error]", cmdImportUsers},
		{"keys", "keys generate --algorithm EdDSA [--out DIR]: write a new key pair", cmdKeys},
		{"bench", "load-test a server beside ceilings measured in the same run (docs/benchmarks.md)", cmdBench},
		{"version", "print the version", cmdVersion},
		{"help", "list commands and settings", nil},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, environ func() []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, environ: environ, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stdout)
		return errors.New("no command given")
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "authgate: a SimpleJWT-compatible authentication server")
	fmt.Fprintln(w, "\nUsage: authgate COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery setting is an environment variable and a flag (`authgate serve -h` lists the flags):")
	fmt.Fprintln(w, "  "+strings.Join(config.Env(), "\n  "))
}

// load reads the configuration for a command; extra declares the command's own flags beside the
// settings' flags. An AUTHGATE_ variable that names no setting (a typo leaves the default in
// force) is warned about, with the setting it most likely meant, in the configured log format.
func load(name string, e env, args []string, extra ...func(*flag.FlagSet)) (config.Config, []string, error) {
	var f func(*flag.FlagSet)
	if len(extra) > 0 {
		f = extra[0]
	}
	cfg, rest, err := config.Load("authgate "+name, args, e.getenv, e.stderr, f)
	if err != nil || e.environ == nil {
		return cfg, rest, err
	}
	if unknown := config.UnknownVariables(e.environ()); len(unknown) > 0 {
		log := newLogger(cfg, e.stderr)
		for _, u := range unknown {
			log.Warn(u.String(), "variable", u.Name, "closest_setting", u.Closest)
		}
	}
	return cfg, rest, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	lvl := slog.LevelInfo
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// cliLogger logs warnings and worse to stderr for the management commands.
func cliLogger(e env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openApp opens the application for a command that neither signs tokens nor sends mail, so the
// warnings meant for serve (development key, console mail) are not printed.
func openApp(ctx context.Context, cfg config.Config, e env) (*app.App, error) {
	return app.Open(ctx, cfg, cliLogger(e), app.Options{GenerateKey: true, Offline: true})
}

// openMailingApp opens the application for a command that sends mail (invite): its mail
// settings are opened and checked, and the console sender's warning applies to it.
func openMailingApp(ctx context.Context, cfg config.Config, e env) (*app.App, error) {
	return app.Open(ctx, cfg, cliLogger(e), app.Options{GenerateKey: true})
}

func cmdVersion(_ context.Context, e env, _ []string) error {
	fmt.Fprintln(e.stdout, "authgate", app.Version)
	return nil
}
