"""Celery tasks for partnership configuration. Beat's schedule lives in the database
(``partnership/migrations/0007_schedule_data_sharing_agreement_reminders`` registers it)."""

from __future__ import annotations

from celery import shared_task

from partnership import reminders

SYNC_AGREEMENT_REMINDERS = "partnership.tasks.sync_agreement_reminders"


@shared_task(name=SYNC_AGREEMENT_REMINDERS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sync_agreement_reminders() -> int:
    """Nightly: every agency's data-sharing agreement has exactly its review reminders (idempotent)."""
    return reminders.sync_all_agencies()
