"""Celery tasks for referrals. Beat's schedule lives in the database
(``core/migrations/0003_schedule_reminder_tasks`` and ``referrals/migrations/0004_*`` register it)."""

from __future__ import annotations

from celery import shared_task

from referrals import reminders, services

SYNC_OPEN_REMINDERS = "referrals.tasks.sync_open_reminders"


@shared_task(name=SYNC_OPEN_REMINDERS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sync_open_reminders() -> int:
    """Nightly: every referral awaiting screening has exactly the reminders it should.

    Idempotent (it states what should exist; sent reminders are never sent again)."""
    return reminders.sync_open_reminders()


DELETE_UNTOUCHED_DRAFTS = "referrals.tasks.delete_untouched_drafts"


@shared_task(name=DELETE_UNTOUCHED_DRAFTS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def delete_untouched_drafts() -> int:
    """Nightly: drafts unchanged for longer than the partnership keeps them are deleted, each audited.

    Idempotent (a second run finds nothing more to delete)."""
    return services.delete_untouched_drafts()
