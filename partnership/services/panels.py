"""Panels as partnership configuration: the panel itself, its settings and its member agencies and people,
each change audited with before and after like the rest of the configuration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from core.audit import record_event
from core.errors import ValidationError
from core.models import AuditVerb
from partnership import permissions
from partnership.models import (
    Agency,
    Panel,
    PanelMembership,
    Role,
    User,
)
from partnership.services.configuration import _audit_change, _audit_created
from partnership.snapshots import (
    PANEL_KEYS,
    diff,
    panel_members_state,
    panel_state,
)

# --- Panels (configuration: the panel itself is a partnership record) -------------------------


def _check_panel(panel: Panel, before: dict[str, Any] | None = None) -> None:
    """Chairs (checked when they change) hold the panel chair role in an agency."""
    panel.full_clean()
    errors: dict[str, list[str]] = {}
    for field in ("chair", "deputy_chair"):
        person = getattr(panel, field)
        if before is not None and before[field] == getattr(panel, f"{field}_id"):
            continue
        if person is not None and not (person.is_active and person.agency_id and person.has_role(Role.PANEL_CHAIR)):
            errors[field] = [f"{person} does not hold the panel chair role in an agency."]
    if panel.deputy_chair_id is not None and panel.deputy_chair_id == panel.chair_id:
        errors["deputy_chair"] = ["The deputy must be someone other than the chair."]
    if errors:
        raise ValidationError(errors)


def _set_panel_fields(panel: Panel, values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(PANEL_KEYS)
    if unknown:
        raise TypeError(f"Not panel settings: {sorted(unknown)}")
    for key, value in values.items():
        setattr(panel, key, value)


@transaction.atomic
def create_panel(*, actor: Any = None, values: Mapping[str, Any]) -> Panel:
    permissions.require_configure(actor)
    panel = Panel()
    _set_panel_fields(panel, values)
    _check_panel(panel)
    panel.save()
    _audit_created(actor, panel, panel_state(panel))
    return panel


@transaction.atomic
def update_panel(*, actor: Any = None, panel: Panel, changes: Mapping[str, Any]) -> Panel:
    permissions.require_configure(actor)
    locked = Panel.objects.select_for_update().get(pk=panel.pk)
    before = panel_state(locked)
    _set_panel_fields(locked, changes)
    _check_panel(locked, before)
    locked.save(update_fields=[*changes, "updated_at"])
    _audit_change(actor, locked, before, panel_state(locked))
    return locked


@transaction.atomic
def set_panel_members(*, actor: Any = None, panel: Panel, members: Mapping[Agency, Iterable[User]]) -> Panel:
    """The member agencies and their named representatives, exactly ``members``."""
    permissions.require_configure(actor)
    locked = Panel.objects.select_for_update().get(pk=panel.pk)
    wanted = {agency: sorted(set(people), key=lambda u: u.pk) for agency, people in members.items()}
    for agency, people in wanted.items():
        strangers = [u.get_full_name() or u.username for u in people if u.agency_id != agency.pk]
        if strangers:
            message = f"Representatives must belong to {agency}: {', '.join(strangers)} do not."
            raise ValidationError({"representatives": [message]})
    before = panel_members_state(locked)
    locked.memberships.exclude(agency__in=list(wanted)).delete()
    for agency, people in wanted.items():
        membership, _ = PanelMembership.objects.get_or_create(panel=locked, agency=agency)
        membership.representatives.set(people)
    after = panel_members_state(locked)
    change = diff({"members": before}, {"members": after})
    if change["after"]:
        record_event(
            actor=actor, verb=AuditVerb.CONFIGURED, obj=locked, details={"action": "members_changed", **change}
        )
    return locked
