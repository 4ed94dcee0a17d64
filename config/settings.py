"""Cấp ủy số settings: one file, driven by environment variables.

See the "Settings reference" section of README.md for every variable.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/systemd secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


TESTING = env_bool("CAPUYSO_TESTING", "pytest" in sys.modules)
PRODUCTION = env_str("CAPUYSO_ENV", "development") == "production"
DEBUG = env_bool("CAPUYSO_DEBUG", False)

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_secret("CAPUYSO_SECRET_KEY", DEV_SECRET_KEY)
AUDIT_CHAIN_KEY = env_secret("CAPUYSO_AUDIT_KEY", "")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured(
            "CAPUYSO_DEBUG must be off in production (CAPUYSO_ENV=production)."
        )
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "Set CAPUYSO_SECRET_KEY (or CAPUYSO_SECRET_KEY_FILE) to a random value of at least "
            "40 characters before starting in production."
        )

DATA_DIR = Path(env_str("CAPUYSO_DATA_DIR", str(BASE_DIR / "data"))).resolve()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

ALLOWED_HOSTS = env_list("CAPUYSO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
if TESTING:
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = env_list("CAPUYSO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "capuyso.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "capuyso.core",
    "capuyso.org",
    "capuyso.accounts",
    "capuyso.audit",
    "capuyso.jobs",
    "capuyso.members",
    "capuyso.meetings",
    "capuyso.fees",
    "capuyso.archive",
    "capuyso.notifications",
    "capuyso.documents",
    "capuyso.signing",
    "capuyso.search",
    "capuyso.api",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "capuyso.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "capuyso.audit.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "capuyso.core.context_processors.shell",
            ],
            "builtins": ["capuyso.core.templatetags.capuyso"],
        },
    }
]

# Database: SQLite (WAL) under CAPUYSO_DATA_DIR by default, PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL")
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000; PRAGMA cache_size=-20000;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "capuyso.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = ["capuyso.accounts.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Same algorithm, cheaper parameters, so the suite stays fast.
    PASSWORD_HASHERS = ["capuyso.accounts.hashers.TestArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login and session policy.
LOGIN_MAX_FAILURES = env_int("CAPUYSO_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("CAPUYSO_LOGIN_LOCKOUT_MINUTES", 15)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("CAPUYSO_SESSION_MAX_HOURS", 10) * 3600
SESSION_IDLE_MINUTES = env_int("CAPUYSO_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = env_str("CAPUYSO_OTP_ISSUER", "Cấp ủy số")

# Internationalisation: Vietnamese by default, English selectable.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "capuyso_language"

# Background work: Django's tasks API with the database backend; immediate in tests.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Static files: served by WhiteNoise (no CDN, the app runs on an intranet).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing

# E-mail: only when an SMTP server is configured; nothing requires outgoing mail.
_EMAIL_HOST = env_str("CAPUYSO_EMAIL_HOST")
if _EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _EMAIL_HOST,
                "port": env_int("CAPUYSO_EMAIL_PORT", 587),
                "username": env_str("CAPUYSO_EMAIL_USER"),
                "password": env_secret("CAPUYSO_EMAIL_PASSWORD"),
                "use_tls": env_bool("CAPUYSO_EMAIL_TLS", True),
            },
        }
    }
else:
    # No SMTP: messages are dropped (and logged); every feature works in-app without e-mail.
    MAILERS = {"default": {"BACKEND": "capuyso.core.mail.DisabledEmailBackend"}}
EMAIL_ENABLED = bool(_EMAIL_HOST)
DEFAULT_FROM_EMAIL = env_str("CAPUYSO_EMAIL_FROM", "capuyso@localhost")
# The address users reach the app at, for links in e-mails (e.g. https://capuyso.phucat.vn).
CAPUYSO_BASE_URL = env_str("CAPUYSO_BASE_URL")

# Security headers. HTTPS is assumed in production behind the reverse proxy;
# an intranet without TLS sets CAPUYSO_HTTPS=0 explicitly.
HTTPS = env_bool("CAPUYSO_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("CAPUYSO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("CAPUYSO_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("CAPUYSO_BEHIND_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies whose X-Forwarded-For is believed for the audit trail's client address.
TRUSTED_PROXIES = frozenset(env_list("CAPUYSO_TRUSTED_PROXIES"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest document file accepted (MB); bigger uploads get a clear message.
DOCUMENT_MAX_UPLOAD_MB = env_int("CAPUYSO_DOCUMENT_MAX_UPLOAD_MB", 50)
# Days before a deadline that an item counts as "due soon" on home pages and reminders.
DOCUMENT_DUE_SOON_DAYS = env_int("CAPUYSO_DOCUMENT_DUE_SOON_DAYS", 3)
# Largest registry book rendered as PDF from the web page (WeasyPrint lays out ~40 rows/s);
# longer periods download as XLSX, or as PDF from the export_registry command.
DOCUMENT_REGISTRY_PDF_MAX_ROWS = env_int("CAPUYSO_DOCUMENT_REGISTRY_PDF_MAX_ROWS", 1000)

# Archive intake: limits on each file (bad files are refused with a message, the batch goes
# on), files per browser upload, and OCR (a page's time limit; a worker silent this long is
# taken as dead and its item resumed).
ARCHIVE_MAX_FILE_MB = env_int("CAPUYSO_ARCHIVE_MAX_FILE_MB", 100)
ARCHIVE_MAX_IMAGE_MEGAPIXELS = env_int("CAPUYSO_ARCHIVE_MAX_IMAGE_MEGAPIXELS", 100)
ARCHIVE_MAX_PAGES = env_int("CAPUYSO_ARCHIVE_MAX_PAGES", 2000)
ARCHIVE_DOCX_MAX_UNPACKED_MB = env_int("CAPUYSO_ARCHIVE_DOCX_MAX_UNPACKED_MB", 200)
ARCHIVE_DOCX_MAX_RATIO = env_int("CAPUYSO_ARCHIVE_DOCX_MAX_RATIO", 100)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("CAPUYSO_ARCHIVE_MAX_FILES_PER_UPLOAD", 100)
ARCHIVE_OCR_PAGE_TIMEOUT = env_int("CAPUYSO_ARCHIVE_OCR_PAGE_TIMEOUT", 180)
ARCHIVE_OCR_STALE_SECONDS = env_int("CAPUYSO_ARCHIVE_OCR_STALE_SECONDS", 600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CAPUYSO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # pyHanko logs every untrusted chain with a traceback; the report carries it instead.
        "pyhanko": {"level": "CRITICAL"},
        "pyhanko_certvalidator": {"level": "CRITICAL"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Digital signatures (signing app) ---------------------------------------------------
# The PKCS#11 module of the signing tokens (the cipher-committee CA's driver, or SoftHSM2 in
# tests). The token must be reachable from this server (an HSM or a token on the server).
SIGNING_PKCS11_MODULE = env_str("CAPUYSO_PKCS11_MODULE", "")
# LibreOffice's `soffice` for DOCX → PDF; empty means "find it on PATH".
SIGNING_SOFFICE = env_str("CAPUYSO_SOFFICE", "")
# How long the app waits for a remote signer's answer to each HTTP call, in seconds.
SIGNING_REMOTE_TIMEOUT = env_int("CAPUYSO_SIGNING_REMOTE_TIMEOUT", 10)
