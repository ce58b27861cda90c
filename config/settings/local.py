"""Development on one machine: `make run`."""

import hashlib

from config import embedded
from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES, database_settings, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-3f1c9a7e5b2d4c6e8f0a")
CONVENE_AUDIT_CHECKPOINT_KEY = env(
    "CONVENE_AUDIT_CHECKPOINT_KEY", default=hashlib.sha256(f"audit-checkpoint|{SECRET_KEY}".encode()).hexdigest()
)
# The service's own 404, 403 and 500 pages, as partners will see them; DJANGO_DEBUG=1 shows Django's
# debug pages instead. WhiteNoise serves the assets straight from their folders (no collectstatic).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# No DATABASE_URL: the embedded PostgreSQL under ./var/pg. Only its address is computed here;
# `make` (python -m config.embedded -- ...) and scripts/run.py start it.
DATABASES = {"default": database_settings(embedded.database_url())}
CONVENE_DEMO_MODE = env.bool("CONVENE_DEMO_MODE", default=True)
CONVENE_API_SCHEMA_PUBLIC = env.bool("CONVENE_API_SCHEMA_PUBLIC", default=True)
