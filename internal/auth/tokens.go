package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/authgate/authgate/internal/password"
	"github.com/authgate/authgate/internal/token"
)

// TokenError is a refused token: Err is one of the token sentinels above, and Message is
// SimpleJWT's wording for it, as clients see it.
type TokenError struct {
	Err     error
	Message string
}

func (e *TokenError) Error() string { return e.Message }
func (e *TokenError) Unwrap() error { return e.Err }

func tokenErr(err error) error {
	switch {
	case errors.Is(err, token.ErrNoExp):
		return &TokenError{ErrTokenNoExp, "Token has no 'exp' claim"}
	case errors.Is(err, token.ErrNoID):
		return &TokenError{ErrTokenNoID, "Token has no id"}
	case errors.Is(err, token.ErrNoType):
		return &TokenError{ErrTokenNoType, "Token has no type"}
	case errors.Is(err, token.ErrWrongType):
		return &TokenError{ErrTokenWrongType, "Token has wrong type"}
	case errors.Is(err, token.ErrNoRefreshExp), errors.Is(err, token.ErrRefreshExpired):
		// SimpleJWT's sliding-refresh messages; the text names the configured claim.
		return &TokenError{ErrTokenInvalid, err.Error()}
	default:
		return &TokenError{ErrTokenInvalid, "Token is invalid or expired"}
	}
}

var (
	errBlacklisted = &TokenError{ErrBlacklisted, "Token is blacklisted"}
	errRevoked     = &TokenError{ErrTokenRevoked, "Token is invalid or expired"}
)

// Login checks an e-mail and password. Unknown e-mail, wrong password and inactive user all
// answer ErrInvalidCredentials after the same amount of hashing work (CONTRACT: no enumeration).
func (s *Service) Login(ctx context.Context, email, pw string, c Client) (LoginResult, error) {
	u, err := s.checkCredentials(ctx, email, pw, "login", c)
	if err != nil {
		return LoginResult{}, err
	}
	methods, err := s.Methods(ctx, u)
	if err != nil {
		return LoginResult{}, fmt.Errorf("auth: login: %w", err)
	}
	if len(methods) > 0 {
		return s.loginChallenge(ctx, u, PurposeLogin, methods, c)
	}
	ev := s.event("login_ok", u.ID, "", c, "")
	p, err := s.issuePair(ctx, u, c, &ev)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Pair: p}, nil
}

// checkCredentials checks an e-mail and password at a login door (the API's logins, the admin
// panel's), drawing on the account's budget of failed password checks (budget.go). Unknown
// e-mail, wrong password and inactive user all answer ErrInvalidCredentials after the same work:
// one lookup, one unit of a budget, one hash.
func (s *Service) checkCredentials(ctx context.Context, email, pw, door string, c Client) (User, error) {
	u, err := User{}, ErrNotFound
	// No stored e-mail holds a NUL or invalid UTF-8, and PostgreSQL refuses to even compare with
	// one: such an address is an unknown one, answered alike (not a storage error, not faster).
	if utf8.ValidString(email) && !strings.ContainsRune(email, 0) {
		u, err = s.store.UserByEmail(ctx, email)
	}
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	key := emailBudget(email)
	if known {
		key = userBudget(u.ID)
	}
	if err := s.spendPasswordCheck(ctx, key, u.ID, door, c); err != nil {
		return User{}, err
	}
	if !known {
		s.hasher.VerifyDummy(ctx, pw)
		s.audit(ctx, "login_failed", "", "", c, "unknown e-mail")
		return User{}, ErrInvalidCredentials
	}
	ok, rehash, err := s.hasher.Verify(ctx, pw, u.PasswordHash)
	if errors.Is(err, password.ErrBusy) || ctx.Err() != nil {
		s.refundPasswordCheck(ctx, key)
		return User{}, fmt.Errorf("auth: login: %w", ErrBusy)
	}
	if !ok || !u.IsActive {
		detail := "wrong password"
		if ok {
			detail = "inactive user"
		}
		s.audit(ctx, "login_failed", u.ID, "", c, detail)
		return User{}, ErrInvalidCredentials
	}
	s.refundPasswordCheck(ctx, key)
	if rehash {
		if h, err := s.hasher.Hash(ctx, pw); err == nil {
			if err := s.store.SetPasswordHash(ctx, u.ID, h); err != nil {
				s.log.Warn("password re-hash not stored", "user_id", u.ID, "err", err)
			}
		}
	}
	return u, nil
}

// LoginThrottled records a login attempt refused by throttling (ASVS 7.1.3). It takes no e-mail
// address: one who types a password into the e-mail field must not find it in the audit log.
func (s *Service) LoginThrottled(ctx context.Context, scope string, c Client) {
	s.audit(ctx, "login_throttled", "", "", c, scope)
}

// ErrBusy means the server is at its hashing capacity; the client may retry.
var ErrBusy = errors.New("server busy")

// waitValidAfter keeps a token minted just after a logout-all in the same second from being
// refused: iat has whole seconds, so mint no earlier than tokens_valid_after (at most a second).
func (s *Service) waitValidAfter(ctx context.Context, u User) error {
	d := u.TokensValidAfter.Sub(s.now())
	if d <= 0 {
		return nil
	}
	if d > 2*time.Second {
		d = 2 * time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// issuePair mints a new family's first refresh token and its access token, recording the refresh
// token before anyone sees it (fail closed: nothing is handed out that was not recorded), with
// login, when not nil, the audit event of the login it completes, in the same transaction.
func (s *Service) issuePair(ctx context.Context, u User, c Client, login *AuditEvent) (Pair, error) {
	if err := s.waitValidAfter(ctx, u); err != nil {
		return Pair{}, err
	}
	sid, now := newSessionID(), s.now()
	opts := []token.IssueOption{token.WithSession(sid), token.ExpiresBy(s.sessionCap(now, now))}
	if s.cfg.SessionMaxAge > 0 {
		opts = append(opts, token.WithAuthTime(now))
	}
	refresh, rc, err := s.tokens.Issue(token.TypeRefresh, u.ID, opts...)
	if err != nil {
		return Pair{}, fmt.Errorf("auth: mint refresh: %w", err)
	}
	access, _, err := s.tokens.AccessFrom(rc, token.ExpiresBy(s.sessionCap(rc.AuthTime, now)))
	if err != nil {
		return Pair{}, fmt.Errorf("auth: mint access: %w", err)
	}
	ot := outstanding(refresh, rc, sid, "", c, s.now())
	if login == nil {
		err = s.store.RecordOutstanding(ctx, ot)
	} else {
		err = s.store.RecordLogin(ctx, ot, *login)
	}
	if err != nil {
		return Pair{}, err
	}
	if login != nil && s.onAudit != nil {
		s.onAudit(*login)
	}
	if err := s.trimSessions(ctx, u, sid, c); err != nil {
		return Pair{}, err
	}
	if s.cfg.UpdateLastLogin {
		if err := s.store.SetLastLogin(ctx, u.ID, s.now().UTC()); err != nil {
			s.log.Warn("last login not updated", "user_id", u.ID, "err", err)
		}
	}
	return Pair{Refresh: refresh, Access: access}, nil
}

// sessionOf is the session a token not (yet) recorded belongs to: the one it names, or a new one.
func sessionOf(c token.Claims) string {
	if c.SessionID != "" {
		return c.SessionID
	}
	return newSessionID()
}

func outstanding(raw string, c token.Claims, family, parent string, cl Client, now time.Time) OutstandingToken {
	return OutstandingToken{
		UserID: c.UserID, JTI: c.JTI, Token: raw, CreatedAt: now.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
		FamilyID: family, ParentJTI: parent, ClientIP: cl.IP, UserAgent: truncate(cl.UserAgent, 512),
	}
}

// Refresh rotates a refresh token (CONTRACT: POST /api/token/refresh/). Of concurrent requests
// with one token exactly one wins; a token reused after its rotation revokes its whole family,
// unless the request was already in flight when the rotation committed (a duplicate, not a replay).
func (s *Service) Refresh(ctx context.Context, raw string, c Client) (Pair, error) {
	started := s.now()
	rc, err := s.tokens.Parse(raw, token.TypeRefresh)
	if err != nil {
		if err == token.ErrInvalid {
			s.onExpiredRefresh(ctx, raw, c)
		}
		return Pair{}, tokenErr(err)
	}
	if rc.SessionID != "" && s.ended.has(rc.SessionID) {
		return Pair{}, errBlacklisted // its session ended (storage says so too; this saves the trip)
	}
	if p, done, err := s.rotateFast(ctx, rc, c); done {
		return p, err
	}
	ot, err := s.store.TokenByJTI(ctx, rc.JTI)
	known := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Pair{}, err
	}
	if known && ot.Blacklisted {
		s.onReuse(ctx, ot, started, c)
		return Pair{}, errBlacklisted
	}
	u, err := s.activeUserOf(ctx, rc)
	if err != nil {
		return Pair{}, err
	}
	if rc.IssuedAt.Before(u.TokensValidAfter) {
		return Pair{}, errBlacklisted
	}
	if !known && !s.cfg.AcceptUnknownRefresh {
		// Perhaps handed out in a window a restore or an asynchronous failover lost.
		s.log.Warn("refresh token unknown to the database refused", "user_id", rc.UserID)
		return Pair{}, errRevoked
	}
	if !known {
		// A validly signed token a peer SimpleJWT deployment issued: accepted once, as a session
		// of its own (or the one it names: a token of ours that Django rotated).
		family := rc.SessionID
		if family == "" {
			family = newSessionID()
		}
		ot = outstanding(raw, rc, family, "", c, s.now())
	}
	// A token from before sessions had ids in tokens gets its session's from here on, and with
	// a maximum session age, when its session began.
	rc.SessionID = ot.FamilyID
	if s.cfg.SessionMaxAge > 0 && rc.AuthTime.IsZero() {
		began, err := s.store.SessionStart(ctx, ot.FamilyID)
		switch {
		case errors.Is(err, ErrNotFound): // a peer's token, not recorded yet
			began = rc.IssuedAt
		case err != nil:
			return Pair{}, err
		}
		rc.AuthTime = began.Truncate(time.Second)
		if !s.now().Before(rc.AuthTime.Add(s.cfg.SessionMaxAge)) {
			if known {
				if _, err := s.endSession(ctx, ot.FamilyID, ot.UserID, ReasonMaxAge); err != nil {
					return Pair{}, err
				}
				s.audit(ctx, "session_expired", ot.UserID, "", c, fmt.Sprintf("session %s: %s", ot.FamilyID, ReasonMaxAge))
			}
			return Pair{}, tokenErr(token.ErrInvalid)
		}
	}
	limit := token.ExpiresBy(s.sessionCap(rc.AuthTime, s.now()))
	access, _, err := s.tokens.AccessFrom(rc, limit)
	if err != nil {
		return Pair{}, fmt.Errorf("auth: mint access: %w", err)
	}
	if !s.cfg.RotateRefreshTokens {
		if !known {
			if err := s.store.RecordOutstanding(ctx, ot); err != nil && !errors.Is(err, ErrConflict) {
				return Pair{}, err
			}
		}
		return Pair{Access: access}, nil
	}
	next, nc, err := s.tokens.Rotate(rc, limit)
	if err != nil {
		return Pair{}, fmt.Errorf("auth: mint refresh: %w", err)
	}
	family := ot.FamilyID
	if family == "" {
		family = ot.JTI
	}
	nt := outstanding(next, nc, family, rc.JTI, c, s.now())
	if s.cfg.BlacklistAfterRotation {
		err = s.store.Rotate(ctx, ot, nt, s.now().UTC())
	} else {
		if !known {
			if err := s.store.RecordOutstanding(ctx, ot); err != nil && !errors.Is(err, ErrConflict) {
				return Pair{}, err
			}
		}
		err = s.store.RecordOutstanding(ctx, nt)
	}
	if errors.Is(err, ErrBlacklisted) {
		return Pair{}, errBlacklisted // lost the race to a concurrent request
	}
	if err != nil {
		return Pair{}, err
	}
	return Pair{Access: access, Refresh: next}, nil
}

// rotateFast is the common refresh — rotation with blacklisting, a recorded token, an active
// user — in one store call, the user read through the user cache. Anything else (a token
// blacklisted, unknown or of an inactive user, another configuration) is not done here and
// takes Refresh's full path, which reads the token first and answers in SimpleJWT's order.
func (s *Service) rotateFast(ctx context.Context, rc token.Claims, c Client) (Pair, bool, error) {
	if !s.cfg.RotateRefreshTokens || !s.cfg.BlacklistAfterRotation || !validUUID(rc.UserID) || rc.SessionID == "" ||
		s.cfg.SessionMaxAge > 0 && rc.AuthTime.IsZero() {
		return Pair{}, false, nil
	}
	u, err := s.userByID(ctx, rc.UserID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Pair{}, true, err // storage is down: fail closed now, not after a second timeout
	}
	if err != nil || !u.IsActive || rc.IssuedAt.Before(u.TokensValidAfter) {
		return Pair{}, false, nil
	}
	limit := token.ExpiresBy(s.sessionCap(rc.AuthTime, s.now()))
	access, _, err := s.tokens.AccessFrom(rc, limit)
	if err != nil {
		return Pair{}, true, fmt.Errorf("auth: mint access: %w", err)
	}
	next, nc, err := s.tokens.Rotate(rc, limit)
	if err != nil {
		return Pair{}, true, fmt.Errorf("auth: mint refresh: %w", err)
	}
	err = s.store.RotateRecorded(ctx, rc.JTI, outstanding(next, nc, "", rc.JTI, c, s.now()), s.now().UTC())
	if errors.Is(err, ErrBlacklisted) || errors.Is(err, ErrNotFound) {
		return Pair{}, false, nil
	}
	if err != nil {
		return Pair{}, true, err
	}
	return Pair{Access: access, Refresh: next}, true, nil
}

// onReuse handles a blacklisted refresh token presented again. A rotated token replayed after its
// rotation means two parties hold the family (RFC 6819 5.2.2.3): revoke all of it.
func (s *Service) onReuse(ctx context.Context, ot OutstandingToken, started time.Time, c Client) {
	if !s.cfg.ReuseDetection || ot.Reason != ReasonRotated || started.Before(ot.BlacklistedAt) {
		return
	}
	family := ot.FamilyID
	if family == "" {
		family = ot.JTI
	}
	n, err := s.endSession(ctx, family, ot.UserID, ReasonReuseDetected)
	if err != nil {
		s.log.Error("reuse detected but family not revoked", "family", family, "err", err)
		return
	}
	s.audit(ctx, "reuse_detected", ot.UserID, "", c, fmt.Sprintf("family %s, %d tokens revoked", family, n))
}

// activeUserOf loads the user a refresh token names; SimpleJWT 5.3 answers 401 no_active_account
// when that user is gone or inactive.
func (s *Service) activeUserOf(ctx context.Context, c token.Claims) (User, error) {
	if !validUUID(c.UserID) {
		return User{}, ErrNoActiveAccount
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrNoActiveAccount
	}
	if err != nil {
		return User{}, err
	}
	if !u.IsActive {
		return User{}, ErrNoActiveAccount
	}
	return u, nil
}

// Authenticate checks a Bearer access token as SimpleJWT's JWTAuthentication does, and also that
// the user has not logged out everywhere or changed password since it was issued, and that its
// session has not ended.
func (s *Service) Authenticate(ctx context.Context, raw string) (User, token.Claims, error) {
	return s.authenticate(ctx, raw, false)
}

// AuthenticateToLogOut is Authenticate for POST /logout_token/, which also accepts an access
// token whose own session has ended: logging out only ends sessions, and the tutorial logs out
// everywhere with the access token of the session it has just logged out.
func (s *Service) AuthenticateToLogOut(ctx context.Context, raw string) (User, token.Claims, error) {
	return s.authenticate(ctx, raw, true)
}

func (s *Service) authenticate(ctx context.Context, raw string, endedOK bool) (User, token.Claims, error) {
	c, err := s.tokens.Parse(raw, token.TypeAccess)
	if err != nil {
		return User{}, c, tokenErr(err)
	}
	if c.UserID == "" {
		return User{}, c, ErrTokenNoUser
	}
	if !validUUID(c.UserID) {
		return User{}, c, ErrUserNotFound
	}
	u, err := s.userByID(ctx, c.UserID)
	if errors.Is(err, ErrNotFound) {
		return User{}, c, ErrUserNotFound
	}
	if err != nil {
		return User{}, c, err
	}
	if !u.IsActive {
		return User{}, c, ErrUserInactive
	}
	// After the user checks: a deleted or deactivated account's sessions are ended too, and
	// its tokens must answer "User not found" or "User is inactive" (CONTRACT) whether or not
	// this instance has read that yet.
	if c.SessionID != "" && !endedOK {
		if err := s.ended.check(c.SessionID); err != nil {
			return User{}, c, err
		}
	}
	if c.IssuedAt.Before(u.TokensValidAfter) {
		return User{}, c, errRevoked
	}
	return u, c, nil
}

// Verify answers POST /api/token/verify/: any token type; a blacklisted jti, or a token issued
// before the user's logout-all or password change, is reported as blacklisted.
func (s *Service) Verify(ctx context.Context, raw string) error {
	c, err := s.tokens.Parse(raw, "")
	if err != nil {
		return tokenErr(err)
	}
	if c.SessionID != "" && s.ended.has(c.SessionID) {
		return ErrBlacklisted
	}
	ot, err := s.store.TokenByJTI(ctx, c.JTI)
	switch {
	case err == nil && ot.Blacklisted:
		return ErrBlacklisted
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	if validUUID(c.UserID) {
		u, err := s.userByID(ctx, c.UserID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil && c.IssuedAt.Before(u.TokensValidAfter) {
			return ErrBlacklisted
		}
	}
	return nil
}

// Blacklist answers POST /api/token/blacklist/.
func (s *Service) Blacklist(ctx context.Context, raw string, c Client) error {
	rc, err := s.tokens.Parse(raw, token.TypeRefresh)
	if err != nil {
		return tokenErr(err)
	}
	if err := s.logoutToken(ctx, raw, rc, ReasonBlacklist, c); err != nil {
		return err
	}
	s.audit(ctx, "logout", rc.UserID, "", c, "token blacklisted via /api/token/blacklist/")
	return nil
}

// logoutToken blacklists a refresh token (recording it first when a peer deployment issued it)
// and ends its session, so that the session's access tokens stop working too. Of concurrent
// logouts with one token, one succeeds and the others get errBlacklisted.
func (s *Service) logoutToken(ctx context.Context, raw string, rc token.Claims, reason string, c Client) error {
	ot := outstanding(raw, rc, sessionOf(rc), "", c, s.now())
	err := s.store.Blacklist(ctx, ot, reason, s.now().UTC())
	if errors.Is(err, ErrBlacklisted) {
		return errBlacklisted
	}
	if err != nil {
		return err
	}
	family := ot.FamilyID
	if rec, err := s.store.TokenByJTI(ctx, rc.JTI); err == nil {
		family = rec.FamilyID
	}
	userID := ""
	if validUUID(rc.UserID) {
		userID = strings.ToLower(rc.UserID)
	}
	_, err = s.endSession(ctx, family, userID, reason)
	return err
}

// Logout blacklists one refresh token of the caller (CONTRACT: POST /logout_token/).
func (s *Service) Logout(ctx context.Context, caller User, raw string, c Client) error {
	rc, err := s.tokens.Parse(raw, token.TypeRefresh)
	if err != nil {
		return tokenErr(err)
	}
	if rc.UserID != caller.ID {
		return &TokenError{ErrNotOwner, "Token is invalid or expired"}
	}
	if rc.IssuedAt.Before(caller.TokensValidAfter) {
		return errBlacklisted
	}
	if err := s.logoutToken(ctx, raw, rc, ReasonLogout, c); err != nil {
		return err
	}
	s.audit(ctx, "logout", caller.ID, "", c, "")
	return nil
}

// LogoutAll blacklists every refresh token of the user and refuses their access tokens issued so
// far (CONTRACT: POST /logout_token/ with "all").
func (s *Service) LogoutAll(ctx context.Context, userID, actorID string, c Client) error {
	now := s.now()
	n, err := s.store.RevokeUser(ctx, userID, ReasonLogoutAll, now.UTC(), nextSecond(now))
	s.users.forget(userID)
	if err != nil {
		return err
	}
	s.audit(ctx, "logout_all", userID, actorID, c, fmt.Sprintf("%d refresh tokens blacklisted", n))
	return nil
}

// nextSecond is the first whole second after t: tokens_valid_after for a revocation at t, since a
// token's iat is t truncated to seconds.
func nextSecond(t time.Time) time.Time {
	return t.UTC().Truncate(time.Second).Add(time.Second)
}

// ObtainSliding answers POST /api/token/sliding/: the token, or with a second factor to give
// the login's challenge.
func (s *Service) ObtainSliding(ctx context.Context, email, pw string, c Client) (string, LoginResult, error) {
	u, err := s.checkCredentials(ctx, email, pw, "sliding login", c)
	if err != nil {
		return "", LoginResult{}, err
	}
	methods, err := s.Methods(ctx, u)
	if err != nil {
		return "", LoginResult{}, fmt.Errorf("auth: sliding login: %w", err)
	}
	if len(methods) > 0 {
		res, err := s.loginChallenge(ctx, u, PurposeLogin, methods, c)
		return "", res, err
	}
	if err := s.waitValidAfter(ctx, u); err != nil {
		return "", LoginResult{}, err
	}
	sid := newSessionID()
	raw, sc, err := s.tokens.Issue(token.TypeSliding, u.ID, token.WithSession(sid))
	if err != nil {
		return "", LoginResult{}, fmt.Errorf("auth: mint sliding: %w", err)
	}
	if err := s.store.RecordOutstanding(ctx, outstanding(raw, sc, sid, "", c, s.now())); err != nil {
		return "", LoginResult{}, err
	}
	s.audit(ctx, "login_ok", u.ID, "", c, "sliding token")
	return raw, LoginResult{}, nil
}

// RefreshSliding answers POST /api/token/sliding/refresh/: same jti, new exp, within refresh_exp.
func (s *Service) RefreshSliding(ctx context.Context, raw string) (string, error) {
	sc, err := s.tokens.Parse(raw, token.TypeSliding)
	if err != nil {
		return "", tokenErr(err)
	}
	ot, err := s.store.TokenByJTI(ctx, sc.JTI)
	if err == nil && ot.Blacklisted {
		return "", errBlacklisted
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", err
	}
	u, err := s.activeUserOf(ctx, sc)
	if err != nil {
		return "", err
	}
	if sc.IssuedAt.Before(u.TokensValidAfter) {
		return "", errBlacklisted
	}
	out, _, err := s.tokens.RefreshSliding(sc)
	if err != nil {
		return "", tokenErr(err)
	}
	return out, nil
}

// userByID reads a user through the short-lived cache that access-token checks use.
func (s *Service) userByID(ctx context.Context, id string) (User, error) {
	return s.users.load(ctx, strings.ToLower(id), s.store.UserByID)
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
