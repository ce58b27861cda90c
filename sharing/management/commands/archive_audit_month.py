"""Detach the audit trail's oldest month for the archive (docs/adr/0025-audit-trail-partitioned-by-month.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sharing.partitions import ArchiveRefused, archive_month


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").replace(tzinfo=dt.UTC).date()
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a month (YYYY-MM).") from exc


class Command(BaseCommand):
    help = (
        "Detach the audit trail's oldest month (YYYY-MM, UTC) once it is over, sealed and verified: its events "
        "are not deleted, its partition becomes a table of its own (still refusing UPDATE, DELETE and TRUNCATE) "
        "to dump to the archive store and drop. A signed archive mark in the trail lets verify_audit_chain --full "
        "start where the archive ends. Exits 1, changing nothing, when the month cannot be archived."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", type=_month, help="the oldest attached month, as YYYY-MM")

    def handle(self, *args: Any, month: dt.date, **options: Any) -> None:
        try:
            mark = archive_month(actor=None, month=month)
        except ArchiveRefused as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            f"Detached {mark.partition}: events up to seq {mark.through_seq} archived ({mark.archived} in all). "
            f"Dump it (pg_dump --table={mark.partition}) to the archive store, then drop it."
        )
