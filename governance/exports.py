"""A search of the audit trail as CSV: the trail's own fields, never a record's content."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from django.utils import timezone

from cases.exports import _csv_cell
from core.models import AuditEvent
from governance.records import object_type_label, verb_label

CSV_HEADER = (
    "Sequence",
    "When",
    "User",
    "Agency",
    "Action",
    "Verb",
    "Record type",
    "Object type",
    "Object id",
    "Reference",
    "Reason",
    "Break-glass",
    "From (IP address)",
    "Details",
)


def _row(event: AuditEvent) -> list[str]:
    values = (
        event.seq,
        timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_username or "System",
        event.agency_name,
        verb_label(event.verb),
        event.verb,
        object_type_label(event.object_type),
        event.object_type,
        event.object_id,
        getattr(event, "reference", ""),
        event.reason,
        "Yes" if event.break_glass else "No",
        event.ip_address or "",
        json.dumps(event.details, sort_keys=True, default=str) if event.details else "",
    )
    return [_csv_cell(value) for value in values]


def trail_csv(events: Iterable[AuditEvent]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte order mark, so spreadsheets read the UTF-8 correctly
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(_row(event) for event in events)
    return buffer.getvalue()
