package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/authgate/authgate/internal/app"
	"github.com/authgate/authgate/internal/logsink"
)

func cmdServe(ctx context.Context, e env, args []string) error {
	cfg, _, err := load("serve", e, args)
	if err != nil {
		return err
	}
	// One write per 10 ms at most under load instead of one per request (docs/benchmarks.md);
	// a line after a quiet spell goes out at once, and Close flushes on the way out.
	sink := logsink.New(e.stderr, 1<<20, 10*time.Millisecond)
	defer sink.Close()
	log := newLogger(cfg, sink)
	a, err := app.Open(ctx, cfg, log, app.Options{GenerateKey: true})
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("AUTHGATE_ADDR: %w", err)
	}
	srv := &http.Server{
		Handler: a.Handler,
		// Slow clients cannot hold connections (ASVS V13): bounded header, body and idle times.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	log.Info("authgate listening", "addr", "http://"+ln.Addr().String(), "version", app.Version,
		"database", a.DB.Dialect())
	fmt.Fprintf(e.stdout, "listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, let in-flight requests finish (each store call is one
	// transaction, so nothing is left half-written), then close storage.
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func cmdMigrate(ctx context.Context, e env, args []string) error {
	cfg, _, err := load("migrate", e, args)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, cliLogger(e), app.Options{NoMigrate: true, GenerateKey: true, Offline: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "migrations applied; database is up to date")
	return nil
}
