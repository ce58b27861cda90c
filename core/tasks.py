"""The reminder sweep as a Celery task. Beat runs it every minute (the schedule
is a database row, registered by ``core/migrations/0003_schedule_reminder_sweep``
and changeable in the admin); ``manage.py send_due_reminders`` runs the same function."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.notifications import sweep

SEND_DUE_REMINDERS = "core.tasks.send_due_reminders"


@shared_task(
    name=SEND_DUE_REMINDERS,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # Well under the Redis visibility timeout (an hour), so a running sweep is never redelivered early.
    soft_time_limit=600,
    time_limit=660,
)
def send_due_reminders(batch_size: int = sweep.DEFAULT_BATCH_SIZE) -> dict[str, Any]:
    """Send what is due. Idempotent: a duplicate, late or redelivered run finds each reminder
    sent, locked by another sweep, or still due, and never sends one twice."""
    return sweep.send_due_reminders(batch_size=batch_size).as_dict()
