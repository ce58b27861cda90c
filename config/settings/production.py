"""Production: every secret comes from the environment, with no default."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import REDIS_URL, database_settings, env

SECRET_KEY = env("DJANGO_SECRET_KEY")
DATABASES = {"default": database_settings(env("DATABASE_URL"))}
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production.")
# Throttles (sign-in, password reset) must count across every web process and machine: a shared cache.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "convene",
    }
}
CONVENE_AUDIT_CHECKPOINT_KEY = env("CONVENE_AUDIT_CHECKPOINT_KEY")
if len(CONVENE_AUDIT_CHECKPOINT_KEY) < 32:
    raise ImproperlyConfigured("CONVENE_AUDIT_CHECKPOINT_KEY must be at least 32 random characters.")
if env.bool("CONVENE_DEMO_MODE", default=False):
    raise ImproperlyConfigured("Demo mode cannot be turned on in production.")
CONVENE_DEMO_MODE = False

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL")
