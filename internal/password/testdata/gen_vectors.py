"""Generate django_vectors.json: password hashes made by Django's own hashers.

Rerun from the repository root with Debian's interpreter (it has Django 3.2,
argon2-cffi and bcrypt from apt: python3-django python3-argon2 python3-bcrypt):

    /usr/bin/python3 internal/password/testdata/gen_vectors.py \
        > internal/password/testdata/django_vectors.json

Every vector is made with django.contrib.auth.hashers.make_password and every
"accepts" verdict comes from Django's check_password, so the Go tests compare
authgate against Django itself. The one exception is scrypt: Django 3.2 has no
ScryptPasswordHasher (it arrived in Django 4.0), so ScryptHasher below
reproduces Django 4's format, "scrypt$<n>$<salt>$<r>$<p>$<base64 of a 64-byte
hashlib.scrypt key>", and its verdicts come from that class.
"""

import base64
import hashlib
import json
import sys

import django
from django.conf import settings

settings.configure(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
    ],
)
django.setup()

import argon2  # noqa: E402
import bcrypt  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.utils.crypto import constant_time_compare  # noqa: E402


def argon2_hasher(variety, time_cost, memory_cost, parallelism, hash_len):
    """An Argon2PasswordHasher with other parameters, as a project would subclass it."""

    class Hasher(hashers.Argon2PasswordHasher):
        def params(self):
            p = super().params()
            p.type = variety
            p.time_cost = time_cost
            p.memory_cost = memory_cost
            p.parallelism = parallelism
            p.hash_len = hash_len
            return p

    return Hasher()


def pbkdf2_hasher(base, iterations):
    class Hasher(base):
        pass

    Hasher.iterations = iterations
    return Hasher()


def bcrypt_hasher(base, rounds, prefix=b"2b"):
    class Hasher(base):
        def salt(self):
            return bcrypt.gensalt(rounds, prefix=prefix)

    Hasher.rounds = rounds
    return Hasher()


class ScryptHasher(hashers.BasePasswordHasher):
    """Django 4's ScryptPasswordHasher format (see the module doc)."""

    algorithm = "scrypt"

    def __init__(self, n=2**14, r=8, p=5):
        self.n, self.r, self.p = n, r, p

    def encode(self, password, salt, n=None, r=None, p=None):
        n, r, p = n or self.n, r or self.r, p or self.p
        key = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=0, dklen=64)
        return "scrypt$%d$%s$%d$%d$%s" % (n, salt, r, p, base64.b64encode(key).decode("ascii"))

    def verify(self, password, encoded):
        _, n, salt, r, p, _ = encoded.split("$", 6)
        return constant_time_compare(encoded, self.encode(password, salt, int(n), int(r), int(p)))


ID, I = argon2.low_level.Type.ID, argon2.low_level.Type.I
LONG = "0123456789" * 8  # 80 bytes: past bcrypt's 72-byte limit

# (name, hasher, passwords); the default-parameter cases mirror Django 3.2's
# settings (Django 4.1+ for scrypt) and are the slow ones.
CASES = [
    ("argon2id-authgate-default", argon2_hasher(ID, 2, 19456, 1, 32), ["correct horse battery staple"]),
    ("argon2id-authgate-fixed-salt", argon2_hasher(ID, 1, 64, 1, 32), ["s3cret"]),
    ("argon2id-django-default", hashers.Argon2PasswordHasher(), ["correct horse battery staple"]),
    ("argon2id-cheap", argon2_hasher(ID, 1, 64, 2, 16), ["s3cret", "", "pässwörd ✓ 🔑", "a$b$c", LONG]),
    ("argon2i-django-pre-3.2", argon2_hasher(I, 2, 512, 2, 16), ["correct horse battery staple"]),
    ("argon2i-cheap", argon2_hasher(I, 1, 64, 1, 16), ["s3cret", "pässwörd ✓ 🔑"]),
    ("pbkdf2_sha256-django-default", hashers.PBKDF2PasswordHasher(), ["correct horse battery staple"]),
    ("pbkdf2_sha256-cheap", pbkdf2_hasher(hashers.PBKDF2PasswordHasher, 1000), ["s3cret", "", "pässwörd ✓ 🔑", "a$b$c", LONG]),
    ("pbkdf2_sha1-django-default", hashers.PBKDF2SHA1PasswordHasher(), ["correct horse battery staple"]),
    ("pbkdf2_sha1-cheap", pbkdf2_hasher(hashers.PBKDF2SHA1PasswordHasher, 1000), ["s3cret", "pässwörd ✓ 🔑"]),
    ("bcrypt_sha256-django-default", hashers.BCryptSHA256PasswordHasher(), ["correct horse battery staple"]),
    ("bcrypt_sha256-cheap", bcrypt_hasher(hashers.BCryptSHA256PasswordHasher, 4), ["s3cret", "", "pässwörd ✓ 🔑", LONG]),
    ("bcrypt_sha256-2a", bcrypt_hasher(hashers.BCryptSHA256PasswordHasher, 4, b"2a"), ["s3cret"]),
    ("bcrypt-django-default", hashers.BCryptPasswordHasher(), ["correct horse battery staple"]),
    ("bcrypt-cheap", bcrypt_hasher(hashers.BCryptPasswordHasher, 4), ["s3cret", "pässwörd ✓ 🔑", LONG]),
    ("bcrypt-2a", bcrypt_hasher(hashers.BCryptPasswordHasher, 4, b"2a"), ["s3cret"]),
    ("bcrypt-2y", bcrypt_hasher(hashers.BCryptPasswordHasher, 4), ["s3cret"]),
    ("scrypt-django-default", ScryptHasher(), ["correct horse battery staple"]),
    ("scrypt-cheap", ScryptHasher(n=16, r=1, p=1), ["s3cret", "", "pässwörd ✓ 🔑", LONG]),
]


def candidates(password, slow):
    """Passwords to try against a hash: the right one, near misses and, for
    long passwords, ones that differ only past byte 72 (raw bcrypt accepts them)."""
    out = [password, password + "x"]
    if slow:
        return out
    out += ["", password.upper(), " " + password]
    if len(password.encode()) > 72:
        out.append(password[:72])
        out.append(password[:72] + "tail that bcrypt never sees")
    return list(dict.fromkeys(out))


# A salt that authgate draws from the random bytes 0, 1, …, 21: its Hash
# test feeds those bytes and expects this vector's string exactly.
FIXED_SALT = "abcdefghijklmnopqrstuv"


def make(name, password, hasher):
    if name == "argon2id-authgate-fixed-salt":
        return hashers.make_password(password, salt=FIXED_SALT, hasher=hasher)
    encoded = hashers.make_password(password, hasher=hasher)
    if name.endswith("-2y"):
        # bcrypt.gensalt cannot make $2y$ (PHP's prefix), but Django verifies it.
        encoded = encoded.replace("$2b$", "$2y$", 1)
    return encoded


def main():
    vectors = []
    for name, hasher, passwords in CASES:
        slow = "default" in name
        for password in passwords:
            encoded = make(name, password, hasher)
            checks = []
            for c in candidates(password, slow):
                if isinstance(hasher, ScryptHasher):
                    accepts = hasher.verify(c, encoded)
                else:
                    accepts = hashers.check_password(c, encoded)
                checks.append({"password": c, "accepts": bool(accepts)})
            vectors.append({"name": name, "encoded": encoded, "checks": checks})
    json.dump(
        {"generator": "Django %s via gen_vectors.py" % django.get_version(), "vectors": vectors},
        sys.stdout,
        ensure_ascii=False,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
