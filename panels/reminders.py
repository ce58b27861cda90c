"""Who is reminded of what, and when, for panels.

- Meeting notice and papers: the chair and deputy, and each member agency's
  named representatives (or its SPOCs when it names none), the panel's
  ``notice_days_before`` and ``papers_days_before`` before the meeting; moved
  with the meeting, gone when it is cancelled.
- Action due soon and overdue: the action's owner (or the owning agency's
  SPOCs), at 09:00 two working days before and on the first working day after
  the due date; gone once the action is done.
- Case review due: the case owner and the chair, at 09:00 five working days
  before the next review date the panel set; replaced by the next decision.
- Post-exit review due (6 and 12 months): the chair and the case owner, at
  09:00 ten working days before each review falls due; gone once held.

Each ``sync_*`` runs inside the transaction of the event that changed the
record. Timings: the panel's own, else ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseStatus
from cases.reminders import RECHECK_OVERDUE_DAYS
from core.models import Reminder
from core.notifications import (
    Due,
    ReminderKind,
    at_london,
    london_date,
    next_working_day,
    register_kind,
    sync_reminders,
    timing,
    working_days_before,
)
from core.working_days import LONDON
from panels.models import Action, ActionStatus, Discussion, Meeting, MeetingStatus, PostExitReview
from partnership.models import Panel, User
from referrals.reminders import link_to, spoc_ids

MEETING_NOTICE = "meeting_notice"
MEETING_PAPERS = "meeting_papers"
MEETING_KINDS = (MEETING_NOTICE, MEETING_PAPERS)
ACTION_DUE_SOON = "action_due_soon"
ACTION_OVERDUE = "action_overdue"
ACTION_KINDS = (ACTION_DUE_SOON, ACTION_OVERDUE)
CASE_REVIEW_DUE = "case_review_due"
POST_EXIT_REVIEW_DUE = "post_exit_review_due"

UNDER_REVIEW = (CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE)
AWAITING_POST_EXIT = (CaseStatus.EXITED, CaseStatus.REVIEWED_6_MONTHS)
MIDNIGHT = dt.time(0, 0)


def _active(ids: Iterable[int | None]) -> set[int]:
    wanted = {pk for pk in ids if pk}
    return set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)) if wanted else set()


def _date_of(moment: dt.datetime | None) -> dt.date | None:
    return london_date(moment) if moment else None


# --- meetings -----------------------------------------------------------------------------------


def meeting_recipients(panel: Panel) -> list[int]:
    """The chair and deputy, and each member agency's representatives, or its SPOCs when it names none."""
    recipients = _active([panel.chair_id, panel.deputy_chair_id])
    for membership in panel.memberships.prefetch_related("representatives"):
        named = {u.pk for u in membership.representatives.all() if u.is_active}
        recipients |= named or set(spoc_ids(membership.agency_id))
    return sorted(recipients)


def sync_meetings(meetings: Iterable[Meeting]) -> None:
    """Notice and papers for each scheduled meeting still ahead; nothing for a cancelled or past one."""
    now = timezone.now()
    recipients_by_panel: dict[int, list[int]] = {}
    for meeting in meetings:
        wanted = []
        if meeting.status == MeetingStatus.SCHEDULED and meeting.scheduled_at > now:
            panel = meeting.panel
            if panel.pk not in recipients_by_panel:
                recipients_by_panel[panel.pk] = meeting_recipients(panel)
            link = link_to("panels:meeting", meeting.pk)
            # Calendar days on London's clock: a week before a 10:00 meeting is 10:00, across a clock change too.
            local = meeting.scheduled_at.astimezone(LONDON)
            moments = {
                MEETING_NOTICE: local - dt.timedelta(days=panel.notice_days_before),
                MEETING_PAPERS: local - dt.timedelta(days=panel.papers_days_before),
            }
            wanted = [
                Due(kind, pk, at, meeting.scheduled_at, link)
                for kind, at in moments.items()
                for pk in recipients_by_panel[panel.pk]
            ]
        sync_reminders(obj=meeting, kinds=MEETING_KINDS, wanted=wanted)


def _meeting_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    when = dict(
        Meeting.objects.filter(
            pk__in={r.object_id for r in reminders}, status=MeetingStatus.SCHEDULED, scheduled_at__gt=now
        ).values_list("pk", "scheduled_at")
    )
    return {r.pk for r in reminders if r.object_id in when and when[r.object_id] == r.event_at}


register_kind(
    ReminderKind(
        code=MEETING_NOTICE,
        label="Panel meeting notice",
        description="A meeting of a panel you sit on is coming up (by default a week before).",
        headline="A panel meeting is coming up on {when}",
        show_time=True,
        still_due=_meeting_still_due,
    )
)
register_kind(
    ReminderKind(
        code=MEETING_PAPERS,
        label="Panel papers ready",
        description="The agenda and papers for a meeting are ready to read (by default the day before).",
        headline="Papers are ready for the panel meeting on {when}",
        show_time=True,
        still_due=_meeting_still_due,
    )
)


# --- actions --------------------------------------------------------------------------------------


def sync_action(action: Action) -> None:
    """An open action reminds its owner, or the owning agency's SPOCs, as the due date nears and passes."""
    wanted = []
    if action.status == ActionStatus.OPEN:
        recipients = _active([action.owner_id]) or set(spoc_ids(action.owner_agency_id))
        event_at = at_london(action.due_date, MIDNIGHT)
        moments = {
            ACTION_DUE_SOON: at_london(working_days_before(action.due_date, timing("action_due_soon_working_days", 2))),
            ACTION_OVERDUE: at_london(next_working_day(action.due_date)),
        }
        reference = Case.objects.filter(pk=action.case_id).values_list("reference", flat=True).first() or ""
        link = link_to("panels:case", action.case_id)
        wanted = [
            Due(kind, pk, at, event_at, link, reference) for kind, at in moments.items() for pk in sorted(recipients)
        ]
    sync_reminders(obj=action, kinds=ACTION_KINDS, wanted=wanted)


def _action_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    due = dict(
        Action.objects.filter(pk__in={r.object_id for r in reminders}, status=ActionStatus.OPEN).values_list(
            "pk", "due_date"
        )
    )
    return {r.pk for r in reminders if r.object_id in due and due[r.object_id] == _date_of(r.event_at)}


register_kind(
    ReminderKind(
        code=ACTION_DUE_SOON,
        label="Panel action due soon",
        description="An action you or your agency own is due within two working days.",
        headline="A panel action for case {reference} is due on {when}",
        still_due=_action_still_due,
    )
)
register_kind(
    ReminderKind(
        code=ACTION_OVERDUE,
        label="Panel action overdue",
        description="An action you or your agency own has passed its due date.",
        headline="A panel action for case {reference} was due on {when} and is overdue",
        still_due=_action_still_due,
    )
)


# --- case reviews and post-exit reviews ----------------------------------------------------------------


def next_review_dates(case_ids: Iterable[int]) -> dict[int, dt.date]:
    """The review date the panel set most recently for each case (one query)."""
    rows = (
        Discussion.objects.filter(item__case_id__in=set(case_ids), next_review_date__isnull=False)
        .order_by("item__case_id", "-decided_at", "-pk")
        .distinct("item__case_id")
        .values_list("item__case_id", "next_review_date")
    )
    return {case_id: day for case_id, day in rows if day is not None}


def sync_case(case_id: int) -> None:
    """The case review the panel set, while the case is under support; its post-exit reviews once exited."""
    case = Case.objects.select_related("panel").get(pk=case_id)
    chair_ids = _active([case.panel.chair_id])
    people = sorted(chair_ids | _active([case.owner_id]))
    review_date = next_review_dates([case.pk]).get(case.pk) if case.status in UNDER_REVIEW else None
    wanted = []
    if review_date is not None and review_date > timezone.localdate():
        at = at_london(working_days_before(review_date, timing("case_review_working_days", 5)))
        link = link_to("panels:case", case.pk)
        wanted = [Due(CASE_REVIEW_DUE, pk, at, at_london(review_date, MIDNIGHT), link, case.reference) for pk in people]
    sync_reminders(obj=case, kinds=[CASE_REVIEW_DUE], wanted=wanted)
    for review in PostExitReview.objects.filter(case=case):
        sync_post_exit_review(review, case=case, people=people)


def sync_post_exit_review(review: PostExitReview, *, case: Case, people: Sequence[int]) -> None:
    wanted = []
    if review.completed_at is None and case.status in AWAITING_POST_EXIT:
        at = at_london(working_days_before(review.due_on, timing("post_exit_review_working_days", 10)))
        link = link_to("panels:case", case.pk)
        event_at = at_london(review.due_on, MIDNIGHT)
        wanted = [Due(POST_EXIT_REVIEW_DUE, pk, at, event_at, link, case.reference) for pk in people]
    sync_reminders(obj=review, kinds=[POST_EXIT_REVIEW_DUE], wanted=wanted)


def _case_review_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    ids = set(
        Case.objects.filter(pk__in={r.object_id for r in reminders}, status__in=UNDER_REVIEW).values_list(
            "pk", flat=True
        )
    )
    dates = next_review_dates(ids)
    return {r.pk for r in reminders if dates.get(r.object_id) == _date_of(r.event_at)}


def _post_exit_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    due = dict(
        PostExitReview.objects.filter(
            pk__in={r.object_id for r in reminders}, completed_at__isnull=True, case__status__in=AWAITING_POST_EXIT
        ).values_list("pk", "due_on")
    )
    return {r.pk for r in reminders if r.object_id in due and due[r.object_id] == _date_of(r.event_at)}


register_kind(
    ReminderKind(
        code=CASE_REVIEW_DUE,
        label="Case review due",
        description="A case you own or chair is due for review at the panel.",
        headline="Case {reference} is due for review on {when}",
        still_due=_case_review_still_due,
    )
)
register_kind(
    ReminderKind(
        code=POST_EXIT_REVIEW_DUE,
        label="Post-exit review due",
        description="A case that left the programme is due its 6- or 12-month post-exit review.",
        headline="The post-exit review of case {reference} is due on {when}",
        still_due=_post_exit_still_due,
    )
)


# --- nightly re-check ------------------------------------------------------------------------------


def sync_open_reminders() -> int:
    """Re-state the reminders of every upcoming meeting, open action and case under review or
    awaiting post-exit review (idempotent). Each record is locked as its services do."""
    count = 0
    upcoming = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gt=timezone.now())
    by_panel: dict[int, list[int]] = defaultdict(list)
    for pk, panel_id in upcoming.values_list("pk", "panel_id"):
        by_panel[panel_id].append(pk)
    for ids in by_panel.values():
        with transaction.atomic():
            meetings = list(Meeting.objects.select_for_update().select_related("panel").filter(pk__in=ids))
            sync_meetings(meetings)
            count += len(meetings)
    recent = timezone.localdate() - dt.timedelta(days=RECHECK_OVERDUE_DAYS)
    actions = Action.objects.filter(status=ActionStatus.OPEN, due_date__gte=recent)
    for pk in actions.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            action = Action.objects.select_for_update().filter(pk=pk).first()
            if action is not None:
                sync_action(action)
                count += 1
    cases = Case.objects.filter(status__in=(*UNDER_REVIEW, *AWAITING_POST_EXIT)).values_list("pk", flat=True)
    for pk in cases.iterator():
        with transaction.atomic():
            if Case.objects.select_for_update().filter(pk=pk).exists():
                sync_case(pk)
                count += 1
    return count
