// Command spa serves authgate's example browser frontend: plain HTML and JavaScript modules, no
// build step, on an origin of its own (docs/frontend.md).
//
//	go run ./examples/spa --addr 127.0.0.1:5173 --api http://127.0.0.1:8060
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// pageLinks are the app's pages for the links authgate mails (screens/activate.js, reset.js and
// email-confirm.js), as the settings that point the mails at them.
var pageLinks = []struct{ setting, path string }{
	{"AUTHGATE_ACTIVATION_URL", "/activate/{uid}/{token}"},
	{"AUTHGATE_PASSWORD_RESET_CONFIRM_URL", "/password/reset/confirm/{uid}/{token}"},
	{"AUTHGATE_EMAIL_CHANGE_CONFIRM_URL", "/email/change/confirm/{uid}/{token}"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "spa:", err)
		}
		os.Exit(2)
	}
}

// run parses the flags and serves the app until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("spa", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:5173", "address to serve the app on")
	api := fs.String("api", "http://127.0.0.1:8060", "authgate's base URL, as the browser reaches it")
	mode := fs.String("mode", modeCookie, "where the refresh token lives: cookie (HttpOnly cookie, tokens in memory; needs AUTHGATE_REFRESH_COOKIE=true) or localstorage (the tutorial's way)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg, err := newConfig(*api, *mode)
	if err != nil {
		return err
	}
	h, err := newHandler(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "example app on http://%s (authgate at %s, %s mode)\n", ln.Addr(), cfg.API, cfg.Mode)
	fmt.Fprintf(stdout, "authgate needs AUTHGATE_CORS_ALLOWED_ORIGINS=http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "and, for the pages its mails link to:\n")
	for _, l := range pageLinks {
		fmt.Fprintf(stdout, "  %s='http://%s%s'\n", l.setting, ln.Addr(), l.path)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}
