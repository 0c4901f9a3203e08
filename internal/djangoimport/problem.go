package djangoimport

import (
	"errors"
	"fmt"
)

// Problem is a record that was not imported, with where it is in the dump.
type Problem struct {
	Index int    // position in the JSON array, from 0
	Line  int    // line the record starts on; 0 when unknown
	Model string // e.g. "usermodel.user"; empty when the record is not an object
	PK    string // the record's primary key as written; empty when absent
	Err   error
}

// Error says which record and why, e.g. `record 12 (line 140, usermodel.user 3f2a…): e-mail …`.
func (p *Problem) Error() string {
	where := fmt.Sprintf("record %d", p.Index)
	var what []any
	if p.Line > 0 {
		what = append(what, fmt.Sprintf("line %d", p.Line))
	}
	if p.Model != "" {
		m := p.Model
		if p.PK != "" {
			m += " " + p.PK
		}
		what = append(what, m)
	}
	switch len(what) {
	case 1:
		where += fmt.Sprintf(" (%s)", what[0])
	case 2:
		where += fmt.Sprintf(" (%s, %s)", what[0], what[1])
	}
	return where + ": " + p.Err.Error()
}

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Err }

// ErrAborted is returned, wrapping the first Problem, when Options.AbortOnError stops the import.
var ErrAborted = errors.New("import aborted at the first bad record")

// ErrNotDump is a file that is not dumpdata's JSON array; it wraps the JSON error with its line.
var ErrNotDump = errors.New("not a manage.py dumpdata JSON array")
