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

from collections.abc import Collection, Sequence

from core.models import Reminder
from core.notifications import Wording, link_to
from core.notifications.due_dates import DueDateKinds
from intelligence import permissions
from intelligence.models import ActionStatus, AssessmentAction, ResponseAction
from partnership.models import User
from sharing.reminders import About

RESPONSE_DUE_SOON = "tension_action_due_soon"
RESPONSE_OVERDUE = "tension_action_overdue"
PLAN_DUE_SOON = "self_assessment_action_due_soon"
PLAN_OVERDUE = "self_assessment_action_overdue"
# Both remind as many working days ahead as panel actions do.
ACTION_DUE_SOON_TIMING = "action_due_soon_working_days"

# A response action's reminders are about its tension report: only those who may read it are told.
ABOUT_RESPONSE = About.through(ResponseAction, "event__report")

RESPONSE_REMINDERS = DueDateKinds(
    soon=RESPONSE_DUE_SOON,
    overdue=RESPONSE_OVERDUE,
    open_records=ResponseAction.objects.filter(status=ActionStatus.OPEN),
    soon_timing=ACTION_DUE_SOON_TIMING,
).register(
    soon=Wording(
        label="Tension response action due soon",
        description="An action in the response to a community tension report is due within two working days.",
        headline="A response action for tension report {reference} is due on {when}",
    ),
    overdue=Wording(
        label="Tension response action overdue",
        description="An action in the response to a community tension report is past its due date.",
        headline="A response action for tension report {reference} was due on {when}",
    ),
    may_tell=ABOUT_RESPONSE.may_tell,
)


def sync_response_action(action: ResponseAction) -> None:
    """An open response action reminds its owner, or the owning agency's SPOCs, who may read the report."""
    if action.status != ActionStatus.OPEN:
        RESPONSE_REMINDERS.cancel(action)
        return
    owner = [action.owner_id] if action.owner_id else []
    recipients = ABOUT_RESPONSE.owners_else_spocs(action, owner, action.owner_agency_id)
    report = ABOUT_RESPONSE.records_of([action.pk]).get(action.pk)
    RESPONSE_REMINDERS.sync(
        action,
        due_date=action.due_date,
        recipients=recipients,
        link=link_to("intelligence:report", report.pk) if report is not None else "",
        reference=str(getattr(report, "reference", "") or ""),
    )


# --- the self-assessment's action plan ------------------------------------------------------------------


def _members(user_ids: Collection[int]) -> set[int]:
    """Those of ``user_ids`` who may read the self-assessment (one query)."""
    wanted = {pk for pk in user_ids if pk}
    if not wanted:
        return set()
    people = User.objects.filter(permissions.self_assessment_readers_q(), pk__in=wanted)
    return set(people.values_list("pk", flat=True))


def _may_tell_member(reminders: Sequence[Reminder]) -> set[int]:
    members = _members({r.recipient_id for r in reminders})
    return {r.pk for r in reminders if r.recipient_id in members}


PLAN_REMINDERS = DueDateKinds(
    soon=PLAN_DUE_SOON,
    overdue=PLAN_OVERDUE,
    open_records=AssessmentAction.objects.filter(status=ActionStatus.OPEN),
    soon_timing=ACTION_DUE_SOON_TIMING,
).register(
    soon=Wording(
        label="Self-assessment action due soon",
        description="An action of the partnership's self-assessment plan you own is due within two working days.",
        headline="A self-assessment action you own is due on {when}",
    ),
    overdue=Wording(
        label="Self-assessment action overdue",
        description="An action of the partnership's self-assessment plan you own is past its due date.",
        headline="A self-assessment action you own was due on {when}",
    ),
    may_tell=_may_tell_member,
)


def sync_assessment_action(action: AssessmentAction) -> None:
    """An open action of the plan reminds its owner while they are a member of the partnership."""
    if action.status != ActionStatus.OPEN:
        PLAN_REMINDERS.cancel(action)
        return
    PLAN_REMINDERS.sync(
        action,
        due_date=action.due_date,
        recipients=sorted(_members([action.owner_id])),
        link=link_to("intelligence:assessment", action.assessment_id),
    )
