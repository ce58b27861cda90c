"""Celery tasks for referrals. Beat's schedule lives in the database
(``core/migrations/0003_schedule_reminder_tasks`` registers it)."""

from __future__ import annotations

from celery import shared_task

from referrals import reminders

SYNC_OPEN_REMINDERS = "referrals.tasks.sync_open_reminders"


@shared_task(name=SYNC_OPEN_REMINDERS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sync_open_reminders() -> int:
    """Nightly: every referral awaiting screening has exactly the reminders it should.

    Idempotent (it states what should exist; sent reminders are never sent again)."""
    return reminders.sync_open_reminders()
