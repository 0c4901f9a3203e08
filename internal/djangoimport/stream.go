package djangoimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// importer is one import's state. Memory grows with the blacklist entries and the users met,
// not with the file.
type importer struct {
	st     Store
	opts   Options
	now    func() time.Time
	report Report
	bl     map[int64]blacklisted // by outstanding token pk, until the token is met
	users  map[string]bool       // user ids known to exist (or not) in authgate
}

// pass streams the array once.
func (imp *importer) pass(ctx context.Context, src io.ReaderAt, size int64, pass int) error {
	dec := json.NewDecoder(io.NewSectionReader(src, 0, size))
	ln := newLines(src, size)
	notDump := func(err error) error {
		return fmt.Errorf("%w: line %d: %v", ErrNotDump, ln.valueAt(dec.InputOffset()), err)
	}
	tok, err := dec.Token()
	if err == io.EOF {
		return fmt.Errorf("%w: the file is empty", ErrNotDump)
	}
	if err != nil {
		return notDump(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return notDump(fmt.Errorf("starts with %v, not [", tok))
	}
	n := 0
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted at record %d: %w", n, err)
		}
		at := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return notDump(err)
		}
		if err := imp.record(ctx, raw, recordAt{n, at, ln}, pass); err != nil {
			return err
		}
		n++
		if imp.opts.Progress != nil && n%imp.opts.ProgressEvery == 0 {
			imp.opts.Progress(Progress{Pass: pass, Records: n, Report: imp.report})
		}
	}
	if _, err := dec.Token(); err != nil {
		return notDump(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return notDump(errors.New("more data after the array"))
	}
	if pass == 1 {
		imp.report.Records = n
	}
	return nil
}

// recordAt is where a record is: its index, and the offset before it, turned into a line only
// for messages.
type recordAt struct {
	index  int
	offset int64
	lines  *lines
}

func (a recordAt) line() int { return a.lines.valueAt(a.offset) }

// record imports one element in the pass that handles its model. A bad record becomes a
// Problem; only storage failures and an abort are returned.
func (imp *importer) record(ctx context.Context, raw json.RawMessage, at recordAt, pass int) error {
	var r record
	if err := json.Unmarshal(raw, &r); err != nil || r.Model == "" {
		if pass == 2 {
			return nil // reported in pass 1
		}
		return imp.problem(&Problem{Index: at.index, Line: at.line(), Err: errors.New(`not a record {"model", "pk", "fields"}`)})
	}
	r.Model = strings.ToLower(r.Model)
	var err error
	switch {
	case imp.isUser(r.Model):
		if pass == 1 {
			err = imp.importUser(ctx, r)
		}
	case r.Model == blacklistedModel:
		if pass == 1 {
			var pk int64
			var b blacklisted
			if pk, b, err = imp.blacklisted(r); err == nil {
				b.index, b.offset = at.index, at.offset
				imp.bl[pk] = b
			}
		}
	case r.Model == outstandingModel:
		if pass == 2 {
			err = imp.importToken(ctx, r)
		}
	default:
		if pass == 1 {
			imp.report.Ignored[r.Model]++
		}
	}
	var storage *storageError
	if errors.As(err, &storage) {
		return storage.err
	}
	if err != nil {
		return imp.problem(&Problem{Index: at.index, Line: at.line(), Model: r.Model, PK: r.pkText(), Err: err})
	}
	return nil
}

func (imp *importer) isUser(model string) bool {
	if imp.opts.UserModel != "" {
		return model == strings.ToLower(imp.opts.UserModel)
	}
	return strings.HasSuffix(model, ".user")
}

// problem reports a skipped record, or aborts.
func (imp *importer) problem(p *Problem) error {
	imp.report.Skipped++
	if imp.opts.OnProblem != nil {
		imp.opts.OnProblem(p)
	}
	if imp.opts.AbortOnError {
		return fmt.Errorf("%w: %w", ErrAborted, p)
	}
	return nil
}
