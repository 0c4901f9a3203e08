// Package jwtauth verifies authgate access tokens in other Go services, as SimpleJWT's
// JWTAuthentication does in a Django one.
//
// A [Verifier] checks a token's signature with the algorithm pinned in its [Config] (never the
// one the token names), with either the HMAC key authgate signs with (AUTHGATE_SIGNING_KEY) or
// the public keys authgate serves at /.well-known/jwks.json, fetched, cached and refetched at a
// limited rate when a token names a key it has not seen. It then requires exp, jti, a
// token_type of "access" and a user_id, as SimpleJWT does, in the same order and with the same
// messages.
//
// [Verifier.Middleware] wraps an http.Handler: requests without a valid Bearer access token get
// the 401 answers of authgate's contract ("Protected endpoints"), and the others reach the
// handler with the user id and claims in their context ([UserID], [ClaimsFrom]).
//
// Verification is stateless: it reads no database. A token stays valid until its exp (30
// minutes by default) after its user logs out everywhere, changes password or is deactivated;
// call authgate's POST /api/token/verify/ where that matters. The package depends only on the
// standard library and github.com/golang-jwt/jwt/v5.
package jwtauth
