"""Helpers for the configuration tests (rule 13): page and admin-site form data, the audit events about a
record, the chain check and the second-admin switch."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from partnership import services
from partnership.models import Agency, User
from tests.pages import date_fields


def events_about(obj: Model, *verbs: AuditVerb) -> list[AuditEvent]:
    """Audit events about ``obj``, oldest first (``verbs``: only those)."""
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if verbs:
        events = events.filter(verb__in=verbs)
    return list(events.order_by("seq"))


def only_event(obj: Model, verb: AuditVerb) -> AuditEvent:
    events = events_about(obj, verb)
    assert len(events) == 1, [(e.verb, e.details) for e in events_about(obj)]
    return events[0]


def chain_verifies() -> str:
    """``manage.py verify_audit_chain`` output (it raises CommandError when the chain is broken)."""
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


def second_admin_approval(on: bool) -> None:
    """What the partnership chose (set as the system: no approval asked for)."""
    services.update_partnership_settings(actor=None, changes={"second_admin_approval": on})


def user_form(user: User, **overrides: Any) -> dict[str, Any]:
    """The admin site's change form for ``user``, as a browser would post it, with ``overrides``."""
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "phone": user.phone,
        "agency": user.agency_id or "",
        "clearance": user.clearance_id or "",
        "roles": list(user.roles),
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def panel_form(chair: User, agencies: list[Agency], **overrides: Any) -> dict[str, Any]:
    """The /manage/ panel form, first meeting in three days at ten, as a browser would post it."""
    data: dict[str, Any] = {
        "name": "Northshire Channel Panel",
        "is_active": "on",
        "chair": chair.pk,
        "deputy_chair": "",
        "member_agencies": [agency.pk for agency in agencies],
        "cadence_weeks": 6,
        **date_fields("first_meeting_on", timezone.localdate() + dt.timedelta(days=3)),
        "first_meeting_time": "10:00",
        "meeting_duration_minutes": 120,
        "venue": "Council House",
        "call_link": "",
        "quorum_requires_chair": "on",
        "quorum_min_agencies": 3,
        "notice_days_before": 7,
        "papers_days_before": 1,
    }
    data.update(overrides)
    return data
