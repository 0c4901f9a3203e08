package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/internal/token"
)

// A session is a login: the family of refresh tokens descending from it. Its id is opaque and
// random (never a jti: the sessions API shows it to anyone holding an access token), and every
// token of the session, access tokens included, carries it as the sid claim. Ending a session
// blacklists its refresh tokens and records it ended; each instance keeps the sessions ended
// within the access-token lifetime in memory (endedSessions), read from storage every
// SessionSyncInterval, so that an access token of an ended session is refused everywhere
// within about that interval, without a storage read on the protected path.

// NewSessionID returns a fresh session id: 128 random bits as 32 hex digits.
func NewSessionID() string { return newSessionID() }

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SessionSyncInterval is how often an instance reads the sessions other instances ended.
const SessionSyncInterval = 250 * time.Millisecond

// sessionSyncWindow is how far back each read looks, before the previous read began: it covers
// clock skew between instances and transactions that commit a while after they took their
// timestamp (a statement timeout is a few seconds).
const sessionSyncWindow = 30 * time.Second

// sessionSyncStale is how old the last successful read may be before access tokens that carry a
// sid are refused as unavailable (fail closed): past it, sessions ended elsewhere may be missed.
const sessionSyncStale = 5 * time.Second

// errSessionsUnknown means this instance cannot tell which sessions ended.
var errSessionsUnknown = fmt.Errorf("auth: ended sessions not read recently: %w", ErrUnavailable)

// endedSessions is the set of sessions ended within the access-token lifetime (plus the leeway
// and the sync window), so that each entry lives no longer than the access tokens it refuses.
type endedSessions struct {
	keep time.Duration
	// mono is real time, for staleness: tests move the business clock (Service.now) by hours.
	mono func() time.Time

	mu       sync.RWMutex
	until    map[string]time.Time // id -> when the entry may go (business clock)
	syncedAt time.Time            // last successful read (mono); zero: never, or not required
	since    time.Time            // where the next read starts (business clock)
	required bool                 // a reader runs: staleness matters
}

func newEndedSessions(keep time.Duration) *endedSessions {
	return &endedSessions{keep: keep, mono: time.Now, until: map[string]time.Time{}}
}

// add records id as ended at the instant.
func (e *endedSessions) add(id string, at time.Time) {
	if id == "" {
		return
	}
	e.mu.Lock()
	if u := at.Add(e.keep); u.After(e.until[id]) {
		e.until[id] = u
	}
	e.mu.Unlock()
}

// check reports whether a token of the session may be used: errRevoked when it ended,
// errSessionsUnknown when this instance's knowledge is stale. id is the raw claim; indexing
// the map with string(id) allocates nothing.
func (e *endedSessions) check(id string) error {
	e.mu.RLock()
	_, ended := e.until[id]
	stale := e.required && e.mono().Sub(e.syncedAt) > sessionSyncStale
	e.mu.RUnlock()
	switch {
	case ended:
		return errRevoked
	case stale:
		return errSessionsUnknown
	}
	return nil
}

// prune drops entries whose tokens have all expired.
func (e *endedSessions) prune(now time.Time) {
	e.mu.Lock()
	for id, u := range e.until {
		if now.After(u) {
			delete(e.until, id)
		}
	}
	e.mu.Unlock()
}

// LoadEndedSessions reads the sessions ended within the access-token lifetime into this
// instance's set (at start), and makes access tokens with a sid depend on SyncSessions keeping
// it current.
func (s *Service) LoadEndedSessions(ctx context.Context) error {
	now := s.now()
	if err := s.readEnded(ctx, now.Add(-s.ended.keep)); err != nil {
		return err
	}
	s.ended.mu.Lock()
	s.ended.required = true
	s.ended.mu.Unlock()
	return nil
}

// SyncSessions reads the sessions other instances ended every interval until ctx ends. A read
// that fails leaves the set as it was; after sessionSyncStale without a successful read, access
// tokens with a sid are refused (503) until one succeeds.
func (s *Service) SyncSessions(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.ended.mu.RLock()
		since := s.ended.since
		s.ended.mu.RUnlock()
		err := s.readEnded(ctx, since)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			s.log.Warn("ended sessions not read", "err", err)
			failing = true
		case err == nil && failing:
			s.log.Info("ended sessions read again")
			failing = false
		}
		s.ended.prune(s.now())
	}
}

// readEnded adds the sessions ended at or after since and moves the next read's start.
func (s *Service) readEnded(ctx context.Context, since time.Time) error {
	start, mono := s.now(), s.ended.mono()
	ended, err := s.store.EndedSessions(ctx, since.UTC())
	if err != nil {
		return err
	}
	for _, x := range ended {
		s.ended.add(x.ID, x.EndedAt)
	}
	s.ended.mu.Lock()
	s.ended.syncedAt = mono
	if next := start.Add(-sessionSyncWindow); next.After(s.ended.since) {
		s.ended.since = next
	}
	s.ended.mu.Unlock()
	return nil
}

// endSession ends one session in storage and at once on this instance; it returns how many
// refresh tokens it blacklisted. Callers audit.
func (s *Service) endSession(ctx context.Context, id, userID, reason string) (int, error) {
	now := s.now().UTC()
	n, err := s.store.EndSession(ctx, id, userID, reason, now)
	if err != nil {
		return 0, err
	}
	s.ended.add(id, now)
	return n, nil
}

// ended reports whether this instance knows the session ended (refresh and verify, which
// storage answers for anyway: staleness does not matter there).
func (e *endedSessions) has(id string) bool {
	e.mu.RLock()
	_, ok := e.until[id]
	e.mu.RUnlock()
	return ok
}

// EndOtherSessions ends every session of u but keep (the caller's own, from its token's sid):
// their refresh tokens are blacklisted and their access tokens refused on every instance within
// SessionSyncInterval. It returns how many sessions it ended.
func (s *Service) EndOtherSessions(ctx context.Context, u User, keep, reason string, c Client) (int, error) {
	return s.endSessionsOf(ctx, u, keep, reason, "", c)
}

// EndAllSessions ends every session of u, as EndOtherSessions does, without touching
// tokens_valid_after (LogoutAll does both).
func (s *Service) EndAllSessions(ctx context.Context, u User, reason string, c Client) (int, error) {
	return s.endSessionsOf(ctx, u, "", reason, "", c)
}

func (s *Service) endSessionsOf(ctx context.Context, u User, keep, reason, actorID string, c Client) (int, error) {
	if reason == "" {
		return 0, errors.New("auth: end sessions: a reason is required")
	}
	now := s.now().UTC()
	live, err := s.store.Sessions(ctx, u.ID, now)
	if err != nil {
		return 0, err
	}
	n, err := s.store.EndSessionsOfUser(ctx, u.ID, keep, reason, now)
	if err != nil {
		return 0, err
	}
	for _, x := range live { // at once on this instance; other instances read storage
		if x.FamilyID != keep {
			s.ended.add(x.FamilyID, now)
		}
	}
	detail := fmt.Sprintf("all sessions (%s): %d ended", reason, n)
	if keep != "" {
		detail = fmt.Sprintf("all other sessions (%s): %d ended", reason, n)
	}
	s.audit(ctx, "session_revoked", u.ID, actorID, c, detail)
	return n, nil
}

// sessionCap is the latest instant a token minted at now for a session that began at began
// may live until, under the session limits; zero when no limit applies. A refresh token's exp
// never passes it (issue #15: "whatever the rotations"), and neither does an access token's, so
// that a session that ends by its limits ends whole.
func (s *Service) sessionCap(began, now time.Time) time.Time {
	var limit time.Time
	if d := s.cfg.SessionIdleTimeout; d > 0 {
		limit = now.Add(d)
	}
	if d := s.cfg.SessionMaxAge; d > 0 && !began.IsZero() {
		if m := began.Add(d); limit.IsZero() || m.Before(limit) {
			limit = m
		}
	}
	return limit
}

// limitOf names the session limit that set a token's expiry, "" when it was its own lifetime.
func (s *Service) limitOf(c token.Claims) string {
	switch {
	case s.cfg.SessionMaxAge > 0 && !c.AuthTime.IsZero() && !c.ExpiresAt.Before(c.AuthTime.Add(s.cfg.SessionMaxAge).Truncate(time.Second)):
		return ReasonMaxAge
	case s.cfg.SessionIdleTimeout > 0 && s.cfg.SessionIdleTimeout < s.tokens.RefreshLifetime() &&
		!c.ExpiresAt.After(c.IssuedAt.Add(s.cfg.SessionIdleTimeout)):
		return ReasonIdleTimeout
	}
	return ""
}

// onExpiredRefresh records, once, that a session ended by its limits, when a client comes back
// with its last refresh token: the session is recorded ended (its token blacklisted) and audited.
func (s *Service) onExpiredRefresh(ctx context.Context, raw string, c Client) {
	if s.cfg.SessionIdleTimeout <= 0 && s.cfg.SessionMaxAge <= 0 {
		return
	}
	ec, ok := s.tokens.Expired(raw, token.TypeRefresh)
	if !ok || ec.SessionID == "" {
		return
	}
	reason := s.limitOf(ec)
	if reason == "" {
		return
	}
	userID := ""
	if validUUID(ec.UserID) {
		userID = strings.ToLower(ec.UserID)
	}
	n, err := s.endSession(ctx, ec.SessionID, userID, reason)
	if err != nil {
		s.log.Warn("expired session not recorded ended", "err", err)
		return
	}
	if n > 0 {
		s.audit(ctx, "session_expired", userID, "", c, fmt.Sprintf("session %s: %s", ec.SessionID, reason))
	}
}

// trimSessions ends the least recently used sessions of u beyond SessionsPerUser, sparing keep
// (the login that was just made).
func (s *Service) trimSessions(ctx context.Context, u User, keep string, c Client) error {
	max := s.cfg.SessionsPerUser
	if max <= 0 {
		return nil
	}
	live, err := s.store.Sessions(ctx, u.ID, s.now().UTC())
	if err != nil {
		return err
	}
	kept := 1                // keep
	for _, x := range live { // most recently used first
		if x.FamilyID == keep {
			continue
		}
		if kept < max {
			kept++
			continue
		}
		if _, err := s.endSession(ctx, x.FamilyID, u.ID, ReasonSessionLimit); err != nil {
			return err
		}
		s.audit(ctx, "session_limit", u.ID, "", c, fmt.Sprintf("session %s ended: more than %d sessions", x.FamilyID, max))
	}
	return nil
}
