package auth

import "context"

// endOtherSessions ends every session of u but the caller's (keepSID): a password change
// leaves the caller signed in and nobody else.
//
// TODO(sessions): call s.EndOtherSessions once the lead's sessions work is on main (NOTES.md 2).
func (s *Service) endOtherSessions(ctx context.Context, u User, keepSID string, c Client) error {
	_, _, _, _ = ctx, u, keepSID, c
	return nil
}
