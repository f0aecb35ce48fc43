"""Settings for the Bromley Portal.

Everything that differs between a laptop, CI and production is read from the
environment through the typed helpers in ``bromley_portal.env``. With nothing set,
the portal runs the embedded demo: SQLite, tasks run inline, e-mail to the console.
"""

from pathlib import Path

from celery.schedules import crontab

from bromley_portal.env import env_bool, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# A key for local demo runs only. ``check --deploy`` flags it (its prefix is
# "django-insecure"), so production must set SECRET_KEY.
DEMO_SECRET_KEY = "django-insecure-bromley-portal-local-demo-only-never-use-in-production"  # noqa: S105 (demo only; check --deploy flags it)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)
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
    "crispy_forms",
    "crispy_forms_gds",
    "django_tables2",
    "django_filters",
    "simple_history",
    "ambitions",
    "plans",
    "contracts",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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

# Failed logins are limited per account and per address (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "user_agent"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bromley_portal.accounts.views.locked_out"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
AXES_VERBOSE = False

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
STORAGES = {
    # Generated files (reports) go through this storage so web and worker
    # processes on different machines can share them (a shared volume here).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
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
# Redis redelivers an unacknowledged task after the visibility timeout; keep it
# well past the hard time limit so a long task is never run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 5}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"reports.*": {"queue": "pdf"}}
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
    "clean-up-old-reports": {
        "task": "reports.clean_up",
        "schedule": crontab(hour=2, minute=30),
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
}

# Committee reports ---------------------------------------------------------------
# An identical request within this time reuses the finished report.
REPORTS_REUSE_SECONDS = env_int("REPORTS_REUSE_SECONDS", 10 * 60)
# A report no worker has started within this time is marked failed (and can be retried).
REPORTS_PENDING_MINUTES = env_int("REPORTS_PENDING_MINUTES", 30)
# Ad-hoc reports are deleted after this many days; published committee papers are kept.
REPORTS_KEEP_DAYS = env_int("REPORTS_KEEP_DAYS", 30)

# Plan imports (plans.importers) --------------------------------------------------
# The largest file taken, checked before it is read; and the most rows, columns, filled cells and
# characters in a cell read from it (an Excel cell holds at most 32,767). Only the first
# PLANS_IMPORT_MAX_ERRORS problems are listed, with how many more there are.
PLANS_IMPORT_MAX_BYTES = env_int("PLANS_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
PLANS_IMPORT_MAX_ROWS = env_int("PLANS_IMPORT_MAX_ROWS", 10_000)
PLANS_IMPORT_MAX_COLUMNS = env_int("PLANS_IMPORT_MAX_COLUMNS", 50)
PLANS_IMPORT_MAX_CELLS = env_int("PLANS_IMPORT_MAX_CELLS", 250_000)
PLANS_IMPORT_MAX_CELL_CHARS = env_int("PLANS_IMPORT_MAX_CELL_CHARS", 32_767)
PLANS_IMPORT_MAX_ERRORS = env_int("PLANS_IMPORT_MAX_ERRORS", 100)
# An .xlsx is a zip: the most its parts may hold once unpacked.
PLANS_IMPORT_MAX_UNZIPPED_BYTES = env_int("PLANS_IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)
# A file larger than this is imported by a worker, with a page that follows its progress.
PLANS_IMPORT_BACKGROUND_BYTES = env_int("PLANS_IMPORT_BACKGROUND_BYTES", 200 * 1024)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
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
