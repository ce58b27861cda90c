"""Actions agreed for a case: an owning agency (and person), a due date, and how it closed: done, not
done or could not be done (with a reason)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from core.audit import record_event
from core.errors import NotFound, ValidationError
from core.locking import locked_row
from core.models import AuditVerb
from core.services import save_change
from panels import events, lifecycle, reminders
from panels.models import Action, ActionStatus, Meeting
from panels.permissions import PanelCapability, require
from panels.services.access import readable_case
from partnership.models import Agency, User
from sharing import policy

REASON_MAX = 5000


def _action_errors(
    case: Case, *, description: str, owner_agency_id: int, owner: User | None, due_date: dt.date, meeting_id: int | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if meeting_id is not None and not Meeting.objects.filter(pk=meeting_id, panel_id=case.panel_id).exists():
        errors["meeting"] = ["Choose a meeting of this case's panel."]
    if not description.strip():
        errors["description"] = ["Describe the action"]
    if not Agency.objects.filter(pk=owner_agency_id, is_active=True).exists():
        errors["owner_agency"] = ["Choose the agency that owns the action"]
    if owner is not None and owner.agency_id != owner_agency_id:
        errors["owner"] = ["The owner must belong to the owning agency"]
    if due_date <= timezone.localdate():
        errors["due_date"] = ["The due date must be in the future"]
    return errors


@transaction.atomic
def add_action(
    *,
    actor: User,
    case_id: int,
    description: str,
    owner_agency_id: int,
    due_date: dt.date,
    owner: User | None = None,
    meeting_id: int | None = None,
) -> Action:
    case = readable_case(actor, case_id)
    require(actor, PanelCapability.ADD_ACTION, case)
    errors = _action_errors(
        case,
        description=description,
        owner_agency_id=owner_agency_id,
        owner=owner,
        due_date=due_date,
        meeting_id=meeting_id,
    )
    if errors:
        raise ValidationError(errors)
    action = Action.objects.create(
        case=case,
        meeting_id=meeting_id,
        description=description.strip(),
        owner_agency_id=owner_agency_id,
        owner=owner,
        due_date=due_date,
        created_by=actor,
    )
    reminders.sync_action(action)
    events.action_assigned(action, actor=actor)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=action, details={"case": case.pk})
    return action


def _outcome_errors(outcome: str, reason: str) -> dict[str, list[str]]:
    if outcome not in lifecycle.ACTION_OUTCOMES:
        return {"outcome": ["Choose whether the action was done, not done, or could not be done"]}
    if outcome in lifecycle.ACTION_REASON_NEEDED and not reason.strip():
        if outcome == ActionStatus.NOT_DONE:
            return {"reason": ["Say why the action was not done"]}
        return {"reason": ["Say why the action could not be done"]}
    if len(reason) > REASON_MAX:
        return {"reason": [f"The reason must be {REASON_MAX} characters or fewer"]}
    return {}


@transaction.atomic
def close_action(*, actor: User, action_id: int, outcome: str, reason: str = "") -> Action:
    """Close an open action as done, not done or could not be done; the last two need a reason,
    which the minutes and the next pack show."""
    action = locked_row(Action, action_id, "case__referral", "case__panel", lock_related=False)
    if not policy.can(actor, policy.Action.VIEW, action.case.referral):
        raise NotFound("Not found.")
    require(actor, PanelCapability.COMPLETE_ACTION, action)
    errors = _outcome_errors(outcome, reason)
    if errors:
        raise ValidationError(errors)
    lifecycle.check_action_transition(action, outcome)
    changes = {"status": outcome, "outcome_reason": reason.strip(), "completed_at": timezone.now()}
    details = {"outcome": outcome, "done": outcome == ActionStatus.DONE}
    save_change(
        action, changes, actor=actor, verb=AuditVerb.CHANGED, reason=reason.strip(), details=details, validate=True
    )
    reminders.sync_action(action)
    return action


def complete_action(*, actor: User, action_id: int) -> Action:
    """Mark an open action as done (``close_action`` with the outcome done)."""
    return close_action(actor=actor, action_id=action_id, outcome=ActionStatus.DONE)
