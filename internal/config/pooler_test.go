package config_test

import (
	"io"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/config"
)

// TestPoolerNeedsListenURL: behind a transaction pooler LISTEN silently hears nothing, so a user
// cache shared by LISTEN/NOTIFY needs a URL straight to PostgreSQL; without the cache it does not.
func TestPoolerNeedsListenURL(t *testing.T) {
	pooled := map[string]string{"AUTHGATE_DATABASE_POOLER": "transaction", "AUTHGATE_USER_CACHE_TTL": "1s"}
	_, _, err := config.Load("t", nil, env(pooled), io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "AUTHGATE_DATABASE_LISTEN_URL") {
		t.Fatalf("transaction pooler with a user cache and no listen URL: %v", err)
	}
	pooled["AUTHGATE_DATABASE_LISTEN_URL"] = "postgres://db.internal:5432/authgate"
	c, _, err := config.Load("t", nil, env(pooled), io.Discard, nil)
	if err != nil || c.DatabasePooler != "transaction" || c.DBListenURL == "" {
		t.Fatalf("with a listen URL: %+v %v", c, err)
	}
	if _, _, err := config.Load("t", nil, env(map[string]string{"AUTHGATE_DATABASE_POOLER": "transaction"}), io.Discard, nil); err != nil {
		t.Fatalf("transaction pooler without a user cache: %v", err)
	}
	if _, _, err := config.Load("t", nil, env(map[string]string{"AUTHGATE_DATABASE_POOLER": "statement"}), io.Discard, nil); err == nil ||
		!strings.Contains(err.Error(), "AUTHGATE_DATABASE_POOLER") {
		t.Fatalf("statement pooling accepted: %v", err)
	}
	if c, _, _ := config.Load("t", nil, env(nil), io.Discard, nil); c.DatabasePooler != "none" || !c.AcceptUnknownRefresh {
		t.Fatalf("defaults: pooler %q, accept unknown refresh tokens %v", c.DatabasePooler, c.AcceptUnknownRefresh)
	}
}
