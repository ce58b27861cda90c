"""Writing the audit trail. Every write is one plain INSERT inside the caller's
transaction (no lock, no read of the chain's head): it commits or rolls back with
the change it records, and the sealer (``sharing.sealer``) chains it within seconds.
"From where" comes from the request context set by
``sharing.middleware.AuditContextMiddleware`` (the system when there is none)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone

from core.models import AuditEvent, AuditVerb


@dataclass(frozen=True)
class Origin:
    ip_address: str | None = None


_SYSTEM = Origin()
_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("audit_origin", default=_SYSTEM)


def set_origin(origin: Origin) -> contextvars.Token[Origin]:
    return _origin.set(origin)


def reset_origin(token: contextvars.Token[Origin]) -> None:
    _origin.reset(token)


def object_label(obj: Model) -> str:
    return obj._meta.label_lower


def record_event(
    *,
    actor: Any,
    verb: AuditVerb,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    break_glass: bool = False,
    username: str = "",
) -> None:
    """Append one event. ``actor`` is a user or None (the system)."""
    agency = getattr(actor, "agency", None) if actor is not None else None
    if obj is not None:
        object_type, object_id = object_label(obj), obj.pk
    AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or username,
        agency_id=getattr(agency, "pk", None),
        agency_name=getattr(agency, "name", ""),
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        ip_address=_origin.get().ip_address,
        reason=reason,
        details=details or {},
        break_glass=break_glass,
    )


def record_list_read(
    *, actor: Any, object_type: str, ids: Iterable[int], details: dict[str, Any] | None = None
) -> None:
    """Lists record the ids they returned (reads of case content)."""
    record_event(
        actor=actor,
        verb=AuditVerb.LIST_VIEWED,
        object_type=object_type,
        details={"ids": list(ids), **(details or {})},
    )
