package token

import "errors"

// Error is a reason a token was refused. Its text is SimpleJWT's message, fit to show a client.
type Error string

// Error returns SimpleJWT's message.
func (e Error) Error() string { return string(e) }

// Reasons a token is refused, in the order SimpleJWT checks them. They are constants: compare
// with errors.Is.
const (
	// ErrInvalid covers every framing, decoding, signature, expiry, nbf, iat, aud and iss problem.
	ErrInvalid Error = "Token is invalid or expired"
	// ErrNoExp is a validly signed token without "exp".
	ErrNoExp Error = "Token has no 'exp' claim"
	// ErrNoID is a validly signed token without a jti (or with an empty one).
	ErrNoID Error = "Token has no id"
	// ErrNoType is a validly signed token without a token type, when a type was wanted.
	ErrNoType Error = "Token has no type"
	// ErrWrongType is a validly signed token of another type than the one wanted.
	ErrWrongType Error = "Token has wrong type"
	// ErrNoRefreshExp is a sliding token without its refresh expiry claim. When the claim is
	// renamed, the error returned names it but still matches this with errors.Is.
	ErrNoRefreshExp Error = "Token has no 'refresh_exp' claim"
	// ErrRefreshExpired is a sliding token whose refresh expiry has passed (renamed claims as
	// for ErrNoRefreshExp).
	ErrRefreshExpired Error = "Token 'refresh_exp' claim has expired"
)

// Configuration errors, returned wrapped with the detail by [New], [GenerateKey] and the PEM
// parsers.
var (
	// ErrConfig is an invalid [Config] value (lifetime, claim name, size, ...).
	ErrConfig = errors.New("token: invalid configuration")
	// ErrAlgorithm is an algorithm authgate does not support.
	ErrAlgorithm = errors.New("token: unsupported algorithm")
	// ErrKey is a key that is missing, too weak, or does not fit its algorithm.
	ErrKey = errors.New("token: unusable key")
)

// claimError is SimpleJWT's message for a renamed claim, matching the sentinel it stands for.
type claimError struct {
	msg  string
	base Error
}

func (e *claimError) Error() string { return e.msg }
func (e *claimError) Unwrap() error { return e.base }
