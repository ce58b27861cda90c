"""Celery tasks for cases. Beat's schedule lives in the database
(``cases/migrations/0003_schedule_request_reminder_recheck`` registers it)."""

from __future__ import annotations

from celery import shared_task

from cases import reminders

SYNC_OPEN_REQUESTS = "cases.tasks.sync_open_requests"


@shared_task(name=SYNC_OPEN_REQUESTS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sync_open_requests() -> int:
    """Nightly: every open information request has exactly the reminders it should (idempotent)."""
    return reminders.sync_open_requests()
