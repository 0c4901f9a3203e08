package jwtauth

import "errors"

// Error is a reason a request or token was refused. Its text is SimpleJWT's message, fit to
// show a client.
type Error string

// Error returns the message.
func (e Error) Error() string { return string(e) }

// Reasons a request is refused. Compare with errors.Is: errors returned may wrap them.
const (
	// ErrNoCredentials: no Authorization header, or one whose scheme is not an accepted type.
	ErrNoCredentials Error = "Authentication credentials were not provided."
	// ErrBadHeader: an Authorization header of an accepted type without exactly one token.
	ErrBadHeader Error = "Authorization header must contain two space-delimited values"
	// ErrInvalid covers framing, signature, algorithm, unknown key, exp, nbf, iat, aud and iss.
	ErrInvalid Error = "Token is invalid or expired"
	// ErrNoExp: a validly signed token without "exp".
	ErrNoExp Error = "Token has no 'exp' claim"
	// ErrNoID: a validly signed token without a jti.
	ErrNoID Error = "Token has no id"
	// ErrNoType: a validly signed token without a token type.
	ErrNoType Error = "Token has no type"
	// ErrWrongType: a validly signed token that is not an access token (a refresh token, say).
	ErrWrongType Error = "Token has wrong type"
	// ErrNoUser: a valid access token without a user id.
	ErrNoUser Error = "Token contained no recognizable user identification"
)

// ErrKeysUnavailable means the key set could not be fetched and no usable copy is cached: the
// token may be fine, so the middleware answers 503, not 401. Errors wrap it with the cause.
var ErrKeysUnavailable = errors.New("jwtauth: signing keys unavailable")

// ErrConfig is an invalid [Config]; [New] wraps it with the detail.
var ErrConfig = errors.New("jwtauth: invalid configuration")
