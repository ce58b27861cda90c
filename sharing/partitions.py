"""The audit trail's monthly partitions (docs/adr/0025-audit-trail-partitioned-by-month.md).

``sharing_auditevent`` is range-partitioned by UTC month of ``occurred_at``
(``sharing_auditevent_YYYY_MM``, and a default partition as a safety net). ``add_partitions`` keeps
``MONTHS_AHEAD`` months ready (beat, daily: ``sharing.tasks.add_audit_partitions``).
``archive_month`` detaches the oldest month once it is over, sealed and verified: the rows are not
deleted, the partition becomes a table of its own (still refusing UPDATE, DELETE and TRUNCATE) for
the operator to dump to the archive store and drop; the trail keeps a signed ``ArchiveMark`` so a
full verification starts where the archive ends.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.audit import record_event
from core.errors import DomainError
from core.models import AuditEvent, AuditVerb
from sharing.chain import ArchiveMark, latest_archive, seal_and_checkpoint, verify_trail
from sharing.models import AuditVerification

TABLE = "sharing_auditevent"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
_MONTHLY = re.compile(rf"^{TABLE}_(\d{{4}})_(\d{{2}})$")
_ATTACHED = """
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = %s::regclass ORDER BY c.relname
"""
# The attached events that follow an event no longer attached (at most a few, around the new start).
_LINKS = """
SELECT e.seq, coalesce(e.prev_seq, e.seq - 1), e.prev_hash FROM sharing_auditevent e
 WHERE e.seq <= coalesce((SELECT min(n.seq) FROM sharing_auditevent n WHERE n.seq > %(through)s), %(through)s)
   AND coalesce(e.prev_seq, e.seq - 1) > 0
   AND NOT EXISTS (SELECT 1 FROM sharing_auditevent p WHERE p.seq = coalesce(e.prev_seq, e.seq - 1))
 ORDER BY e.seq
"""


class ArchiveRefused(DomainError):
    """The month cannot be archived now (the message says why); nothing was changed."""


@dataclass(frozen=True)
class Month:
    """One monthly partition: its table and the UTC month it holds."""

    table: str
    start: dt.date

    @property
    def end(self) -> dt.datetime:
        following = dt.date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)
        return dt.datetime.combine(following, dt.time(), tzinfo=dt.UTC)

    @classmethod
    def named(cls, table: str) -> Month | None:
        match = _MONTHLY.match(table)
        return cls(table, dt.date(int(match[1]), int(match[2]), 1)) if match else None


def attached_months() -> list[Month]:
    """The monthly partitions attached to the trail, oldest first (the default partition is not one)."""
    with connection.cursor() as cursor:
        cursor.execute(_ATTACHED, [TABLE])
        names = [row[0] for row in cursor.fetchall()]
    return [month for month in map(Month.named, names) if month is not None]


def add_partitions(*, months_ahead: int = MONTHS_AHEAD, today: dt.date | None = None) -> int:
    """Create this month's partition and the next ``months_ahead`` ones, where missing. Idempotent;
    returns how many were created. A month whose events already went to the default partition is
    skipped (PostgreSQL warns; ``events_in_default`` says how many are there)."""
    first = (today or timezone.now().astimezone(dt.UTC).date()).replace(day=1)
    last = _month_after(first, months_ahead)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT sharing_audit_add_partitions(%s, %s)", [first, last])
        return int(cursor.fetchone()[0])


def events_in_default() -> int:
    """Events whose month had no partition (the application role may call it: SECURITY DEFINER)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sharing_audit_events_in_default()")
        return int(cursor.fetchone()[0])


def _month_after(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def archive_month(*, actor: Any, month: dt.date) -> ArchiveMark:
    """Detach the trail's oldest month, keeping every attached event verifiable.

    Preconditions (all checked before anything is written, the last ones under the table lock):
    ``month`` is the oldest attached month, it is over and another month is attached; after a
    checkpoint is sealed, the trail verifies; the default partition holds no older event; every event
    of the month is sealed; and the newest verified checkpoint is after the month's last event (so an
    incremental run never starts inside the archive). Raises ArchiveRefused.
    """
    months = attached_months()
    target = months[0] if months else None
    if target is None or target.start != month.replace(day=1):
        raise ArchiveRefused("Only the oldest attached month of the audit trail can be archived.")
    if target.end > timezone.now():
        raise ArchiveRefused("A month can be archived only once it is over.")
    if len(months) < 2:
        raise ArchiveRefused("The trail's last attached month cannot be archived.")
    seal_and_checkpoint()
    if verify_trail().problems:
        raise ArchiveRefused("The audit trail does not verify: it cannot be archived until that is looked into.")
    previous, problems = latest_archive()
    if problems:
        raise ArchiveRefused("The trail's last archive mark does not hold: it cannot be archived further.")
    with connection.cursor() as cursor:  # the month's whole count, before appends are held up
        cursor.execute(f"SELECT count(*), max(seq) FROM {target.table}")  # noqa: S608
        count, last_seq = cursor.fetchone()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '10s'")
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        _check_archivable(cursor, target, last_seq)
        through = max(last_seq or 0, previous.through_seq if previous else 0)
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {target.table}")
        # The archive keeps refusing changes until it is dumped and dropped (its TRUNCATE guard stays).
        cursor.execute(
            f"CREATE TRIGGER sharing_audit_append_only BEFORE UPDATE OR DELETE ON {target.table} "
            "FOR EACH ROW EXECUTE FUNCTION sharing_audit_event_append_only()"
        )
        cursor.execute(_LINKS, {"through": through})
        links = tuple((int(seq), int(prev), str(prev_hash)) for seq, prev, prev_hash in cursor.fetchall())
        mark = ArchiveMark(
            partition=target.table,
            through_seq=through,
            archived=(previous.archived if previous else 0) + int(count),
            kept_below=AuditEvent.objects.filter(seq__lte=through).count(),
            links=links,
        ).signed_now()
        record_event(
            actor=actor,
            verb=AuditVerb.AUDIT_ARCHIVED,
            object_type=ArchiveMark.OBJECT_TYPE,
            object_id=target.table,
            reason=f"The audit events of {target.start:%B %Y} were detached for the archive.",
            details=mark.details(),
        )
    return mark


def _check_archivable(cursor: Any, target: Month, last_seq: int | None) -> None:
    """Under the table lock, through indexes only (appends wait meanwhile): the month is archivable and
    took no event since it was counted (a new one would have a higher seq than ``last_seq``)."""
    cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE occurred_at < %s", [target.end])  # noqa: S608
    if cursor.fetchone()[0]:
        raise ArchiveRefused("The default partition holds events from before this month: archive those first.")
    cursor.execute(f"SELECT max(seq) FROM {target.table}")  # noqa: S608
    if cursor.fetchone()[0] != last_seq:
        raise ArchiveRefused("The month took an event while it was being archived: try again.")
    cursor.execute(f"SELECT count(*) FROM {target.table} WHERE hash = ''")  # noqa: S608
    unsealed = cursor.fetchone()[0]
    if unsealed:
        raise ArchiveRefused(f"{unsealed} event(s) of the month are not sealed yet.")
    verified = AuditVerification.objects.order_by("-id").values_list("checkpoint_seq", flat=True).first()
    if last_seq is not None and (verified is None or verified <= last_seq):
        raise ArchiveRefused("No verified checkpoint is after the month's last event yet: try again later.")
