// Package token mints and verifies SimpleJWT-compatible JSON Web Tokens, hardened per RFC 8725.
//
// A [Manager] signs with one configured key and verifies with it and any older keys (rotation).
// The algorithm of every key is fixed by configuration: a token's header only has to agree with
// it. Tokens are byte-compatible with djangorestframework-simplejwt 5.x on PyJWT: the same header
// (`{"alg":"HS256","typ":"JWT"}`), the same claim order and the same JSON encoding, so a token
// minted by either side verifies on the other. Nothing here does I/O.
package token
