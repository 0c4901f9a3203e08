package djangoimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// storageError is a failure of the store, not of the record: it ends the import.
type storageError struct{ err error }

func (e *storageError) Error() string { return e.err.Error() }

// importUser creates the user unless authgate has its id already.
func (imp *importer) importUser(ctx context.Context, r record) error {
	u, err := imp.user(r)
	if err != nil {
		return err
	}
	_, err = imp.st.UserByID(ctx, u.ID)
	switch {
	case err == nil:
		imp.users[u.ID] = true
		imp.report.Users.Existing++
		return nil
	case !errors.Is(err, auth.ErrNotFound):
		return &storageError{fmt.Errorf("djangoimport: user %s: %w", u.ID, err)}
	}
	err = imp.st.CreateUser(ctx, u)
	if errors.Is(err, auth.ErrConflict) {
		return fmt.Errorf("e-mail %s already belongs to another authgate user", u.Email)
	}
	if err != nil {
		return &storageError{fmt.Errorf("djangoimport: create user %s: %w", u.ID, err)}
	}
	imp.users[u.ID] = true
	imp.report.Users.Created++
	imp.report.PasswordFormats[passwordFormat(u.PasswordHash)]++
	return nil
}

// passwordFormat names a Django password hash's algorithm.
func passwordFormat(hash string) string {
	if strings.HasPrefix(hash, "!") {
		return "unusable"
	}
	alg, _, ok := strings.Cut(hash, "$")
	if !ok || alg == "" || len(alg) > 32 {
		return "unrecognised"
	}
	return alg
}

// importToken records the token as outstanding, or blacklisted when a blacklist entry named it;
// a token authgate has already is only blacklisted when Django blacklisted it since.
func (imp *importer) importToken(ctx context.Context, r record) error {
	o, err := imp.outstanding(r)
	if err != nil {
		return err
	}
	t := o.token
	if err := imp.resolveUser(ctx, &t, o.byEmail); err != nil {
		return err
	}
	b, blacklist := imp.bl[o.pk]
	delete(imp.bl, o.pk)

	have, err := imp.st.TokenByJTI(ctx, t.JTI)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		if blacklist {
			err = imp.st.Blacklist(ctx, t, ReasonImported, b.at)
		} else {
			err = imp.st.RecordOutstanding(ctx, t)
		}
		if err != nil {
			return &storageError{fmt.Errorf("djangoimport: token %s: %w", t.JTI, err)}
		}
		imp.report.Tokens.Created++
		if blacklist {
			imp.report.Blacklisted.Created++
		}
		return nil
	case err != nil:
		return &storageError{fmt.Errorf("djangoimport: token %s: %w", t.JTI, err)}
	case have.Token != t.Token:
		return fmt.Errorf("jti %s already belongs to another token in authgate", t.JTI)
	}
	imp.report.Tokens.Existing++
	switch {
	case !blacklist:
	case have.Blacklisted:
		imp.report.Blacklisted.Existing++
	default: // blacklisted in Django since the last import
		err := imp.st.Blacklist(ctx, t, ReasonImported, b.at)
		if err != nil && !errors.Is(err, auth.ErrBlacklisted) {
			return &storageError{fmt.Errorf("djangoimport: blacklist %s: %w", t.JTI, err)}
		}
		imp.report.Blacklisted.Created++
	}
	return nil
}

// resolveUser checks that the token's user exists in authgate (imported now or before), or
// finds it by e-mail for a --natural-foreign dump.
func (imp *importer) resolveUser(ctx context.Context, t *auth.OutstandingToken, email string) error {
	if email != "" {
		u, err := imp.st.UserByEmail(ctx, email)
		if errors.Is(err, auth.ErrNotFound) {
			return fmt.Errorf("user %s is not in authgate (not in the dump, or its record was skipped)", email)
		}
		if err != nil {
			return &storageError{fmt.Errorf("djangoimport: user %s: %w", email, err)}
		}
		t.UserID = u.ID
		return nil
	}
	if t.UserID == "" {
		return nil // the user was deleted in Django (SET_NULL)
	}
	known, seen := imp.users[t.UserID]
	if !seen {
		_, err := imp.st.UserByID(ctx, t.UserID)
		if err != nil && !errors.Is(err, auth.ErrNotFound) {
			return &storageError{fmt.Errorf("djangoimport: user %s: %w", t.UserID, err)}
		}
		known = err == nil
		imp.users[t.UserID] = known
	}
	if !known {
		return fmt.Errorf("user %s is not in authgate (not in the dump, or its record was skipped)", t.UserID)
	}
	return nil
}

// unusable is a password hash that never matches, in Django's form ("!" and 40 random
// characters, as set_unusable_password writes).
func (imp *importer) unusable() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [40]byte
	if _, err := io.ReadFull(imp.opts.Rand, b[:]); err != nil {
		return "", &storageError{fmt.Errorf("djangoimport: random: %w", err)}
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "!" + string(b[:]), nil
}
