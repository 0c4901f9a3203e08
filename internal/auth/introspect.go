package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/authgate/authgate/internal/token"
)

// Introspection is what token introspection (RFC 7662) says of a token: whether it is active,
// and for an active one its claims and user.
type Introspection struct {
	Active bool
	Claims token.Claims
	User   User
}

// Introspect tells whether a token would be accepted right now, from storage rather than this
// instance's caches, for resource servers that must see a revocation at once (RFC 7662). An
// access token is active when it is valid, its user exists and is active, it was issued after
// the user's last logout everywhere or password change, and its session has not ended; a
// refresh or sliding token also when it is recorded and not blacklisted (a token authgate never
// recorded is not active here, though a refresh would accept a peer's once). Anything else is
// inactive, and only a storage fault is an error.
func (s *Service) Introspect(ctx context.Context, raw string) (Introspection, error) {
	c, err := s.tokens.Parse(raw, token.TypeUntyped)
	if err != nil || !validUUID(c.UserID) {
		return Introspection{}, nil
	}
	switch c.Type {
	case token.TypeAccess:
	case token.TypeRefresh, token.TypeSliding:
		ot, err := s.store.TokenByJTI(ctx, c.JTI)
		if errors.Is(err, ErrNotFound) {
			return Introspection{}, nil
		}
		if err != nil {
			return Introspection{}, err
		}
		if ot.Blacklisted || !strings.EqualFold(ot.UserID, c.UserID) {
			return Introspection{}, nil
		}
	default:
		return Introspection{}, nil
	}
	u, err := s.store.UserByID(ctx, strings.ToLower(c.UserID))
	if errors.Is(err, ErrNotFound) {
		return Introspection{}, nil
	}
	if err != nil {
		return Introspection{}, err
	}
	if !u.IsActive || c.IssuedAt.Before(u.TokensValidAfter) {
		return Introspection{}, nil
	}
	if c.SessionID != "" {
		ended, err := s.store.SessionEnded(ctx, c.SessionID)
		if err != nil {
			return Introspection{}, err
		}
		if ended {
			return Introspection{}, nil
		}
	}
	return Introspection{Active: true, Claims: c, User: u}, nil
}
