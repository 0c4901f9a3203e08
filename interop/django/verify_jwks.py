"""Verify JWTs with PyJWT against a JWK Set fetched over HTTP (PyJWKClient).

Usage: verify_jwks.py JWKS_URL ALGORITHM < tokens (one per line)
Prints one JSON object per token: {"kid": ..., "claims": {...}} or {"error": "..."}.
"""
import json
import sys

import jwt


def main():
    url, algorithm = sys.argv[1], sys.argv[2]
    client = jwt.PyJWKClient(url, cache_keys=True)
    for line in sys.stdin:
        token = line.strip()
        if not token:
            continue
        try:
            key = client.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=[algorithm], options={"require": ["exp", "iat", "jti"]}
            )
            print(json.dumps({"kid": key.key_id, "claims": claims}), flush=True)
        except Exception as e:  # every failure is an answer for the test to check
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
