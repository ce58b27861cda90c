"""Settings for the real Celery worker the slow tests start: the test settings, with email
written to files (so another process can count it), and a queue and Redis key prefix of the
test's own, so parallel test runs sharing the machine's Redis never see each other's tasks."""

from config.settings.test import *  # noqa: F403
from config.settings.test import env

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("CONVENE_TEST_MAIL_DIR")
CELERY_BROKER_URL = env("CONVENE_TEST_BROKER_URL")
CELERY_TASK_DEFAULT_QUEUE = env("CONVENE_TEST_QUEUE")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "global_keyprefix": env("CONVENE_TEST_QUEUE") + ":"}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A killed worker's claims lapse after this long (production: two minutes), so the test need not wait.
CONVENE_REMINDER_CLAIM_SECONDS = 3
