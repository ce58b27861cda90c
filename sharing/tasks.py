"""Celery tasks for the sharing machinery. Beat's schedule lives in the database
(django-celery-beat); ``sharing/migrations/0003_schedule_tidy_expired_shares``,
``0009_schedule_audit_checkpoint``, ``0011_schedule_audit_sealer`` and ``0012_schedule_audit_partitions``
register these."""

from __future__ import annotations

import logging

from celery import shared_task

from sharing import chain, partitions, sealer, services

TIDY_EXPIRED_SHARES = "sharing.tasks.tidy_expired_shares"
SEAL_AUDIT_CHECKPOINT = "sharing.tasks.seal_audit_checkpoint"
SEAL_AUDIT_TRAIL = "sharing.tasks.seal_audit_trail"
ADD_AUDIT_PARTITIONS = "sharing.tasks.add_audit_partitions"

SEAL_BUDGET_SECONDS = 20.0  # a run stops chaining after this; the next one (3 s later) goes on

logger = logging.getLogger(__name__)


@shared_task(name=TIDY_EXPIRED_SHARES)
def tidy_expired_shares() -> int:
    """Remove the grant rows of lapsed shares and audit each lapse once.

    Idempotent: a share is tidied once (``Share.lapsed_at``); a rerun or a
    redelivered task finds nothing to do. Expired shares stop granting at once
    without this task (the policy checks expiry); this only tidies.
    """
    return services.tidy_expired_shares()


@shared_task(name=SEAL_AUDIT_CHECKPOINT)
def seal_audit_checkpoint() -> int | None:
    """Seal the audit trail's head into a signed checkpoint (``manage.py audit_checkpoint``).

    Idempotent: a head already sealed is not sealed again, and a checkpoint missing from the end of
    the checkpoint file (a crash after the commit) is written by the next run. Returns the sealed seq.
    """
    checkpoint = chain.seal_checkpoint()
    return checkpoint.seq if checkpoint is not None else None


@shared_task(name=SEAL_AUDIT_TRAIL)
def seal_audit_trail() -> int:
    """Chain the audit events committed since the last run (beat, every few seconds).

    Idempotent: an event is chained once; a run that finds a writer still running below the fence
    leaves what follows it to the next run. An unsealed event below the chain's head is refused and
    logged as critical (nothing more is chained until it has been looked into). Returns events chained.
    """
    try:
        return sealer.seal_pending(max_seconds=SEAL_BUDGET_SECONDS).events
    except sealer.SealRefused:
        logger.critical("The audit trail was not chained: an unsealed event sits below its head", exc_info=True)
        raise


@shared_task(name=ADD_AUDIT_PARTITIONS)
def add_audit_partitions() -> int:
    """Keep the audit trail's next months' partitions ready (beat, daily; ``sharing.partitions``).

    Idempotent: a month that exists is left alone. Events that went to the default partition (a
    month that was missing) are logged as an error: they stay verifiable, but that month's partition
    cannot be created over them (docs/adr/0025). Returns the partitions created.
    """
    created = partitions.add_partitions()
    stray = partitions.events_in_default()
    if stray:
        logger.error("%s audit event(s) sit in the default partition: create their months by hand", stray)
    return created
