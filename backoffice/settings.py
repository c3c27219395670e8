"""Settings, all read from the environment (django-environ, optional `.env`)."""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key(path: Path) -> str:
    """The key kept at `path` for processes started without SECRET_KEY (`make run`, a laptop),
    created once: every process of this machine reads the same key, whichever starts first.

    The key is written whole to a private temporary file (fsync) and then linked to `path`;
    the link is atomic and refuses an existing path, so one process wins and every other reads
    the winner's complete file — never a half-written key, never a second key."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()  # another process won
    finally:
        os.unlink(tmp)
    return key


SECRET_KEY_FROM_ENVIRONMENT = bool(env.str("SECRET_KEY", default=""))
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key(
    Path(env.str("SECRET_KEY_FILE", default=str(VAR_DIR / "secret_key")))
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS in production (behind a proxy that sets X-Forwarded-Proto); off for `make run` on loopback.
# `.ci/run` runs `check --deploy` with these on, as production runs.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "backoffice.apps.BackofficeConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "backoffice.jobs",
    "backoffice.audit",
    "coupons",
    "marketplaces",
    "marketplaces.coupang.apps.CoupangConfig",
    "marketplaces.esm.apps.EsmConfig",
]

MIDDLEWARE = [
    "backoffice.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backoffice.middleware.KoreanByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backoffice.audit.middleware.AuditDoorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backoffice.middleware.AdminObjectIdMiddleware",
    "backoffice.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the in-process job runner and the web requests share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    # Persistent connections: opening one costs more than a coupon-box read.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # JIT compiling costs 50–200 ms on the big-estimate queries of a 10M-row table, far more
        # than the queries themselves: the API's latency targets need it off.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# The storefront's hot reads (coupons.selectors.CompiledQuery) run as prepared statements on
# PostgreSQL, planned once per connection; turn off behind a transaction-pooling PgBouncer, which
# cannot keep them. psycopg prepares only what is asked (the ORM's client-side cursors never are).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DB_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Static files served by the application (WhiteNoise) from the app directories — no
# collectstatic step; compressed, cache-forever names only when collected (STATIC_ROOT) first.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair out for AXES_COOLOFF_MINUTES; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner in every command's output
AXES_LOCKOUT_CALLABLE = "backoffice.security.lockout_response"
# API throttles (backoffice.throttling): requests per member / user; empty = no throttle.
API_THROTTLE_MEMBER = env.str("API_THROTTLE_MEMBER", default="300/min")
API_THROTTLE_BACKOFFICE = env.str("API_THROTTLE_BACKOFFICE", default="1200/min")

LOGIN_URL = "admin:login"

# Input limits (backoffice.middleware.RequestGuardMiddleware, backoffice.parsers): past them a
# request is answered 413 / 431 / 400 in the API's error shape, never a 500.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_MAX_HEADER_BYTES = env.int("API_MAX_HEADER_BYTES", default=8 * 1024)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
# Retry-After of the 503 answered while the database cannot be reached.
API_RETRY_AFTER_SECONDS = env.int("API_RETRY_AFTER_SECONDS", default=5)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "backoffice.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["backoffice.throttling.ApiThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "backoffice.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Promotions back-office API",
    "DESCRIPTION": "The mall's coupon API (seed endpoints) and the admin REST API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backoffice.schema.add_common_errors",
    ],
}

# Member access tokens issued by the mall's identity service.
MEMBER_JWT_SECRET = env.str("MEMBER_JWT_SECRET", default="")
MEMBER_JWT_PUBLIC_KEY = env.str("MEMBER_JWT_PUBLIC_KEY", default="", multiline=True)

# Jobs: Celery when a broker is configured, otherwise in-process after commit.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "expire-coupons": {"task": "coupons.tasks.expire_coupons", "schedule": 600.0},
    "job-sweep": {"task": "jobs.sweep", "schedule": 60.0},
    # what exists on Coupang but not here, and what differs (marketplaces/coupang/instant.py)
    "coupang-instant-reconcile": {"task": "coupang.instant_reconcile", "schedule": 1800.0},
}

# Marketplaces (MARKETPLACES.md). With no base URL, the clients talk to the bundled sandbox.
SANDBOX_HOST = env.str("SANDBOX_HOST", default="127.0.0.1")
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8001)
COUPANG_BASE_URL = env.str("COUPANG_BASE_URL", default="")
COUPANG_VENDOR_ID = env.str("COUPANG_VENDOR_ID", default="A00012345")
COUPANG_ACCESS_KEY = env.str("COUPANG_ACCESS_KEY", default="sandbox-access-key")
COUPANG_SECRET_KEY = env.str("COUPANG_SECRET_KEY", default="sandbox-secret-key")
COUPANG_WING_USER_ID = env.str("COUPANG_WING_USER_ID", default="sandbox-wing")
COUPANG_CONTRACT_ID = env.str("COUPANG_CONTRACT_ID", default="")
ESM_BASE_URL = env.str("ESM_BASE_URL", default="")
ESM_MASTER_ID = env.str("ESM_MASTER_ID", default="sandbox-master")
ESM_SECRET_KEY = env.str("ESM_SECRET_KEY", default="sandbox-esm-secret")
ESM_GMARKET_SELLER_ID = env.str("ESM_GMARKET_SELLER_ID", default="sandbox-gmkt")
ESM_AUCTION_SELLER_ID = env.str("ESM_AUCTION_SELLER_ID", default="sandbox-iac")
ESM_ISSUER = env.str("ESM_ISSUER", default="www.esmplus.com")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler", "level": env.str("LOG_LEVEL", default="INFO")}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The job engine (backoffice/jobs). Tests shorten the delays.
JOBS_EAGER = env.bool("JOBS_EAGER", default=False)  # run jobs inline right after commit
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=5)
JOB_BACKOFF_SECONDS = env.float("JOB_BACKOFF_SECONDS", default=5.0)  # 5, 10, 20 ...
JOB_BACKOFF_MAX_SECONDS = env.float("JOB_BACKOFF_MAX_SECONDS", default=600.0)
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=600)  # RUNNING this long = worker died
JOB_SWEEP_GRACE_SECONDS = env.int("JOB_SWEEP_GRACE_SECONDS", default=30)

# Exports (backoffice/exports.py, coupons/exports.py): CSV streams at any size; an xlsx of more
# rows than EXPORT_INLINE_MAX_ROWS is written by a job into EXPORT_DIR, kept EXPORT_KEEP_HOURS.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=100_000)
EXPORT_DIR = Path(env.str("EXPORT_DIR", default=str(VAR_DIR / "exports")))
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)

# Marketplace clients (marketplaces/http.py, marketplaces/coupang/). Tests shorten the delays.
MARKETPLACE_HTTP_TIMEOUT = env.float("MARKETPLACE_HTTP_TIMEOUT", default=10.0)
COUPANG_POLL_INTERVAL_SECONDS = env.float("COUPANG_POLL_INTERVAL_SECONDS", default=1.0)
COUPANG_POLL_MAX = env.int("COUPANG_POLL_MAX", default=20)

# API schema (coupons/api): one component name for the order-medium and Y/N enums that several
# fields share.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "OrdMediaCdEnum": "coupons.codes.OrdMedia",
    "YnEnum": [("Y", "Y"), ("N", "N")],
    "CpnStatCdEnum": "coupons.codes.CouponStatus",
    "GradeCdEnum": "coupons.codes.Grade",
    "JobStatusEnum": "backoffice.jobs.models.Job.Status",
    # the same four states for a downloadable and an instant coupon's items
    "CoupangItemStatusEnum": "marketplaces.coupang.models.CoupangCouponItem.Status",
}
