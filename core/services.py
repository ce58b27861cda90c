"""The write every service ends with, once it has locked its row (``core.locking.locked_row``),
asked its app's permission predicate and checked the lifecycle: set the fields that change, check
the row, save only those fields and audit the change, all in the caller's transaction. Side effects
(reminders, notifications, ``transaction.on_commit``) follow it in the service."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import Model

from core.audit import record_event
from core.models import AuditVerb, TimeStampedModel

M = TypeVar("M", bound=Model)


def stamped(row: Model, fields: Iterable[str]) -> list[str]:
    """The columns to save: ``fields`` and, on a timestamped row, ``updated_at`` (``auto_now`` writes it
    only when it is among them)."""
    return [*fields, "updated_at"] if isinstance(row, TimeStampedModel) else [*fields]


def save_change(
    row: M,
    changes: Mapping[str, Any],
    *,
    actor: Any,
    verb: AuditVerb,
    reason: str = "",
    details: dict[str, Any] | None = None,
    validate: bool = False,
) -> M:
    """Set ``changes`` on the locked ``row``, save exactly those columns (and ``updated_at`` on a
    timestamped row) and record ``verb`` against it. ``actor`` is a user or None (the system).

    ``validate`` runs the row's own checks (``full_clean``, its constraints included, uniqueness
    left to the database) after the change is set and before anything is saved: a refusal writes
    nothing.
    """
    for name, value in changes.items():
        setattr(row, name, value)
    if validate:
        row.full_clean(validate_unique=False)
    row.save(update_fields=stamped(row, changes))
    record_event(actor=actor, verb=verb, obj=row, reason=reason, details=details)
    return row
