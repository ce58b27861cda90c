"""Who is reminded of what, and when, for tension responses and the self-assessment plan.

- Response action due soon and overdue: the action's owner, or the owning agency's SPOCs when it
  names none, only while they may read the tension report (``sharing.reminders.About``), at 09:00
  two working days before and on the first working day after the due date; gone once closed.
- Self-assessment action due soon and overdue: its owner, while they are a member of the
  partnership (``permissions.can_read_self_assessment``), at the same moments; gone once closed.

Each ``sync_*`` runs inside the transaction of the event that changed the action. Timings:
``settings.CONVENE_REMINDER_TIMINGS`` (``action_due_soon_working_days``, as for panel actions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from cases.reminders import MIDNIGHT, due_date_moments
from core.models import Reminder
from core.notifications import (
    Wording,
    at_london,
    cancel_reminders,
    link_to,
    register_kinds,
    still_due_while,
    sync_moments,
    timing,
)
from intelligence import permissions
from intelligence.models import ActionStatus, AssessmentAction, ResponseAction
from partnership.models import User
from sharing.reminders import About, spoc_ids

RESPONSE_DUE_SOON = "tension_action_due_soon"
RESPONSE_OVERDUE = "tension_action_overdue"
RESPONSE_KINDS = (RESPONSE_DUE_SOON, RESPONSE_OVERDUE)
PLAN_DUE_SOON = "self_assessment_action_due_soon"
PLAN_OVERDUE = "self_assessment_action_overdue"
PLAN_KINDS = (PLAN_DUE_SOON, PLAN_OVERDUE)

# A response action's reminders are about its tension report: only those who may read it are told.
ABOUT_RESPONSE = About.through(ResponseAction, "event__report")


def _moments(due_date: dt.date, soon: str, overdue: str) -> dict[str, dt.datetime]:
    return due_date_moments(
        due_date, soon=soon, overdue=overdue, soon_working_days=timing("action_due_soon_working_days", 2)
    )


def sync_response_action(action: ResponseAction) -> None:
    """An open response action reminds its owner, or the owning agency's SPOCs, who may read the report."""
    if action.status != ActionStatus.OPEN:
        cancel_reminders(obj=action, kinds=RESPONSE_KINDS)
        return
    owner = [action.owner_id] if action.owner_id else []
    recipients = ABOUT_RESPONSE.readers(action, owner) or ABOUT_RESPONSE.readers(
        action, spoc_ids(action.owner_agency_id)
    )
    report = ABOUT_RESPONSE.records_of([action.pk]).get(action.pk)
    sync_moments(
        obj=action,
        kinds=RESPONSE_KINDS,
        moments=_moments(action.due_date, RESPONSE_DUE_SOON, RESPONSE_OVERDUE),
        recipients=recipients,
        event_at=at_london(action.due_date, MIDNIGHT),
        link=link_to("intelligence:report", report.pk) if report is not None else "",
        reference=str(getattr(report, "reference", "") or ""),
    )


def _response_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    return still_due_while(reminders, ResponseAction.objects.filter(status=ActionStatus.OPEN), "due_date", by_day=True)


register_kinds(
    {
        RESPONSE_DUE_SOON: Wording(
            label="Tension response action due soon",
            description="An action in the response to a community tension report is due within two working days.",
            headline="A response action for tension report {reference} is due on {when}",
        ),
        RESPONSE_OVERDUE: Wording(
            label="Tension response action overdue",
            description="An action in the response to a community tension report is past its due date.",
            headline="A response action for tension report {reference} was due on {when}",
        ),
    },
    still_due=_response_still_due,
    may_tell=ABOUT_RESPONSE.may_tell,
)


# --- the self-assessment's action plan ------------------------------------------------------------------


def _members(user_ids: Collection[int]) -> set[int]:
    """Those of ``user_ids`` who may read the self-assessment (one query)."""
    wanted = {pk for pk in user_ids if pk}
    if not wanted:
        return set()
    people = User.objects.filter(permissions.self_assessment_readers_q(), pk__in=wanted)
    return set(people.values_list("pk", flat=True))


def sync_assessment_action(action: AssessmentAction) -> None:
    """An open action of the plan reminds its owner while they are a member of the partnership."""
    if action.status != ActionStatus.OPEN:
        cancel_reminders(obj=action, kinds=PLAN_KINDS)
        return
    sync_moments(
        obj=action,
        kinds=PLAN_KINDS,
        moments=_moments(action.due_date, PLAN_DUE_SOON, PLAN_OVERDUE),
        recipients=sorted(_members([action.owner_id])),
        event_at=at_london(action.due_date, MIDNIGHT),
        link=link_to("intelligence:assessment", action.assessment_id),
    )


def _plan_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    return still_due_while(
        reminders, AssessmentAction.objects.filter(status=ActionStatus.OPEN), "due_date", by_day=True
    )


def _may_tell_member(reminders: Sequence[Reminder]) -> set[int]:
    members = _members({r.recipient_id for r in reminders})
    return {r.pk for r in reminders if r.recipient_id in members}


register_kinds(
    {
        PLAN_DUE_SOON: Wording(
            label="Self-assessment action due soon",
            description="An action of the partnership's self-assessment plan you own is due within two working days.",
            headline="A self-assessment action you own is due on {when}",
        ),
        PLAN_OVERDUE: Wording(
            label="Self-assessment action overdue",
            description="An action of the partnership's self-assessment plan you own is past its due date.",
            headline="A self-assessment action you own was due on {when}",
        ),
    },
    still_due=_plan_still_due,
    may_tell=_may_tell_member,
)
