package auth

import "context"

// endOtherSessions ends every session of u but the caller's (keepSID): a password change leaves
// the caller signed in and nobody else. A caller whose token names no session (a token from
// Django, or from before sessions) keeps none.
func (s *Service) endOtherSessions(ctx context.Context, u User, keepSID string, c Client) error {
	_, err := s.EndOtherSessions(ctx, u, keepSID, ReasonPassword, c)
	return err
}
