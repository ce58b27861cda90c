"""Celery tasks for information governance. Beat's schedule lives in the database
(``governance/migrations/0002_schedule_break_glass_review_reminders`` registers it)."""

from __future__ import annotations

from celery import shared_task

from governance import reminders

SYNC_WAITING_OPENINGS = "governance.tasks.sync_waiting_openings"


@shared_task(name=SYNC_WAITING_OPENINGS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sync_waiting_openings() -> int:
    """Nightly: every break-glass opening waiting for review has exactly its overdue reminders (idempotent)."""
    return reminders.sync_waiting_openings()
