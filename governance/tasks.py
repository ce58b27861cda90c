"""Celery tasks for information governance. Beat's schedule lives in the database
(``governance/migrations/0002_*`` and ``0005_*`` register it)."""

from __future__ import annotations

from celery import shared_task

from governance import reminders, services

SYNC_WAITING_OPENINGS = "governance.tasks.sync_waiting_openings"


@shared_task(name=SYNC_WAITING_OPENINGS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sync_waiting_openings() -> int:
    """Nightly: every break-glass opening waiting for review has exactly its overdue reminders (idempotent)."""
    return reminders.sync_waiting_openings()


LIST_DUE_FOR_DISPOSAL = "governance.tasks.list_due_for_disposal"


@shared_task(name=LIST_DUE_FOR_DISPOSAL, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def list_due_for_disposal() -> int:
    """Nightly: records past their retention are listed in a batch for approval (idempotent: a record
    already listed and waiting is not listed again). Disposal itself waits for an IG officer."""
    return sum(batch.items.count() for batch in services.list_due_for_disposal())
