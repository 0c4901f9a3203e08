package djangoimport

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzRecord feeds arbitrary records to the parsers of each model: none may panic, and each
// refusal must say something. (The store is left out: the fuzzing engine's instrumentation makes
// the SQLite driver far too slow to run per input; import_test covers the writes.)
func FuzzRecord(f *testing.F) {
	raw, err := os.ReadFile("testdata/dumpdata.json")
	if err != nil {
		f.Fatal(err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(raw, &recs); err != nil {
		f.Fatal(err)
	}
	for _, r := range recs {
		f.Add([]byte(r))
	}
	f.Add([]byte(`{"model": "x.user", "pk": "0D8E3A525D434C4C9A773A4F0F1C2B01", "fields": {"email": "a@b.c", "password": "", "date_joined": "2024-06-01 12:00:00"}}`))
	f.Add([]byte(`{"model": "token_blacklist.outstandingtoken", "pk": "7", "fields": {"user": ["a@b.c"], "jti": "j", "token": "t", "expires_at": "2024-01-01T00:00:00+05:30"}}`))
	imp := &importer{opts: Options{TimeZone: time.UTC, Rand: bytes.NewReader(make([]byte, 1<<20))}, now: time.Now}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r record
		if json.Unmarshal(data, &r) != nil {
			return
		}
		imp.opts.Rand = bytes.NewReader(make([]byte, 40))
		if u, err := imp.user(r); err != nil {
			said(t, err)
		} else if _, ok := canonicalUUID(u.ID); !ok || u.Email == "" || u.PasswordHash == "" || u.DateJoined.IsZero() {
			t.Fatalf("user %+v from %s", u, data)
		}
		if o, err := imp.outstanding(r); err != nil {
			said(t, err)
		} else if o.token.JTI == "" || o.token.Token == "" || o.token.ExpiresAt.IsZero() || len(o.token.FamilyID) != 32 || o.token.FamilyID == o.token.JTI {
			t.Fatalf("token %+v from %s", o, data)
		}
		if _, _, err := imp.blacklisted(r); err != nil {
			said(t, err)
		}
		_ = r.pkText()
	})
}

func said(t *testing.T, err error) {
	t.Helper()
	if strings.TrimSpace(err.Error()) == "" {
		t.Fatal("an error with no message")
	}
}

// FuzzLines checks the line of every offset against a plain count.
func FuzzLines(f *testing.F) {
	f.Add([]byte("[\n{},\r\n  {}\n]"), uint16(3))
	f.Add([]byte(""), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, at uint16) {
		l := newLines(bytes.NewReader(data), int64(len(data)))
		l.buf = l.buf[:7] // small reads, to cross buffer boundaries
		for _, off := range []int{int(at) % (len(data) + 1), 0, len(data)} {
			want := 1 + bytes.Count(data[:off], []byte("\n"))
			i := off
			for i < len(data) && strings.IndexByte(" \t\r\n,", data[i]) >= 0 {
				if data[i] == '\n' {
					want++
				}
				i++
			}
			if got := l.valueAt(int64(off)); got != want {
				t.Fatalf("valueAt(%d) of %q = %d, want %d", off, data, got, want)
			}
		}
	})
}
