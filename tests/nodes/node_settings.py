"""Settings of the web nodes and workers the two-node test starts: the real worker's test settings (email
to files, a queue and Redis key prefix of the test's own), with the cache in Redis as in production, so the
throttles kept there count across every process. Documents go where the environment says (the test's
bucket), read by the same ``document_storage()`` production uses."""

from tests.reminders.worker_settings import *  # noqa: F403
from tests.reminders.worker_settings import env

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CONVENE_TEST_BROKER_URL"),
        "KEY_PREFIX": env("CONVENE_TEST_CACHE_PREFIX"),
    }
}
