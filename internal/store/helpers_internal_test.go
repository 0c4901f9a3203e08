package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/authgate/authgate/internal/auth"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`SELECT 1`:                                 "SELECT 1",
		`a = ? AND b IN (?, ?)`:                    "a = $1 AND b IN ($2, $3)",
		`x LIKE ? ESCAPE '\' LIMIT ?`:              `x LIKE $1 ESCAPE '\' LIMIT $2`,
		"? ? ? ? ? ? ? ? ? ? ?":                    "$1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11",
		`INSERT INTO t (a) VALUES (?) RETURNING a`: "INSERT INTO t (a) VALUES ($1) RETURNING a",
	} {
		if got := dialectPostgres.rebind(in); got != want {
			t.Errorf("postgres rebind(%q) = %q, want %q", in, got, want)
		}
		if got := dialectSQLite.rebind(in); got != in {
			t.Errorf("sqlite rebind(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestCanonicalUUID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"3F2504E0-4F89-11D3-9A0C-0305E82C3301": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"3f2504e0-4f89-11d3-9a0c-0305e82c3301": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
		"3f2504e04f8911d39a0c0305e82c3301":     "",
		"3f2504e0-4f89-11d3-9a0c-0305e82c330g": "",
		"3f2504e0+4f89-11d3-9a0c-0305e82c3301": "",
		"":                                     "",
		"42":                                   "",
	} {
		got, ok := canonicalUUID(in)
		if got != want || ok != (want != "") {
			t.Errorf("canonicalUUID(%q) = %q, %v, want %q", in, got, ok, want)
		}
	}
}

func TestContainsPatternAndLimits(t *testing.T) {
	t.Parallel()
	if got := containsPattern(`A_b%c\d`); got != `%a\_b\%c\\d%` {
		t.Errorf("containsPattern = %q", got)
	}
	for in, want := range map[int]int{-1: defaultPageLimit, 0: defaultPageLimit, 7: 7, maxPageLimit + 1: maxPageLimit} {
		if got := pageLimit(in); got != want {
			t.Errorf("pageLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestTranslatePostgresCodes(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]error{
		"23505": auth.ErrConflict,
		"23503": auth.ErrNotFound,
		"57014": auth.ErrUnavailable, // statement_timeout
		"57P01": auth.ErrUnavailable, // admin shutdown
		"08006": auth.ErrUnavailable,
		"53300": auth.ErrUnavailable, // too many connections
		"40001": auth.ErrUnavailable, // serialization failure that outlived the retries
	} {
		err := translate(fmt.Errorf("exec: %w", &pgconn.PgError{Code: code}))
		if !errors.Is(err, want) {
			t.Errorf("SQLSTATE %s translated to %v, want %v", code, err, want)
		}
	}
	if err := translate(&pgconn.PgError{Code: "22001"}); errors.Is(err, auth.ErrUnavailable) || errors.Is(err, auth.ErrConflict) {
		t.Errorf("a data error became a sentinel: %v", err)
	}
	if classify(&pgconn.PgError{Code: "40P01"}) != kindRetry {
		t.Error("a deadlock is not retried")
	}
}

func TestTimeEncoding(t *testing.T) {
	t.Parallel()
	in := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.FixedZone("X", -7*3600))
	var out time.Time
	if err := scanTime(&out).Scan(dialectSQLite.ts(in)); err != nil {
		t.Fatal(err)
	}
	if want := in.UTC().Truncate(time.Microsecond); out != want {
		t.Errorf("sqlite round trip = %v, want %v", out, want)
	}
	if dialectSQLite.nullTS(time.Time{}) != nil || dialectPostgres.nullTS(time.Time{}) != nil {
		t.Error("the zero time is not NULL")
	}
	for _, zero := range []any{nil, dialectSQLite.ts(time.Time{}), dialectPostgres.ts(time.Time{})} {
		out = in
		if err := scanTime(&out).Scan(zero); err != nil || out != (time.Time{}) {
			t.Errorf("scanning %v gave %v, %v; want the zero time", zero, out, err)
		}
	}
	if err := scanTime(&out).Scan("2026-01-01"); err == nil {
		t.Error("a string scanned as a time")
	}
}
