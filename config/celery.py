"""The Celery app. Tasks live in each app's ``tasks.py``; beat reads its
schedule from the database (django-celery-beat), so admins can see and change it."""

from celery import Celery

app = Celery("convene")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
