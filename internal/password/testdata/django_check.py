"""Ask Django whether passwords match encoded hashes; used by django_live_test.go.

Reads {"cases": [{"password": ..., "encoded": ...}]} as JSON on stdin (never
argv: passwords stay out of the process list) and writes
[{"accepts": bool, "must_update": bool}] to stdout, where accepts is
django.contrib.auth.hashers.check_password and must_update is what an
Argon2PasswordHasher configured like authgate's defaults (argon2id, t=2,
m=19456 KiB, p=1, 32-byte hash) says about the hash. Run it with Debian's
interpreter: /usr/bin/python3 (packages python3-django python3-argon2).
"""

import json
import sys

import django
from django.conf import settings

settings.configure(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ],
)
django.setup()

from django.contrib.auth import hashers  # noqa: E402


class AuthgateArgon2(hashers.Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456
    parallelism = 1

    def params(self):
        p = super().params()
        p.hash_len = 32
        return p


def main():
    cases = json.load(sys.stdin)["cases"]
    authgate = AuthgateArgon2()
    out = []
    for c in cases:
        usable = hashers.is_password_usable(c["encoded"])
        out.append(
            {
                "accepts": hashers.check_password(c["password"], c["encoded"]),
                "must_update": usable and authgate.must_update(c["encoded"]),
            }
        )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
