package djangoimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authgate/authgate/internal/auth"
)

// Model labels of SimpleJWT's token_blacklist app, as dumpdata writes them.
const (
	outstandingModel = "token_blacklist.outstandingtoken"
	blacklistedModel = "token_blacklist.blacklistedtoken"
)

// record is one element of the dumpdata array.
type record struct {
	Model  string          `json:"model"`
	PK     json.RawMessage `json:"pk"`
	Fields json.RawMessage `json:"fields"`
}

// pkText is the primary key as written, for messages.
func (r record) pkText() string {
	var s string
	if json.Unmarshal(r.PK, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(r.PK))
}

// fields decodes the record's fields into dst, naming the field at fault.
func (r record) fields(dst any) error {
	if len(r.Fields) == 0 || string(r.Fields) == "null" {
		return errors.New(`no "fields"`)
	}
	err := json.Unmarshal(r.Fields, dst)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q is a JSON %s, want a %s", te.Field, te.Value, te.Type)
	}
	if err != nil {
		return fmt.Errorf("fields: %w", err)
	}
	return nil
}

// userFields are the fields of the tutorial's user model (AbstractBaseUser, PermissionsMixin,
// e-mail, is_staff, is_active, date_joined); groups and permissions are not carried over.
type userFields struct {
	Email       *string `json:"email"`
	Password    *string `json:"password"`
	IsActive    *bool   `json:"is_active"`
	IsStaff     *bool   `json:"is_staff"`
	IsSuperuser *bool   `json:"is_superuser"`
	DateJoined  *string `json:"date_joined"`
	LastLogin   *string `json:"last_login"`
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
}

// user turns a user record into authgate's User. Missing flags take Django's defaults; a
// missing date_joined is the import's time.
func (imp *importer) user(r record) (auth.User, error) {
	var pk string
	if err := json.Unmarshal(r.PK, &pk); err != nil {
		if len(r.PK) == 0 || string(r.PK) == "null" {
			return auth.User{}, errors.New("no pk: dump without --natural-primary, so that user ids are kept")
		}
		return auth.User{}, fmt.Errorf("pk %s is not a UUID: authgate keeps Django's user ids, which must be UUIDs (the tutorial's custom user model)", r.pkText())
	}
	id, ok := canonicalUUID(pk)
	if !ok {
		return auth.User{}, fmt.Errorf("pk %q is not a UUID", pk)
	}
	var f userFields
	if err := r.fields(&f); err != nil {
		return auth.User{}, err
	}
	if f.Email == nil {
		return auth.User{}, errors.New(`no "email" field: authgate logs users in by e-mail (USERNAME_FIELD = "email")`)
	}
	email := strings.TrimSpace(*f.Email)
	if err := auth.ValidateEmail(email); err != nil {
		return auth.User{}, fmt.Errorf("email %q: %w", email, err)
	}
	u := auth.User{ID: id, Email: email, IsActive: true, TokensValidAfter: time.Unix(0, 0).UTC()}
	switch {
	case f.Password == nil:
		return auth.User{}, errors.New(`no "password" field`)
	case *f.Password == "":
		// Django never writes an empty hash; one put there by hand must never match.
		h, err := imp.unusable()
		if err != nil {
			return auth.User{}, err
		}
		u.PasswordHash = h
	default:
		u.PasswordHash = *f.Password
	}
	for _, b := range []struct {
		src *bool
		dst *bool
	}{{f.IsActive, &u.IsActive}, {f.IsStaff, &u.IsStaff}, {f.IsSuperuser, &u.IsSuperuser}} {
		if b.src != nil {
			*b.dst = *b.src
		}
	}
	var err error
	if u.DateJoined, err = imp.timestamp("date_joined", f.DateJoined); err != nil {
		return auth.User{}, err
	}
	if u.DateJoined.IsZero() {
		u.DateJoined = imp.now().UTC()
	}
	if u.LastLogin, err = imp.timestamp("last_login", f.LastLogin); err != nil {
		return auth.User{}, err
	}
	// Imported users count as verified (issue 14): they were Django's to vouch for.
	u.VerifiedAt = u.DateJoined
	for _, n := range []struct {
		src *string
		dst *string
	}{{f.FirstName, &u.FirstName}, {f.LastName, &u.LastName}} {
		if n.src != nil && utf8.RuneCountInString(*n.src) <= auth.MaxNameLength {
			*n.dst = strings.TrimSpace(*n.src)
		}
	}
	return u, nil
}

// tokenFields are SimpleJWT's OutstandingToken fields. User is a pk, null, or with
// --natural-foreign the user's natural key ["e-mail"].
type tokenFields struct {
	User      json.RawMessage `json:"user"`
	JTI       *string         `json:"jti"`
	Token     *string         `json:"token"`
	CreatedAt *string         `json:"created_at"`
	ExpiresAt *string         `json:"expires_at"`
}

// outstanding is an OutstandingToken record read; userRef is set when the user is named by
// natural key (e-mail) rather than id.
type outstanding struct {
	pk      int64
	token   auth.OutstandingToken
	byEmail string
}

func (imp *importer) outstanding(r record) (outstanding, error) {
	var o outstanding
	pk, err := intPK(r.PK)
	if err != nil {
		return o, err
	}
	o.pk = pk
	var f tokenFields
	if err := r.fields(&f); err != nil {
		return o, err
	}
	if f.JTI == nil || *f.JTI == "" {
		return o, errors.New(`no "jti"`)
	}
	if f.Token == nil || *f.Token == "" {
		return o, errors.New(`no "token"`)
	}
	// Django's tokens have no sessions: each is a session of its own, with an opaque id.
	t := auth.OutstandingToken{JTI: *f.JTI, Token: *f.Token, FamilyID: auth.NewSessionID()}
	switch u := bytes.TrimSpace(f.User); {
	case len(u) == 0 || string(u) == "null":
	case u[0] == '"':
		var id string
		_ = json.Unmarshal(u, &id)
		var ok bool
		if t.UserID, ok = canonicalUUID(id); !ok {
			return o, fmt.Errorf("user %q is not a UUID", id)
		}
	case u[0] == '[':
		var key []string
		if err := json.Unmarshal(u, &key); err != nil || len(key) != 1 || key[0] == "" {
			return o, fmt.Errorf("user %s is not a natural key [\"e-mail\"]", u)
		}
		o.byEmail = key[0]
	default:
		return o, fmt.Errorf("user %s is not a UUID: authgate keeps Django's user ids, which must be UUIDs", u)
	}
	if t.CreatedAt, err = imp.timestamp("created_at", f.CreatedAt); err != nil {
		return o, err
	}
	if t.CreatedAt.IsZero() { // SimpleJWT's created_at is nullable
		t.CreatedAt = imp.now().UTC()
	}
	if t.ExpiresAt, err = imp.timestamp("expires_at", f.ExpiresAt); err != nil {
		return o, err
	}
	if t.ExpiresAt.IsZero() {
		return o, errors.New(`no "expires_at"`)
	}
	o.token = t
	return o, nil
}

// blacklistFields are SimpleJWT's BlacklistedToken fields: the OutstandingToken's pk.
type blacklistFields struct {
	Token         json.RawMessage `json:"token"`
	BlacklistedAt *string         `json:"blacklisted_at"`
}

// blacklisted is a BlacklistedToken record read, and where it was for messages.
type blacklisted struct {
	at     time.Time
	index  int
	offset int64 // before the record, for its line
	pk     string
}

func (imp *importer) blacklisted(r record) (int64, blacklisted, error) {
	var f blacklistFields
	if err := r.fields(&f); err != nil {
		return 0, blacklisted{}, err
	}
	tok, err := intPK(f.Token)
	if err != nil {
		return 0, blacklisted{}, fmt.Errorf("token: %w", err)
	}
	at, err := imp.timestamp("blacklisted_at", f.BlacklistedAt)
	if err != nil {
		return 0, blacklisted{}, err
	}
	if at.IsZero() {
		at = imp.now().UTC()
	}
	return tok, blacklisted{at: at, pk: r.pkText()}, nil
}

// intPK reads an integer primary key (SimpleJWT's BigAutoField).
func intPK(raw json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return 0, errors.New("no pk")
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pk %s is not an integer", raw)
	}
	return n, nil
}

// timestamp parses DjangoJSONEncoder's datetimes: ISO 8601 with "Z" or an offset, or naive
// (USE_TZ = False) in Options.TimeZone. Null or absent is the zero time.
func (imp *importer) timestamp(field string, v *string) (time.Time, error) {
	if v == nil || *v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, *v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, *v, imp.opts.TimeZone); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date and time like 2024-06-01T12:30:00.123Z", field, *v)
}

// canonicalUUID accepts a UUID with or without dashes, in either case, and returns it lower
// case with dashes, as SimpleJWT writes user_id.
func canonicalUUID(s string) (string, bool) {
	h := strings.ToLower(strings.ReplaceAll(s, "-", ""))
	if len(h) != 32 || (len(s) != 32 && len(s) != 36) || strings.Trim(h, "0123456789abcdef") != "" {
		return "", false
	}
	if len(s) == 36 && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
		return "", false
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}
