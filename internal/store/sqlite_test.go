package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/store"
)

// After the 5 s busy timeout SQLite answers "database is locked"; the store must fail closed.
func TestSQLiteBusyFailsClosed(t *testing.T) {
	t.Parallel()
	url := sqliteBackend.url(t)
	db := openRaw(t, url, store.Options{StatementTimeout: 30 * time.Second})
	wantNoErr(t, "Migrate", db.Migrate(ctxT(t)))
	u := mustUser(t, db, "busy@example.com")
	holdWriteLock(t, sqliteBackend, url)
	err := db.SetLastLogin(ctxT(t), u.ID, t0)
	wantErr(t, "write behind another process's lock", err, auth.ErrUnavailable)
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("error %q does not say the database is locked", err)
	}
	if _, err := db.UserByID(ctxT(t), u.ID); err != nil {
		t.Errorf("reads must go on while another process writes (WAL): %v", err)
	}
}
