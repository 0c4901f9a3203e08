package store

import (
	"database/sql"
	"fmt"
	"time"
)

// timeDest scans a column written by dialect.ts or dialect.nullTS back into a UTC time.Time;
// NULL and the zero instant become the zero time.Time.
type timeDest struct{ t *time.Time }

// scanTime returns a destination for rows.Scan that fills *t.
func scanTime(t *time.Time) timeDest { return timeDest{t} }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	if d.t.IsZero() {
		*d.t = time.Time{}
	}
	return nil
}

// nullString scans a nullable text column as "" when NULL.
type nullString struct{ s *string }

// str returns a destination for rows.Scan that fills *s, with "" for NULL.
func str(s *string) nullString { return nullString{s} }

// Scan implements sql.Scanner.
func (d nullString) Scan(src any) error {
	var ns sql.NullString
	if err := ns.Scan(src); err != nil {
		return err
	}
	*d.s = ns.String
	return nil
}
