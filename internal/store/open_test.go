package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

func TestSQLiteURLs(t *testing.T) {
	t.Chdir(t.TempDir()) // not parallel: the relative path is relative to the working directory
	ctx := ctxT(t)

	rel := openRaw(t, "sqlite://authgate.db", store.Options{})
	wantNoErr(t, "Migrate relative", rel.Migrate(ctx))
	if _, err := os.Stat("authgate.db"); err != nil {
		t.Errorf("sqlite://authgate.db did not create ./authgate.db: %v", err)
	}

	abs := filepath.Join(t.TempDir(), "abs.db")
	absDB := openRaw(t, "sqlite://"+abs, store.Options{})
	wantNoErr(t, "Migrate absolute", absDB.Migrate(ctx))
	if _, err := os.Stat(abs); err != nil {
		t.Errorf("sqlite://%s did not create the file: %v", abs, err)
	}

	mem := openRaw(t, "sqlite://:memory:", store.Options{})
	wantNoErr(t, "Migrate in memory", mem.Migrate(ctx))
	u := mustUser(t, mem, "mem@example.com")
	if _, err := mem.UserByID(ctx, u.ID); err != nil {
		t.Errorf("in-memory read after write: %v", err)
	}
	if _, err := os.Stat(":memory:"); err == nil {
		t.Error("sqlite://:memory: created a file")
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, want string }{
		{"mysql://root@localhost/db", `"mysql"`},
		{"authgate.db", "no scheme"},
		{"sqlite://", "names no file"},
		{"sqlite://x.db?mode=ro", "query strings"},
		{"sqlite://file:x.db", "file: prefix"},
		{"postgres://user:s3cret@127.0.0.1:5432/db?sslmode=bogus", "sslmode is invalid"},
		{"postgresql://user:s3cret@127.0.0.1:5432/db?connect_timeout=soon", "invalid connection URL"},
		{"sqlite://" + filepath.Join(t.TempDir(), "missing-dir", "x.db"), "unable to open"},
	} {
		db, err := store.Open(ctxT(t), tc.url, store.Options{RetryDelay: time.Millisecond})
		if err == nil {
			_ = db.Close()
			t.Errorf("Open(%q) succeeded", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, want it to mention %s", tc.url, err, tc.want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) leaked the password: %v", tc.url, err)
		}
	}
}

func TestOpenDeadPostgresFailsClosed(t *testing.T) {
	t.Parallel()
	_, err := store.Open(ctxT(t), "postgres://postgres:pw@127.0.0.1:1/authgate?sslmode=disable",
		store.Options{ConnectRetries: 2, RetryDelay: 10 * time.Millisecond})
	if !errors.Is(err, auth.ErrUnavailable) {
		t.Fatalf("Open on a dead port: %v, want %v", err, auth.ErrUnavailable)
	}
	if !strings.Contains(err.Error(), "3 attempt") {
		t.Errorf("error %q does not say how often it tried", err)
	}
}
