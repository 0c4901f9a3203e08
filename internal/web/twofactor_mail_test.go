package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

// waitEvent waits for the background work of a request to record its audit event (password
// reset mail goes out after the answer) and returns it.
func waitEvent(t *testing.T, e *authtest.Env, userID, kind, detail string) auth.AuditEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := e.App.DB.ListEvents(t.Context(), auth.EventQuery{UserID: userID, Kind: kind, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.UserID == userID && strings.Contains(ev.Detail, detail) {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audit event %s %q for user %q", kind, detail, userID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// allConsumed fails unless the table holds n challenges, none of them usable.
func allConsumed(t *testing.T, e *authtest.Env, n int) {
	t.Helper()
	allConsumedIn(t, e, "two_factor_challenges", n)
}

// allConsumedIn checks that the table holds n rows, none usable (consumed_at set).
func allConsumedIn(t *testing.T, e *authtest.Env, table string, n int) {
	t.Helper()
	rows := rawRows(t, e, table)
	if len(rows) != n {
		t.Fatalf("%d rows in %s, want %d", len(rows), table, n)
	}
	for _, row := range rows {
		if strings.Contains(row, "consumed_at=<nil> ") {
			t.Errorf("a challenge whose mail failed is still usable: %s", row)
		}
	}
}

// TestTwoFactorMailFailure: when the code cannot be delivered the client gets 503 and a clear
// detail, never tokens, and storage keeps no usable challenge.
func TestTwoFactorMailFailure(t *testing.T) {
	authtest.ForEachBackend(t, func(t *testing.T, b authtest.Backend) {
		t.Run("server refuses the message", func(t *testing.T) {
			srv := mailtest.NewServer(t, mailtest.WithFailure(554))
			e := authtest.StartWithMail(t, b, srv)
			u := e.CreateUser("a@example.com", pw)
			// The admin's switch succeeds though its notice cannot be sent.
			if err := e.App.Service.SetTwoFactor(t.Context(), u, true, "", auth.Client{IP: "test"}); err != nil {
				t.Fatal(err)
			}
			creds := map[string]string{"email": "a@example.com", "password": pw}
			// More tries than the three live challenges allowed: failed ones do not count.
			for range 4 {
				wantBody(t, "login", e.Post("/api/token/", creds), 503, bodyMailFailed)
			}
			allConsumed(t, e, 4)
			if n := wantEvent(t, e, u.ID, "two_factor_send_failed", "login"); n != 4 {
				t.Errorf("%d failed sends audited, want 4", n)
			}

			ub := e.CreateUser("b@example.com", pw)
			_, access := e.Login("b@example.com", pw)
			wantBody(t, "enable", e.Post("/api/2fa/enable/", nil, authtest.Bearer(access)...), 503, bodyMailFailed)
			allConsumed(t, e, 5)

			// A reset answers as always (no enumeration) and leaves no usable token.
			wantBody(t, "reset", e.Post("/api/password/reset/", map[string]string{"email": "b@example.com"}), 200, bodyResetSent)
			waitEvent(t, e, ub.ID, "password_reset_not_sent", "mail failed")
			allConsumed(t, e, 5)
			allConsumedIn(t, e, "account_tokens", 1)
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("the refusing server kept %d messages", n)
			}
			if !strings.Contains(e.Logs.String(), "verification code not delivered") {
				t.Error("the failure is not logged")
			}
		})
		t.Run("wrong SMTP credentials", func(t *testing.T) {
			srv := mailtest.NewServer(t, mailtest.WithStartTLS(), mailtest.WithAuth("u", "p"))
			wrong := strings.Replace(srv.URL(), "u:p@", "u:wrong@", 1)
			e := authtest.StartWithMail(t, b, srv, authtest.With(map[string]string{"AUTHGATE_EMAIL_URL": wrong}))
			e.CreateUser("a@example.com", pw)
			_, access := e.Login("a@example.com", pw)
			wantBody(t, "enable", e.Post("/api/2fa/enable/", nil, authtest.Bearer(access)...), 503, bodyMailFailed)
			allConsumed(t, e, 1)
			assertNoSecret(t, e, "u:wrong")
		})
		t.Run("resend fails", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "mail")
			e := authtest.Start(t, b, authtest.With(map[string]string{"AUTHGATE_EMAIL_URL": "file://" + dir}))
			u := e.CreateUser("a@example.com", pw)
			if err := e.App.Service.SetTwoFactor(t.Context(), u, true, "", auth.Client{IP: "test"}); err != nil {
				t.Fatal(err)
			}
			ch := loginChallenge(t, e, "a@example.com", pw)
			code := codeFromFiles(t, dir)
			// The spool directory disappears: the resent code reaches nobody.
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			e.Clock.Advance(31 * time.Second)
			wantBody(t, "resend", e.Post("/api/token/2fa/resend/", map[string]string{"challenge": ch}), 503, bodyMailFailed)
			wantBody(t, "the first code after a failed resend", finish(e, ch, code), 401, bodyChallengeBad)
			allConsumed(t, e, 1)
			wantEvent(t, e, u.ID, "two_factor_send_failed", "login")
		})
	})
}

// codeFromFiles reads the verification code from the one .eml file the file:// sender wrote.
func codeFromFiles(t *testing.T, dir string) string {
	t.Helper()
	var code string
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mailtest.ParseMessage(raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject == subjectCode {
			code = codeLine.FindStringSubmatch(m.Text)[1]
		}
	}
	if code == "" {
		t.Fatalf("no code among %v", files)
	}
	return code
}
