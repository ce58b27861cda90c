"""Celery tasks for the sharing machinery. Beat's schedule lives in the database
(django-celery-beat); ``sharing/migrations/0003_schedule_tidy_expired_shares`` registers these."""

from __future__ import annotations

from celery import shared_task

from sharing import services

TIDY_EXPIRED_SHARES = "sharing.tasks.tidy_expired_shares"


@shared_task(name=TIDY_EXPIRED_SHARES)
def tidy_expired_shares() -> int:
    """Remove the grant rows of lapsed shares and audit each lapse once.

    Idempotent: a share is tidied once (``Share.lapsed_at``); a rerun or a
    redelivered task finds nothing to do. Expired shares stop granting at once
    without this task (the policy checks expiry); this only tidies.
    """
    return services.tidy_expired_shares()
