"""Cross-checks authgate's tokens with PyJWT, the library SimpleJWT signs and verifies with.

Reads a JSON list of operations on stdin and writes a JSON list of results on stdout; run by
TestPyJWTInterop with Debian's /usr/bin/python3 and its python3-jwt.
"""
import base64
import hashlib
import json
import sys

import jwt


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk):
    # RFC 7638 §3: the required members, sorted, no whitespace; RFC 8037 §2 for OKP.
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64(hashlib.sha256(canonical.encode()).digest())


def run(op):
    kind = op["op"]
    if kind == "decode":
        # PyJWT checks exp, iat and nbf against the real clock, as SimpleJWT's backend does.
        payload = jwt.decode(op["token"], op["key"], algorithms=[op["alg"]], audience=op.get("aud"), issuer=op.get("iss"))
        header = jwt.get_unverified_header(op["token"])
        extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
        out = {"payload": payload, "header": header}
        if "sign_key" in op:
            out["reencoded"] = jwt.encode(payload, op["sign_key"], algorithm=op["alg"], headers=extra or None)
        return out
    if kind == "decode_jwks":
        keys = jwt.PyJWKSet.from_json(op["jwks"])
        kid = jwt.get_unverified_header(op["token"])["kid"]
        payload = jwt.decode(op["token"], keys[kid].key, algorithms=[op["alg"]])
        return {"payload": payload, "thumbprints": [thumbprint(k) for k in json.loads(op["jwks"])["keys"]]}
    if kind == "encode":
        return {"token": jwt.encode(op["payload"], op["key"], algorithm=op["alg"], headers=op.get("headers"))}
    if kind == "dumps":
        return {"values": [json.dumps(json.loads(v), separators=(",", ":")) for v in op["values"]]}
    raise ValueError("unknown op " + kind)


results = []
for op in json.load(sys.stdin):
    try:
        results.append(run(op))
    except Exception as e:  # reported to the Go test, which names the operation
        results.append({"error": "%s: %s" % (type(e).__name__, e)})
json.dump(results, sys.stdout)
