package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

const userColumns = `u.id, u.email, u.password, u.is_active, u.is_staff, u.is_superuser,
	u.two_factor_enabled, u.date_joined, u.last_login, u.tokens_valid_after, u.first_name,
	u.last_name, u.verified_at, u.activation_pending, u.credentials_generation, u.second_factor_failures`

func scanUser(row interface{ Scan(...any) error }) (auth.User, error) {
	var u auth.User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.IsActive, &u.IsStaff, &u.IsSuperuser,
		&u.TwoFactorEnabled, scanTime(&u.DateJoined), scanTime(&u.LastLogin), scanTime(&u.TokensValidAfter),
		&u.FirstName, &u.LastName, scanTime(&u.VerifiedAt), &u.ActivationPending, &u.CredentialsGeneration,
		&u.SecondFactorFailures)
	return u, err
}

// CreateUser inserts u; auth.ErrConflict when the e-mail (case-insensitively) or the id exists.
func (db *DB) CreateUser(ctx context.Context, u auth.User) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(u.ID)
	if !ok {
		return fmt.Errorf("store: create user: invalid id %q: want a UUID", u.ID)
	}
	if u.Email == "" {
		return errors.New("store: create user: e-mail is empty")
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO users (id, email, email_lower, password, is_active,
			is_staff, is_superuser, two_factor_enabled, date_joined, last_login, tokens_valid_after,
			first_name, last_name, verified_at, activation_pending)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, u.Email, strings.ToLower(u.Email), u.PasswordHash, u.IsActive, u.IsStaff,
			u.IsSuperuser, u.TwoFactorEnabled, d.ts(u.DateJoined), d.nullTS(u.LastLogin),
			d.ts(u.TokensValidAfter), u.FirstName, u.LastName, d.nullTS(u.VerifiedAt), u.ActivationPending)
		return err
	})
	return wrap("create user", err)
}

// UserByID returns the user, or auth.ErrNotFound (also for an id that is not a UUID).
func (db *DB) UserByID(ctx context.Context, id string) (auth.User, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(id)
	if !ok {
		return auth.User{}, fmt.Errorf("store: user by id: %w", auth.ErrNotFound)
	}
	u, err := scanUser(db.queryRow(ctx, db.r, `SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
	return u, wrap("user by id", err)
}

// UserByEmail returns the user whose e-mail matches case-insensitively, or auth.ErrNotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (auth.User, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	u, err := scanUser(db.queryRow(ctx, db.r, `SELECT `+userColumns+` FROM users u WHERE u.email_lower = ?`,
		strings.ToLower(email)))
	return u, wrap("user by email", err)
}

// UpdateUser writes e-mail, flags, names, the verified state, last login and tokens_valid_after
// (not the password hash); auth.ErrNotFound when the user is gone, auth.ErrConflict when the new
// e-mail is taken.
func (db *DB) UpdateUser(ctx context.Context, u auth.User) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(u.ID)
	if !ok {
		return fmt.Errorf("store: update user: %w", auth.ErrNotFound)
	}
	if u.Email == "" {
		return errors.New("store: update user: e-mail is empty")
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		n, err := db.exec(ctx, tx, `UPDATE users SET email = ?, email_lower = ?, is_active = ?,
			is_staff = ?, is_superuser = ?, two_factor_enabled = ?, last_login = ?, tokens_valid_after = ?,
			first_name = ?, last_name = ?, verified_at = ?, activation_pending = ?
			WHERE id = ?`,
			u.Email, strings.ToLower(u.Email), u.IsActive, u.IsStaff, u.IsSuperuser,
			u.TwoFactorEnabled, d.nullTS(u.LastLogin), d.ts(u.TokensValidAfter), u.FirstName, u.LastName,
			d.nullTS(u.VerifiedAt), u.ActivationPending, id)
		return oneRow(n, err)
	})
	return wrap("update user", err)
}

// SetPasswordHash replaces the hash alone (a re-hash on login revokes nothing).
func (db *DB) SetPasswordHash(ctx context.Context, userID, hash string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: set password hash: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		return oneRow(db.exec(ctx, tx, `UPDATE users SET password = ? WHERE id = ?`, hash, id))
	})
	return wrap("set password hash", err)
}

// SetPassword replaces the hash, moves tokens_valid_after forward to validAfter (never back),
// adds one to the credentials generation, blacklists every live refresh token of the user with
// auth.ReasonPassword and consumes their live account tokens (reset and activation links die with
// the password), in one transaction.
func (db *DB) SetPassword(ctx context.Context, userID, hash string, at, validAfter time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: set password: %w", auth.ErrNotFound)
	}
	d := db.dialect
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := oneRow(db.exec(ctx, tx, `UPDATE users SET password = ?,
			tokens_valid_after = CASE WHEN tokens_valid_after < ? THEN ? ELSE tokens_valid_after END,
			credentials_generation = credentials_generation + 1
			WHERE id = ?`, hash, d.ts(validAfter), d.ts(validAfter), id))
		if err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, blacklistWhere+` t.user_id = ? AND t.expires_at > ?`+blacklistOrder,
			d.ts(at), auth.ReasonPassword, id, d.ts(at))
		if err != nil {
			return err
		}
		return db.consumeUserTokens(ctx, tx, id, "", at)
	})
	return wrap("set password", err)
}

// SetLastLogin records a successful login.
func (db *DB) SetLastLogin(ctx context.Context, userID string, at time.Time) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: set last login: %w", auth.ErrNotFound)
	}
	err := oneRow(db.writeOne(ctx, `UPDATE users SET last_login = ? WHERE id = ?`, db.dialect.ts(at), id))
	return wrap("set last login", err)
}

// HasSuperuser reports whether any superuser exists (active or not).
func (db *DB) HasSuperuser(ctx context.Context) (bool, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	var ok bool
	err := db.queryRow(ctx, db.r, `SELECT EXISTS (SELECT 1 FROM users WHERE is_superuser)`).Scan(&ok)
	return ok, wrap("has superuser", err)
}

// ListUsers pages by lower(email) ascending: users whose lower(email) > q.After, optionally
// only those whose e-mail contains q.Search (case-insensitively).
func (db *DB) ListUsers(ctx context.Context, q auth.UserQuery) ([]auth.User, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	query := `SELECT ` + userColumns + ` FROM users u WHERE u.email_lower > ?`
	args := []any{strings.ToLower(q.After)}
	if q.Search != "" {
		query += ` AND u.email_lower LIKE ? ESCAPE '\'`
		args = append(args, containsPattern(q.Search))
	}
	if q.Unverified {
		query += ` AND u.verified_at IS NULL`
	}
	query += ` ORDER BY u.email_lower LIMIT ?`
	args = append(args, pageLimit(q.Limit))
	users, err := selectAll(ctx, db, db.r, query, args, scanUserRows)
	return users, wrap("list users", err)
}

func scanUserRows(rows *sql.Rows) (auth.User, error) { return scanUser(rows) }

// CountUsers counts every user.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	n, err := db.count(ctx, db.r, `SELECT COUNT(*) FROM users`)
	return n, wrap("count users", err)
}

// DeleteUser removes the user; their tokens stay with user_id set to NULL, as Django does.
// Challenges, recovery codes and admin sessions go with the user. auth.ErrNotFound when absent.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(id)
	if !ok {
		return fmt.Errorf("store: delete user: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		return oneRow(db.exec(ctx, tx, `DELETE FROM users WHERE id = ?`, id))
	})
	return wrap("delete user", err)
}

// SpendSecondFactorCheck counts one second-factor check of the user before it runs, unless the
// user has max consecutive failures or more: then auth.ErrSecondFactorLocked. The guard sits in
// the UPDATE, so parallel checks never take the count past max (PostgreSQL re-checks it on the
// row version a concurrent check committed; SQLite has one writer). auth.ErrNotFound when the
// user is gone.
func (db *DB) SpendSecondFactorCheck(ctx context.Context, userID string, max int) (int, error) {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return 0, fmt.Errorf("store: spend second-factor check: %w", auth.ErrNotFound)
	}
	var n int
	err := db.write(ctx, func(tx *sql.Tx) error {
		err := db.queryRow(ctx, tx, `UPDATE users SET second_factor_failures = second_factor_failures + 1
			WHERE id = ? AND second_factor_failures < ? RETURNING second_factor_failures`, id, max).Scan(&n)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := db.queryRow(ctx, tx, `SELECT second_factor_failures FROM users WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		return auth.ErrSecondFactorLocked
	})
	if err != nil {
		return 0, wrap("spend second-factor check", err)
	}
	return n, nil
}

// ClearSecondFactorFailures sets the user's count of consecutive failed second-factor checks
// back to zero; auth.ErrNotFound when the user is gone.
func (db *DB) ClearSecondFactorFailures(ctx context.Context, userID string) error {
	ctx, cancel := db.op(ctx)
	defer cancel()
	id, ok := canonicalUUID(userID)
	if !ok {
		return fmt.Errorf("store: clear second-factor failures: %w", auth.ErrNotFound)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		return oneRow(db.exec(ctx, tx, `UPDATE users SET second_factor_failures = 0 WHERE id = ?`, id))
	})
	return wrap("clear second-factor failures", err)
}

// oneRow turns "no row changed" into auth.ErrNotFound.
func oneRow(n int64, err error) error {
	if err == nil && n == 0 {
		return auth.ErrNotFound
	}
	return err
}
