package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authmail "github.com/authgate/authgate/internal/mail"
	"github.com/authgate/authgate/internal/mail/mailtest"
)

func TestFileSender(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "spool", "mail")
	clock := fixedNow()
	s := open(t, "file://"+dir, authmail.Options{
		From: "authgate <no-reply@auth.example.com>",
		Now:  func() time.Time { clock = clock.Add(time.Second); return clock },
	})
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode %o, want 700", perm)
	}

	ctx := context.Background()
	if err := s.Send(ctx, "ada@example.com", "two_factor_code", codeData()); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, "bob@example.com", "password_changed", map[string]any{"email": "bob@example.com"}); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d files in %s, want 2: %v", len(entries), dir, entries)
	}
	wantSubjects := []string{"Your authgate verification code", "authgate - Your password has been successfully changed!"}
	for i, e := range entries { // ReadDir sorts by name, and names start with the date
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %o, want 600", e.Name(), perm)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mailtest.ParseMessage(raw)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if m.Subject != wantSubjects[i] {
			t.Errorf("%s: Subject = %q, want %q", e.Name(), m.Subject, wantSubjects[i])
		}
		date, err := m.Header.Date()
		if err != nil {
			t.Fatal(err)
		}
		id := strings.Trim(m.Header.Get("Message-ID"), "<>")
		if want := date.UTC().Format("20060102T150405.000000000Z") + "_" + id + ".eml"; e.Name() != want {
			t.Errorf("file name %q, want %q", e.Name(), want)
		}
	}
	if m, _ := mailtest.ParseMessage(mustRead(t, filepath.Join(dir, entries[0].Name()))); !strings.Contains(m.Text, "482913") {
		t.Errorf("first message lacks the code:\n%s", m.Text)
	}
}

func TestFileSenderDirectoryGone(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "mail")
	s := open(t, "file://"+dir, authmail.Options{})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	err := s.Send(context.Background(), "ada@example.com", "password_changed", map[string]any{"email": "ada@example.com"})
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("err = %v, want an error naming %s", err, dir)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
