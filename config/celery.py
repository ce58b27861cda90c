"""The Celery app. Tasks live in each app's ``tasks.py``; beat reads its
schedule from the database (django-celery-beat), so admins can see and change it."""

from pathlib import Path
from typing import Any

from celery import Celery

app = Celery("convene")


@app.on_after_configure.connect
def make_filesystem_broker_folders(sender: Celery, source: Any, **kwargs: Any) -> None:
    """kombu's filesystem transport (no REDIS_URL: development only) expects its folders to
    exist. The process that first uses Celery (worker, beat, or one that queues a task) makes
    them, so importing settings writes nothing."""
    if not str(source.broker_url or "").startswith("filesystem:"):
        return
    options = source.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
