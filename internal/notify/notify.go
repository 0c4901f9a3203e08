// Package notify tells every authgate instance sharing a PostgreSQL database that a user changed,
// by LISTEN/NOTIFY, so that their user caches forget the row at once instead of at the TTL.
package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Channel is the PostgreSQL notification channel; a payload is "<instance>:<user id>".
const Channel = "authgate_user_changed"

// ApplicationName names the notifier's connections in pg_stat_activity (unless the URL names
// them).
const ApplicationName = "authgate-notify"

// Options configure a Notifier.
type Options struct {
	// DatabaseURL is the PostgreSQL database the instances share.
	DatabaseURL string
	// Forget drops one user from this instance's cache (auth.Service.ForgetUser).
	Forget func(userID string)
	// ForgetAll empties it (auth.Service.ForgetAllUsers): after (re)connecting, anything may
	// have changed while nobody listened.
	ForgetAll func()
	Logger    *slog.Logger
	// RetryDelay is the pause between attempts to reach the database. Default 1s.
	RetryDelay time.Duration
	// PingInterval is how often a quiet listening connection is checked, so that a connection
	// dropped without a word is noticed. Default 15s.
	PingInterval time.Duration
}

// Notifier publishes this instance's user changes and applies the other instances'.
type Notifier struct {
	o        Options
	instance string
	pub      *sql.DB
	cancel   context.CancelFunc
	done     chan struct{}

	mu        sync.Mutex
	listening chan struct{} // closed while a LISTEN is in place; replaced when it is lost
}

// Start checks the options and starts listening in the background; it does not wait for the
// database (Listening reports when the LISTEN is in place).
func Start(o Options) (*Notifier, error) {
	if o.Forget == nil || o.ForgetAll == nil {
		return nil, errors.New("notify: Forget and ForgetAll are required")
	}
	cfg, err := pgx.ParseConfig(o.DatabaseURL)
	if err != nil {
		return nil, errors.New("notify: invalid PostgreSQL URL")
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = ApplicationName
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 15 * time.Second
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("notify: instance id: %w", err)
	}
	pub := stdlib.OpenDB(*cfg)
	pub.SetMaxOpenConns(2)
	pub.SetMaxIdleConns(1)
	pub.SetConnMaxIdleTime(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	n := &Notifier{o: o, instance: hex.EncodeToString(id[:]), pub: pub, cancel: cancel,
		done: make(chan struct{}), listening: make(chan struct{})}
	go n.listen(ctx, cfg)
	return n, nil
}

// Publish tells the other instances that the user changed. It is called after the change is
// stored; a failure is logged, and the other instances then see the change at their cache's
// TTL at the latest.
func (n *Notifier) Publish(userID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := n.pub.ExecContext(ctx, `SELECT pg_notify($1, $2)`, Channel, n.instance+":"+userID); err != nil {
		n.o.Logger.Warn("user change not announced to other instances; they see it within the user cache TTL",
			"user_id", userID, "err", err)
	}
}

// Listening returns a channel closed while the LISTEN is in place (tests, readiness).
func (n *Notifier) Listening() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.listening
}

func (n *Notifier) setListening(on bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case <-n.listening:
		if !on {
			n.listening = make(chan struct{})
		}
	default:
		if on {
			close(n.listening)
		}
	}
}

// Close stops listening and closes the connections.
func (n *Notifier) Close() error {
	n.cancel()
	<-n.done
	if err := n.pub.Close(); err != nil {
		return fmt.Errorf("notify: close: %w", err)
	}
	return nil
}

// listen keeps a LISTEN in place until ctx ends, reconnecting after any failure.
func (n *Notifier) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(n.done)
	for ctx.Err() == nil {
		err := n.session(ctx, cfg)
		n.setListening(false)
		if ctx.Err() != nil {
			return
		}
		n.o.Logger.Warn("not listening for user changes of other instances; retrying (until then they are seen within the user cache TTL)",
			"err", err)
		t := time.NewTimer(n.o.RetryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// session is one connection's LISTEN: it returns when the connection fails or ctx ends.
func (n *Notifier) session(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("notify: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return fmt.Errorf("notify: listen: %w", err)
	}
	// Notifications sent while nobody listened are lost: nothing cached until now is trusted.
	n.o.ForgetAll()
	n.setListening(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, n.o.PingInterval)
		nt, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			if inst, id, ok := strings.Cut(nt.Payload, ":"); ok && inst != n.instance && id != "" {
				n.o.Forget(id)
			}
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("notify: ping: %w", err)
			}
		default:
			return fmt.Errorf("notify: wait: %w", err)
		}
	}
}
