"""Who is reminded of what, and when, for panels.

- Meeting notice and papers: the chair and deputy, and each member agency's
  named representatives (or its SPOCs when it names none), those who may open
  the meeting, the panel's
  ``notice_days_before`` and ``papers_days_before`` before the meeting; moved
  with the meeting, gone when it is cancelled.
- Action due soon and overdue: the action's owner (or the owning agency's
  SPOCs), only if they may read the case, at 09:00 two working days before and on the first working day after
  the due date; gone once the action is done.
- Case review due: the case owner and the chair who may read the case, at 09:00 five working days
  before the next review date the panel set; replaced by the next decision.
- Post-exit review due (6 and 12 months): the chair and the case owner (who may
  read the case), at
  09:00 ten working days before each review falls due; gone once held.

Each ``sync_*`` runs inside the transaction of the event that changed the
record. Timings: the panel's own, else ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cases.models import Case, CaseStatus
from core.models import Reminder
from core.notifications import (
    Wording,
    cancel_reminders,
    link_to,
    register_kinds,
    resync_each,
    still_due_while,
    sync_moments,
)
from core.notifications.due_dates import DueAhead, DueDateKinds
from core.working_days import LONDON
from panels.models import Action, ActionStatus, Discussion, Meeting, MeetingStatus, PostExitReview
from partnership.models import Panel, User
from referrals.reminders import ABOUT_REFERRAL
from sharing.reminders import About, spoc_ids

MEETING_NOTICE = "meeting_notice"
MEETING_PAPERS = "meeting_papers"
MEETING_KINDS = (MEETING_NOTICE, MEETING_PAPERS)
ACTION_DUE_SOON = "action_due_soon"
ACTION_OVERDUE = "action_overdue"
CASE_REVIEW_DUE = "case_review_due"
POST_EXIT_REVIEW_DUE = "post_exit_review_due"

UNDER_REVIEW = (CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE)
AWAITING_POST_EXIT = (CaseStatus.EXITED, CaseStatus.REVIEWED_6_MONTHS)


def _active(ids: Iterable[int | None]) -> set[int]:
    wanted = {pk for pk in ids if pk}
    return set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)) if wanted else set()


# --- meetings -----------------------------------------------------------------------------------


def _meeting_readers(meeting_ids: Collection[int], candidates: Iterable[int]) -> set[tuple[int, int]]:
    """(user id, meeting id) for each candidate who may open the meeting's page: the panels app's own
    rule (``panels.selectors.meetings_for``), asked per person (a panel's people are a handful)."""
    from panels.selectors import meetings_for  # panels.selectors imports panels.services, which imports this

    people = User.objects.select_related("agency", "clearance").filter(pk__in=set(candidates), is_active=True)
    return {
        (user.pk, meeting_id)
        for user in people
        for meeting_id in meetings_for(viewer=user).filter(pk__in=list(meeting_ids)).values_list("pk", flat=True)
    }


def panel_people(panel: Panel) -> set[int]:
    """The meeting's people by the panel's configuration: the chair and deputy, and each member agency's
    named representatives, or its SPOCs when it names none (active people only). They are invited to
    every meeting (``panels.services.invite_members``)."""
    people = _active([panel.chair_id, panel.deputy_chair_id])
    for membership in panel.memberships.prefetch_related("representatives"):
        named = {u.pk for u in membership.representatives.all() if u.is_active}
        people |= named or set(spoc_ids(membership.agency_id))
    return people


def meeting_recipients(meeting: Meeting, people: Iterable[int] | None = None) -> list[int]:
    """Those of ``people`` (by default the panel's, ``panel_people``) who may open the meeting."""
    candidates = panel_people(meeting.panel) if people is None else set(people)
    return sorted(pk for pk, _ in _meeting_readers([meeting.pk], candidates))


def _may_open_meeting(reminders: Sequence[Reminder]) -> set[int]:
    pairs = _meeting_readers({r.object_id for r in reminders}, {r.recipient_id for r in reminders})
    return {r.pk for r in reminders if (r.recipient_id, r.object_id) in pairs}


def sync_meetings(meetings: Iterable[Meeting]) -> None:
    """Notice and papers for each scheduled meeting still ahead; nothing for a cancelled or past one."""
    now = timezone.now()
    recipients_by_panel: dict[int, list[int]] = {}
    for meeting in meetings:
        if meeting.status != MeetingStatus.SCHEDULED or meeting.scheduled_at <= now:
            cancel_reminders(obj=meeting, kinds=MEETING_KINDS)
            continue
        panel = meeting.panel
        if panel.pk not in recipients_by_panel:  # every meeting of a panel has the same people
            recipients_by_panel[panel.pk] = meeting_recipients(meeting)
        # Calendar days on London's clock: a week before a 10:00 meeting is 10:00, across a clock change too.
        local = meeting.scheduled_at.astimezone(LONDON)
        sync_moments(
            obj=meeting,
            kinds=MEETING_KINDS,
            moments={
                MEETING_NOTICE: local - dt.timedelta(days=panel.notice_days_before),
                MEETING_PAPERS: local - dt.timedelta(days=panel.papers_days_before),
            },
            recipients=recipients_by_panel[panel.pk],
            event_at=meeting.scheduled_at,
            link=link_to("panels:meeting", meeting.pk),
        )


def _meeting_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    ahead = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gt=now)
    return still_due_while(reminders, ahead, "scheduled_at")


register_kinds(
    {
        MEETING_NOTICE: Wording(
            label="Panel meeting notice",
            description="A meeting of a panel you sit on is coming up (by default a week before).",
            headline="A panel meeting is coming up on {when}",
        ),
        MEETING_PAPERS: Wording(
            label="Panel papers ready",
            description="The agenda and papers for a meeting are ready to read (by default the day before).",
            headline="Papers are ready for the panel meeting on {when}",
        ),
    },
    still_due=_meeting_still_due,
    may_tell=_may_open_meeting,
    show_time=True,
)


# --- actions --------------------------------------------------------------------------------------

# An action's reminders are about its case: an owner, or an owning agency, that may not read the
# case is not told of it.
ABOUT_ACTION = About.through(Action, "case__referral")

ACTION_REMINDERS = DueDateKinds(
    soon=ACTION_DUE_SOON,
    overdue=ACTION_OVERDUE,
    open_records=Action.objects.filter(status=ActionStatus.OPEN),
    soon_timing="action_due_soon_working_days",
).register(
    soon=Wording(
        label="Panel action due soon",
        description="An action you or your agency own is due within two working days.",
        headline="A panel action for case {reference} is due on {when}",
    ),
    overdue=Wording(
        label="Panel action overdue",
        description="An action you or your agency own has passed its due date.",
        headline="A panel action for case {reference} was due on {when} and is overdue",
    ),
    may_tell=ABOUT_ACTION.may_tell,
)


def sync_action(action: Action) -> None:
    """An open action reminds its owner, or the owning agency's SPOCs, as the due date nears and passes."""
    if action.status != ActionStatus.OPEN:
        ACTION_REMINDERS.cancel(action)
        return
    recipients = ABOUT_ACTION.owners_else_spocs(action, _active([action.owner_id]), action.owner_agency_id)
    reference = Case.objects.filter(pk=action.case_id).values_list("reference", flat=True).first() or ""
    ACTION_REMINDERS.sync(
        action,
        due_date=action.due_date,
        recipients=recipients,
        link=link_to("panels:case", action.case_id),
        reference=reference,
    )


# --- case reviews and post-exit reviews ----------------------------------------------------------------


def _latest_review_date() -> Subquery:
    """The review date the panel set most recently for the case (``OuterRef("pk")``)."""
    set_by = Discussion.objects.filter(item__case=OuterRef("pk"), next_review_date__isnull=False)
    return Subquery(set_by.order_by("-decided_at", "-pk").values("next_review_date")[:1])


# A case review is due on the date its panel set last, while the case is under support.
CASES_UNDER_REVIEW = Case.objects.filter(status__in=UNDER_REVIEW).annotate(next_review_date=_latest_review_date())

CASE_REVIEW_REMINDER = DueAhead(
    kind=CASE_REVIEW_DUE,
    open_records=CASES_UNDER_REVIEW,
    due_field="next_review_date",
    timing="case_review_working_days",
    working_days=5,
).register(
    Wording(
        label="Case review due",
        description="A case you own or chair is due for review at the panel.",
        headline="Case {reference} is due for review on {when}",
    ),
    may_tell=ABOUT_REFERRAL.may_tell,
)

# A post-exit review's reminders are about its case (a case's own reminders are about its referral,
# which shares the case's id: ``ABOUT_REFERRAL``).
ABOUT_POST_EXIT_REVIEW = About.through(PostExitReview, "case__referral")

POST_EXIT_REVIEW_REMINDER = DueAhead(
    kind=POST_EXIT_REVIEW_DUE,
    open_records=PostExitReview.objects.filter(completed_at__isnull=True, case__status__in=AWAITING_POST_EXIT),
    due_field="due_on",
    timing="post_exit_review_working_days",
    working_days=10,
).register(
    Wording(
        label="Post-exit review due",
        description="A case that left the programme is due its 6- or 12-month post-exit review.",
        headline="The post-exit review of case {reference} is due on {when}",
    ),
    may_tell=ABOUT_POST_EXIT_REVIEW.may_tell,
)


def sync_case(case_id: int) -> None:
    """The case review the panel set, while the case is under support; its post-exit reviews once exited.
    The chair and the case owner, those of them who may read the case."""
    case = Case.objects.select_related("panel").get(pk=case_id)
    people = ABOUT_REFERRAL.readers(case, {case.panel.chair_id, case.owner_id})
    review_date = None
    if case.status in UNDER_REVIEW:
        review_date = CASES_UNDER_REVIEW.filter(pk=case.pk).values_list("next_review_date", flat=True).first()
    if review_date is not None and review_date > timezone.localdate():
        link = link_to("panels:case", case.pk)
        CASE_REVIEW_REMINDER.sync(case, due=review_date, recipients=people, link=link, reference=case.reference)
    else:
        CASE_REVIEW_REMINDER.cancel(case)
    for review in PostExitReview.objects.filter(case=case):
        sync_post_exit_review(review, case=case, people=people)


def sync_post_exit_review(review: PostExitReview, *, case: Case, people: Sequence[int]) -> None:
    if review.completed_at is None and case.status in AWAITING_POST_EXIT:
        link = link_to("panels:case", case.pk)
        POST_EXIT_REVIEW_REMINDER.sync(
            review, due=review.due_on, recipients=people, link=link, reference=case.reference
        )
    else:
        POST_EXIT_REVIEW_REMINDER.cancel(review)


# --- nightly re-check ------------------------------------------------------------------------------


def sync_open_reminders() -> int:
    """Re-state the reminders of every upcoming meeting, open action and case under review or
    awaiting post-exit review (idempotent). Each record is locked as its services do."""
    count = 0
    upcoming = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gt=timezone.now())
    by_panel: dict[int, list[int]] = defaultdict(list)
    for pk, panel_id in upcoming.values_list("pk", "panel_id"):
        by_panel[panel_id].append(pk)
    for ids in by_panel.values():  # a panel's meetings together: they share their recipients
        with transaction.atomic():
            meetings = list(Meeting.objects.select_for_update().select_related("panel").filter(pk__in=ids))
            sync_meetings(meetings)
            count += len(meetings)
    count += ACTION_REMINDERS.resync(sync_action)
    cases = Case.objects.filter(status__in=(*UNDER_REVIEW, *AWAITING_POST_EXIT))
    count += resync_each(cases, lambda case: sync_case(case.pk))
    return count
