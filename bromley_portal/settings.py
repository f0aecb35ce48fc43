"""Settings for the Bromley Portal.

Everything that differs between a laptop, CI and production is read from the
environment through the typed helpers in ``bromley_portal.env``. With nothing set,
the portal runs the embedded demo: SQLite, tasks run inline, e-mail to the console.
"""

import re
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from bromley_portal.env import env_bool, env_database, env_int, env_list, env_secret_key, env_str, sso_origins

BASE_DIR = Path(__file__).resolve().parent.parent

# A key for local demo runs only (DEBUG on). With DEBUG off the portal refuses to
# start with it, with any placeholder or with a short key (env_secret_key).
DEMO_SECRET_KEY = "django-insecure-bromley-portal-local-demo-only-never-use-in-production"  # noqa: S105 (demo only; refused with DEBUG off)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key("SECRET_KEY", DEMO_SECRET_KEY, debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "bromley_portal.accounts",
    "bromley_portal.core",
    "bromley_portal.core.sites.PortalAdminConfig",
    "bromley_portal.reports",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_forms_gds",
    "django_tables2",
    "django_filters",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ambitions",
    "plans",
    "contracts",
    "complaints",
    "meetings",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed, after WhiteNoise (which serves static files precompressed). Django's GZipMiddleware
    # mitigates BREACH by padding each response with random bytes ("Heal The Breach", Django 4.2+), and
    # Django masks the CSRF token afresh in every response, so no secret repeats byte for byte.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bromley_portal.core.middleware.PrivateNoStoreMiddleware",
    # A NUL or other control character in the address: the 400 page, before any view.
    "bromley_portal.core.middleware.RejectControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A GET of an address that only takes a form (a refresh after a refused form): a page, not a blank 405.
    "bromley_portal.core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bromley_portal.urls"
WSGI_APPLICATION = "bromley_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bromley_portal.core.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People, roles and permissions -------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins lock an account at one address, and an account from every address together, never
# an address alone (django-axes; bromley_portal/accounts/lockouts.py says how the two counts work).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ACCOUNT_FAILURE_LIMIT = env_int("AXES_ACCOUNT_FAILURE_LIMIT", 20)
if not 1 <= AXES_FAILURE_LIMIT <= AXES_ACCOUNT_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "AXES_ACCOUNT_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT, which must be at least 1."
    )
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "bromley_portal.accounts.lockouts.PortalLockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bromley_portal.accounts.views.locked_out"
AXES_VERBOSE = False
# Single sign-on's answers from the provider are not password guesses (bromley_portal/accounts/sso.py).
AXES_WHITELIST_CALLABLE = "bromley_portal.accounts.sso.axes_passes"


def client_address_settings(proxies: int) -> dict:
    """How django-ipware (which axes uses when it is installed) finds the client's address behind
    ``proxies`` proxies. Each proxy adds the address it was reached from to X-Forwarded-For and the
    nearest is REMOTE_ADDR, so the client is the ``proxies``-th address from the right of
    X-Forwarded-For, whatever a client writes to its left (hence not strict). With no proxy only
    REMOTE_ADDR counts: X-Forwarded-For is the client's own word."""
    if proxies < 0:
        raise ImproperlyConfigured("AXES_PROXY_COUNT must be 0 or more.")
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
        if proxies
        else ("REMOTE_ADDR",),
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        # ipware counts the proxies listed in X-Forwarded-For, which leaves out the nearest.
        "AXES_IPWARE_PROXY_COUNT": proxies - 1 if proxies else None,
        "IPWARE_STRICT": False,
    }


_client_address = client_address_settings(env_int("AXES_PROXY_COUNT", 0))
AXES_IPWARE_META_PRECEDENCE_ORDER = _client_address["AXES_IPWARE_META_PRECEDENCE_ORDER"]
AXES_IPWARE_PROXY_ORDER = _client_address["AXES_IPWARE_PROXY_ORDER"]
AXES_IPWARE_PROXY_COUNT = _client_address["AXES_IPWARE_PROXY_COUNT"]
IPWARE_STRICT = _client_address["IPWARE_STRICT"]


# Single sign-on with OpenID Connect (bromley_portal/accounts/sso.py, mozilla-django-oidc): on when
# OIDC_CLIENT_ID is set. The provider's endpoints come from its discovery document
# (OIDC_ISSUER/.well-known/openid-configuration), unless given one by one. Authorization code flow with
# PKCE, state and nonce; roles from the group claim through the admin's IdentityProviderGroup rows.
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_ISSUER = env_str("OIDC_ISSUER", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT", "")
OIDC_OP_END_SESSION_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT", "")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGORITHM", "RS256")
# An e-mail address matches or makes an account only when the provider says it is verified
# (email_verified); a provider that never sends it (Entra ID) can be trusted with false.
OIDC_REQUIRE_VERIFIED_EMAIL = env_bool("OIDC_REQUIRE_VERIFIED_EMAIL", True)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's sign-out (id_token_hint)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
if OIDC_ENABLED:
    _oidc_missing = [
        name
        for name, value in [
            ("OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
            ("OIDC_ISSUER", OIDC_ISSUER),
        ]
        if not value
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(f"OIDC_CLIENT_ID is set, so set {' and '.join(_oidc_missing)} too.")
    if not OIDC_ISSUER.startswith(("https://", "http://")):
        raise ImproperlyConfigured("OIDC_ISSUER must be the provider's https:// address.")
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "bromley_portal.accounts.sso.PortalOIDCBackend"]

# Signing in with a username and password on the portal's own form: "true" (the demo, and until single
# sign-on is set up), "admins" (only the Admin role, as a way in when the provider is down) or "false".
PORTAL_LOCAL_LOGIN = env_str("PORTAL_LOCAL_LOGIN", "true").strip().lower()
if PORTAL_LOCAL_LOGIN not in {"true", "admins", "false"}:
    raise ImproperlyConfigured(
        f'PORTAL_LOCAL_LOGIN must be true, admins or false, not "{PORTAL_LOCAL_LOGIN}".'
    )
if PORTAL_LOCAL_LOGIN == "false" and not OIDC_ENABLED:
    raise ImproperlyConfigured(
        "PORTAL_LOCAL_LOGIN is false but single sign-on is not set up (OIDC_CLIENT_ID)."
    )

# Password reset by e-mail: how long a link works (seconds), and how many e-mails one address gets an hour.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
PASSWORD_RESET_EMAILS_PER_HOUR = env_int("PASSWORD_RESET_EMAILS_PER_HOUR", 3)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files and generated files ----------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Where setup_demo keeps the demo people's random passwords (so a second run keeps them): beside the code for
# `make run` (ignored by git); the image sets it to a path its unprivileged user can write (Dockerfile).
DEMO_CREDENTIALS_FILE = Path(env_str("DEMO_CREDENTIALS_FILE", str(BASE_DIR / ".demo-credentials.json")))
# Media (reports, their web versions, agenda papers and packs) on the local file system, shared by web
# and worker through a volume; or, with MEDIA_S3_BUCKET set, on S3-compatible object storage through
# django-storages, so web and workers can run on several machines. Objects are private (no ACL is sent,
# so the bucket's own private default applies) and are served only through the portal's
# permission-checked views, which read them through this storage; a URL asked of the storage is signed
# and expires. boto3 reads the credentials from its usual environment (AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, or the machine's role), never from these settings.
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("MEDIA_S3_REGION", "") or None,
            "location": env_str("MEDIA_S3_PREFIX", "media"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("MEDIA_S3_URL_SECONDS", 300),
            "file_overwrite": False,
        },
    }
else:
    _MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "bromley_portal.core.staticfiles.HashedStaticFilesStorage"
        )
    },
}

# Forms and tables --------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
DJANGO_TABLES2_TEMPLATE = "includes/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "govuk-table"}

# E-mail -----------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bromley Portal <portal@bromley.gov.uk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails point here.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Background work (Celery) ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# With no broker configured, tasks run inline so the demo needs no services.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 10 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 12 * 60)
# A task is acknowledged when it ends, not when it starts (acks_late), so a worker that dies
# mid-task leaves its message with the broker. A pool process that dies (killed, out of memory)
# makes the task retry at once, as Task.retry would (retry_on_worker_lost, Celery 5.7: bounded by
# the task's max_retries, unlike a bare requeue that can loop), falling back to a requeue
# (reject_on_worker_lost) if the retry cannot be sent. Tasks must be idempotent: report jobs are.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_RETRY_ON_WORKER_LOST = True
# When a whole worker dies, Redis hands its unacknowledged message to another worker after the
# visibility timeout. It must outlast the hard time limit (a live task is never run twice), and
# no more: by default a minute past it.
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60)
if CELERY_BROKER_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT, or Redis would hand a "
        "task still running to a second worker."
    )
# A broker that is down or unreachable is noticed in seconds (asking for a report says so at
# once, and /health/ answers), never waited on for ever.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 3,
    "socket_timeout": 15,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1


# Workers recycle: a worker's child process is replaced after this many tasks, or once it holds more than
# this many KiB after a task ends (a report's memory is not all given back), so a long-lived worker never
# grows past what a machine holds. 0 turns either off.
def _worker_limit(name: str, default: int) -> int | None:
    value = env_int(name, default)
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be 0 (no limit) or more, not {value}.")
    return value or None


CELERY_WORKER_MAX_TASKS_PER_CHILD = _worker_limit("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = _worker_limit("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 768 * 1024)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"reports.*": {"queue": "pdf"}, "meetings.build_pack": {"queue": "pdf"}}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "record-heartbeat": {
        "task": "core.record_heartbeat",
        "schedule": 5 * 60,
    },
    "send-update-reminders": {
        "task": "plans.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "send-approval-digests": {
        "task": "plans.send_approval_digests",
        "schedule": crontab(hour=7, minute=5),
    },
    "check-stored-counts": {
        "task": "plans.check_stored_counts",
        "schedule": crontab(hour=2, minute=30),
    },
    "send-contract-reminders": {
        "task": "contracts.send_reminders",
        "schedule": crontab(hour=7, minute=10),
    },
    "send-complaint-reminders": {
        "task": "complaints.send_reminders",
        "schedule": crontab(hour=7, minute=20),
    },
    "send-scrutiny-action-reminders": {
        "task": "meetings.send_action_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "erase-complainant-details": {
        "task": "complaints.erase_complainant_details",
        "schedule": crontab(hour=3, minute=45),
    },
    "check-complaint-counts": {
        "task": "complaints.check_complaint_counts",
        "schedule": crontab(hour=2, minute=40),
    },
    "clear-expired-sessions": {
        "task": "core.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Report housekeeping runs on the default queue, so a dead PDF worker cannot stop it.
    "fail-stuck-report-jobs": {
        "task": "reports.fail_stuck_jobs",
        "schedule": 5 * 60,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    "fail-stuck-agenda-packs": {
        "task": "meetings.fail_stuck_packs",
        "schedule": 5 * 60,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    "clean-up-old-reports": {
        "task": "reports.clean_up",
        "schedule": crontab(hour=2, minute=30),
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
}

# Complaints ---------------------------------------------------------------------
# Complainants' personal details are erased this many years after their last case closed (the
# anonymous statistics stay).
COMPLAINTS_ERASE_AFTER_YEARS = env_int("COMPLAINTS_ERASE_AFTER_YEARS", 6)
if COMPLAINTS_ERASE_AFTER_YEARS < 1:
    raise ImproperlyConfigured("COMPLAINTS_ERASE_AFTER_YEARS must be at least 1.")
# A complaint's handler is reminded this many working days before an acknowledgement or response is due.
COMPLAINTS_REMINDER_WORKING_DAYS = env_int("COMPLAINTS_REMINDER_WORKING_DAYS", 3)

# Committee reports ---------------------------------------------------------------
# An identical request within this time reuses the finished report.
REPORTS_REUSE_SECONDS = env_int("REPORTS_REUSE_SECONDS", 10 * 60)
# A running report records a heartbeat this often; one whose heartbeat is older than the timeout
# has no worker (it died mid-render): its page says so, and asking again or Retry restarts it at once.
REPORTS_HEARTBEAT_SECONDS = env_int("REPORTS_HEARTBEAT_SECONDS", 10)
REPORTS_HEARTBEAT_TIMEOUT = env_int("REPORTS_HEARTBEAT_TIMEOUT", 60)
if REPORTS_HEARTBEAT_TIMEOUT < 2 * REPORTS_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "REPORTS_HEARTBEAT_TIMEOUT must be at least twice REPORTS_HEARTBEAT_SECONDS, or a live report "
        "would be taken for a dead one."
    )
# A report no worker has started within this time is marked failed (and can be retried).
REPORTS_PENDING_MINUTES = env_int("REPORTS_PENDING_MINUTES", 30)
# Ad-hoc reports are deleted after this many days; published committee papers are kept.
REPORTS_KEEP_DAYS = env_int("REPORTS_KEEP_DAYS", 30)

# Meetings and agenda packs (meetings) ---------------------------------------------
# An uploaded agenda paper (a PDF) may be at most this large and have at most this many pages.
MEETINGS_UPLOAD_MAX_BYTES = env_int("MEETINGS_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
MEETINGS_UPLOAD_MAX_PAGES = env_int("MEETINGS_UPLOAD_MAX_PAGES", 500)
# A pack may have at most this many pages (Part 1 and Part 2 together).
MEETINGS_PACK_MAX_PAGES = env_int("MEETINGS_PACK_MAX_PAGES", 2000)
# Officers are reminded of their outstanding scrutiny actions this many days before the committee meets.
MEETINGS_ACTION_REMINDER_DAYS = env_int("MEETINGS_ACTION_REMINDER_DAYS", 14)

# Spreadsheet imports (bromley_portal.core.tabular) --------------------------------
# The largest file taken, checked before it is read; and the most rows, columns, filled cells and
# characters in a cell read from it (an Excel cell holds at most 32,767). Only the first
# IMPORT_MAX_ERRORS problems are listed, with how many more there are. An .xlsx is a zip: the most its
# parts may hold once unpacked. Every import reads these; plans has its own set, which defaults to them.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 10_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 50)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 250_000)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 32_767)
IMPORT_MAX_ERRORS = env_int("IMPORT_MAX_ERRORS", 100)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)

# Plan imports (plans.importers): the limits above unless set for plans.
PLANS_IMPORT_MAX_BYTES = env_int("PLANS_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
PLANS_IMPORT_MAX_ROWS = env_int("PLANS_IMPORT_MAX_ROWS", IMPORT_MAX_ROWS)
PLANS_IMPORT_MAX_COLUMNS = env_int("PLANS_IMPORT_MAX_COLUMNS", IMPORT_MAX_COLUMNS)
PLANS_IMPORT_MAX_CELLS = env_int("PLANS_IMPORT_MAX_CELLS", IMPORT_MAX_CELLS)
PLANS_IMPORT_MAX_CELL_CHARS = env_int("PLANS_IMPORT_MAX_CELL_CHARS", IMPORT_MAX_CELL_CHARS)
PLANS_IMPORT_MAX_ERRORS = env_int("PLANS_IMPORT_MAX_ERRORS", IMPORT_MAX_ERRORS)
PLANS_IMPORT_MAX_UNZIPPED_BYTES = env_int("PLANS_IMPORT_MAX_UNZIPPED_BYTES", IMPORT_MAX_UNZIPPED_BYTES)
# A file larger than this is imported by a worker, with a page that follows its progress.
PLANS_IMPORT_BACKGROUND_BYTES = env_int("PLANS_IMPORT_BACKGROUND_BYTES", 200 * 1024)

# Open contracting data (contracts.ocds) ------------------------------------------
# The prefix of every ocid the portal publishes. The Open Contracting Partnership assigns each publisher
# one ("ocds-" and six characters); until the council registers, the default is the standard's own
# placeholder, so no published ocid can be mistaken for another publisher's.
OCDS_OCID_PREFIX = env_str("OCDS_OCID_PREFIX", "ocds-xxxxxx")
if not re.fullmatch(r"ocds-[a-z0-9]{6}", OCDS_OCID_PREFIX):
    raise ImproperlyConfigured('OCDS_OCID_PREFIX must be "ocds-" and six lower-case letters or digits.')

CACHES = {
    "default": (
        {"BACKEND": "bromley_portal.core.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Locked periods' pages (bromley_portal.core.pagecache): Redis shared by every web container, else
    # this process's memory (the demo). A second alias so its keys and limits are its own.
    "pages": (
        {
            "BACKEND": "bromley_portal.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pages",
            # Redis down: give up in a second and serve the page uncached.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    ),
}
PAGECACHE_ALIAS = "pages"
PAGECACHE_ENABLED = env_bool("PAGECACHE_ENABLED", True)
PAGECACHE_SECONDS = env_int("PAGECACHE_SECONDS", 24 * 3600)  # a page unread for a day is dropped
# A save or delete of any model of these apps makes every cached page out of date (new generation),
# except these models, which no cached page shows.
# (Roles and posts are in each key, so people's accounts need not invalidate anything.)
PAGECACHE_APPS = ("plans", "ambitions", "contracts")
# ... and these models of other apps: people's roles and permissions (the navigation a cached page is
# served with is remembered per person and generation).
PAGECACHE_MODELS = (
    "accounts.User_groups",
    "accounts.User_user_permissions",
    "auth.Group",
    "auth.Group_permissions",
)
PAGECACHE_IGNORED_MODELS = (
    "plans.Reminder",
    "plans.MailPreference",
    "plans.UpdateNotice",
    "plans.DigestSent",
)
# With Redis, sessions are read from the cache every web container shares and written through to the
# database, so any container serves anyone and a Redis restart signs nobody out.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

# The read API (api/) -------------------------------------------------------------
# Personal tokens (the account page) or the session; each client is throttled to API_THROTTLE_RATE
# requests (per token, else per person), counted in the cache.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "120/minute")
if not re.fullmatch(r"[1-9][0-9]*/(second|minute|hour|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured('API_THROTTLE_RATE must be a number of requests per unit, e.g. "120/minute".')
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
API_PAGE_SIZE = 50  # rows a page of the API has unless ?page_size= asks for fewer or more
API_MAX_PAGE_SIZE = 200
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.PortalPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerClientThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PortalCursorPagination",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bromley Portal read API",
    "DESCRIPTION": "Part 1 data of the London Borough of Bromley's strategy, plans, measures, contract "
    "register and complaint statistics, read-only. Authenticate with a personal API token "
    "(`Authorization: Bearer <token>`, made on your account page) or a signed-in session.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
}

# Security ---------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers check /health/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from the portal only; no
# inline script or style (the templates have none), no plug-ins, no framing, forms post only here.
# GOV.UK Frontend's stylesheet has one data: image. The browser tests inject axe-core through the
# DevTools protocol, which the policy does not govern, and fail on any violation (tests/browser).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # Sign-out sends the browser on to the identity provider's end_session_endpoint.
        "form-action": [SELF, *sso_origins(OIDC_ISSUER, OIDC_OP_END_SESSION_ENDPOINT)],
        "frame-ancestors": [NONE],
    }
}
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every page it lays out; the report pipeline turns that into progress itself.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}
