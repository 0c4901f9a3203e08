"""Settings of the interop project: the tutorial's SimpleJWT setup ("How to use JWT Authentication
with Django", Appliku), configured from the environment so that the Go tests can point it at a
temporary database and at the key authgate uses.

Environment:
  DJANGO_SECRET_KEY            Django's SECRET_KEY (required)
  SIMPLE_JWT_SIGNING_KEY       the tutorial's signing key variable (default: SECRET_KEY)
  SIMPLE_JWT_ALGORITHM         HS256 (default) or an asymmetric algorithm SimpleJWT supports
  SIMPLE_JWT_SIGNING_KEY_FILE  PEM private key for an asymmetric algorithm
  SIMPLE_JWT_VERIFYING_KEY_FILE  PEM public key for an asymmetric algorithm
  INTEROP_DATABASE             path of the SQLite database file (required)
"""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name, default=None):
    value = os.environ.get(name, "")
    return value if value else default


def _read(path):
    return Path(path).read_text() if path else ""


SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "usermodel",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "djangoproject.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["INTEROP_DATABASE"],
    }
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True

AUTH_USER_MODEL = "usermodel.User"
AUTH_PASSWORD_VALIDATORS = []
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# REST FRAMEWORK, as the tutorial has it.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
}

# The tutorial's SIMPLE_JWT, plus the algorithm and keys for the asymmetric runs.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=30),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=3),
    "SIGNING_KEY": _env("SIMPLE_JWT_SIGNING_KEY") or SECRET_KEY,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
_algorithm = _env("SIMPLE_JWT_ALGORITHM", "HS256")
if not _algorithm.startswith("HS"):
    SIMPLE_JWT.update(
        {
            "ALGORITHM": _algorithm,
            "SIGNING_KEY": _read(os.environ["SIMPLE_JWT_SIGNING_KEY_FILE"]),
            "VERIFYING_KEY": _read(os.environ["SIMPLE_JWT_VERIFYING_KEY_FILE"]),
        }
    )
elif _algorithm != "HS256":
    SIMPLE_JWT["ALGORITHM"] = _algorithm
