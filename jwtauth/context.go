package jwtauth

import "context"

type claimsKey struct{}

// NewContext returns ctx carrying c, as the middleware passes it on (useful in tests of
// handlers that read [UserID] or [ClaimsFrom]).
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// ClaimsFrom returns the verified claims of the request's access token; ok is false when the
// context did not pass through [Verifier.Middleware].
func ClaimsFrom(ctx context.Context) (c *Claims, ok bool) {
	c, ok = ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// UserID returns the user id of the request's access token (authgate's user UUID); ok is false
// when the context did not pass through [Verifier.Middleware].
func UserID(ctx context.Context) (id string, ok bool) {
	c, ok := ClaimsFrom(ctx)
	if !ok {
		return "", false
	}
	return c.UserID, true
}
