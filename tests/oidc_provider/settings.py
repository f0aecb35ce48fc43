"""A real OpenID provider for the single sign-on tests: django-oidc-provider in a Django process of its
own (started by tests/browser/test_single_sign_on.py), with its own SQLite database and RSA key, both made
in a temporary folder at test time. Never a production setting.

Environment: OIDC_PROVIDER_DIR (the folder), OIDC_PROVIDER_URL (http://127.0.0.1:PORT).
"""

import os
import secrets
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ["OIDC_PROVIDER_DIR"])

DEBUG = False
SECRET_KEY = os.environ.setdefault("OIDC_PROVIDER_SECRET_KEY", secrets.token_urlsafe(50))
ALLOWED_HOSTS = ["127.0.0.1"]
SITE_URL = os.environ["OIDC_PROVIDER_URL"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": WORK / "provider.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
# The portal runs on localhost and this on 127.0.0.1; cookies of their own all the same.
SESSION_COOKIE_NAME = "provider_session"
CSRF_COOKIE_NAME = "provider_csrftoken"
LOGIN_URL = "/accounts/login/"

OIDC_USERINFO = "tests.oidc_provider.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "tests.oidc_provider.claims.GroupClaims"
OIDC_IDTOKEN_INCLUDE_CLAIMS = False  # the portal reads the person's claims from the userinfo endpoint
