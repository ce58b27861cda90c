"""Development on one machine: `make run`."""

from config.embedded import ensure_database_url

# No DATABASE_URL: start (or reuse) the embedded PostgreSQL under ./var/pg.
ensure_database_url()

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import env  # noqa: E402

SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-3f1c9a7e5b2d4c6e8f0a")
DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CONVENE_DEMO_MODE = env.bool("CONVENE_DEMO_MODE", default=True)
