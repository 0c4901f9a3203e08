package djangoimport

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sort"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// ReasonImported is the blacklist reason of tokens that were blacklisted in Django (SimpleJWT
// does not record why).
const ReasonImported = "imported"

// Store is the storage the import writes to; authgate's store.DB is one.
type Store interface {
	UserByID(ctx context.Context, id string) (auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
	CreateUser(ctx context.Context, u auth.User) error
	TokenByJTI(ctx context.Context, jti string) (auth.OutstandingToken, error)
	RecordOutstanding(ctx context.Context, t auth.OutstandingToken) error
	Blacklist(ctx context.Context, t auth.OutstandingToken, reason string, at time.Time) error
}

// Options adjust an import. Zero fields take their defaults.
type Options struct {
	// UserModel is the user model's label ("usermodel.user"); default any "<app>.user".
	UserModel string
	// AbortOnError stops at the first bad record (ErrAborted) instead of skipping it.
	AbortOnError bool
	// OnProblem is told of each skipped record as it is met.
	OnProblem func(*Problem)
	// ProgressEvery calls Progress after every so many records of each pass; default 10000.
	ProgressEvery int
	Progress      func(Progress)
	// TimeZone of naive datetimes (a project with USE_TZ = False); default UTC.
	TimeZone *time.Location
	// Now is the clock (date_joined or created_at missing); default time.Now.
	Now func() time.Time
	// Rand makes the unusable password of a user whose hash is empty; default crypto/rand.
	Rand io.Reader
}

// Progress is where a running import is.
type Progress struct {
	Pass    int // 1: users and the blacklist; 2: outstanding tokens
	Records int // records of this pass read so far
	Report  Report
}

// Counts are the records of one kind: created now, or found already in authgate.
type Counts struct {
	Created, Existing int
}

// Report is what an import did. Importing the same dump again creates nothing.
type Report struct {
	Records     int            // elements of the array
	Users       Counts         // user records
	Tokens      Counts         // outstanding tokens
	Blacklisted Counts         // tokens blacklisted in Django
	Skipped     int            // bad records (each reported through OnProblem)
	Ignored     map[string]int // records of other models, by label
	// PasswordFormats counts the imported users by hash algorithm ("pbkdf2_sha256", "argon2",
	// "unusable" …); users whose format authgate cannot verify must reset their password.
	PasswordFormats map[string]int
}

// Changed reports whether the import wrote anything.
func (r Report) Changed() bool {
	return r.Users.Created+r.Tokens.Created+r.Blacklisted.Created > 0
}

// Import reads the dump (the output of `manage.py dumpdata`, a JSON array of records) twice,
// streaming: first users and blacklist entries, then outstanding tokens, so that records may
// come in any order (dumpdata writes token_blacklist before the user model's app when
// INSTALLED_APPS lists it first). Users keep their ids and password hashes; a token is recorded
// as outstanding, or blacklisted when Django had blacklisted it. Records already in authgate
// are left as they are. A bad record is skipped and reported, unless Options.AbortOnError.
// Only a file that is not a JSON array, or a storage failure, ends the import with an error.
func Import(ctx context.Context, src io.ReaderAt, size int64, st Store, o Options) (Report, error) {
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 10000
	}
	if o.TimeZone == nil {
		o.TimeZone = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	imp := &importer{
		st: st, opts: o, now: o.Now,
		bl:    map[int64]blacklisted{},
		users: map[string]bool{},
		report: Report{
			Ignored: map[string]int{}, PasswordFormats: map[string]int{},
		},
	}
	for pass := 1; pass <= 2; pass++ {
		if err := imp.pass(ctx, src, size, pass); err != nil {
			return imp.report, err
		}
	}
	// Blacklist entries whose token never came: report them in file order.
	left := make([]blacklisted, 0, len(imp.bl))
	for _, b := range imp.bl {
		left = append(left, b)
	}
	sort.Slice(left, func(i, j int) bool { return left[i].index < left[j].index })
	ln := newLines(src, size)
	for _, b := range left {
		p := &Problem{Index: b.index, Line: ln.valueAt(b.offset), Model: blacklistedModel, PK: b.pk,
			Err: errors.New("its outstanding token is not in the dump (or its record was skipped)")}
		if err := imp.problem(p); err != nil {
			return imp.report, err
		}
	}
	return imp.report, nil
}
