"""Celery tasks for panels. Beat's schedule lives in the database
(``core/migrations/0003_schedule_reminder_tasks`` registers it)."""

from __future__ import annotations

from celery import shared_task

from panels import reminders, services
from partnership.models import Panel

GENERATE_UPCOMING_MEETINGS = "panels.tasks.generate_upcoming_meetings"


@shared_task(name=GENERATE_UPCOMING_MEETINGS, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def generate_upcoming_meetings() -> int:
    """Nightly: each active panel's meetings six months ahead (with their notice and papers
    reminders), then every open meeting, action and review's reminders re-stated.

    Idempotent: generating skips existing slots, and re-stating never resends a sent reminder."""
    created = 0
    for panel in Panel.objects.filter(is_active=True):
        created += len(services.generate_meetings(panel=panel))
    reminders.sync_open_reminders()
    return created
