"""The test suite: real PostgreSQL, fast hashing, mail kept in memory."""

import hashlib

from config import embedded
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, STORAGES, database_settings, env

SECRET_KEY = "test-only-not-a-secret-9d8c7b6a5f4e3d2c1b0a"  # noqa: S105 - tests only
CONVENE_AUDIT_CHECKPOINT_KEY = hashlib.sha256(f"audit-checkpoint|{SECRET_KEY}".encode()).hexdigest()
# Not the local database's file: tests that seal checkpoints point this at their own temporary file.
CONVENE_AUDIT_CHECKPOINT_FILE = BASE_DIR / "var" / "test-audit-checkpoints.jsonl"
# No DATABASE_URL: the embedded PostgreSQL under ./var/pg. Only its address is computed here;
# the test plugin (tests/plugins/embedded_db.py) or `make test` starts it.
DATABASES = {"default": database_settings(embedded.database_url())}
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# pytest-django's live_server needs MEDIA_URL to be a string. Nothing routes it:
# documents are served only by views that ask the sharing policy.
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CONVENE_DEMO_MODE = False
CONVENE_API_SCHEMA_PUBLIC = env.bool("CONVENE_API_SCHEMA_PUBLIC", default=True)
