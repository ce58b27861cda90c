"""Who is reminded of what, and when, for referrals and information requests.

- Screening clock at risk: the screening agencies' screening officers, at 09:00
  on the working day before the screening falls due; gone once screened.
- Information request due soon and overdue: the requested agency's SPOCs and the
  assignee, at 09:00 two working days before the due date and on the first
  working day after it; gone once returned or closed, moved when extended.

Each ``sync_*`` runs inside the transaction of the event that changed the
record and states the reminders it should now have (core.notifications keeps
the outbox in step). Timings: ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

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
from partnership.models import Role, User
from referrals.models import InformationRequest, Referral, ReferralStatus, RequestStatus

SCREENING_AT_RISK = "screening_at_risk"
REQUEST_DUE_SOON = "request_due_soon"
REQUEST_OVERDUE = "request_overdue"
REQUEST_KINDS = (REQUEST_DUE_SOON, REQUEST_OVERDUE)

AWAITING_SCREENING = (ReferralStatus.SUBMITTED, ReferralStatus.SCREENING)
OPEN_REQUEST = (RequestStatus.OPEN, RequestStatus.ASSIGNED)


def link_to(url_name: str, *args: object) -> str:
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


def spoc_ids(agency_id: int) -> list[int]:
    return list(
        User.objects.filter(agency_id=agency_id, is_active=True, roles__contains=[Role.SPOC]).values_list(
            "pk", flat=True
        )
    )


def _date_of(moment: dt.datetime | None) -> dt.date | None:
    return london_date(moment) if moment else None


# --- screening clock ---------------------------------------------------------------------------


def sync_referral(referral: Referral) -> None:
    """While a referral awaits screening, its screening officers hear a working day before the clock runs out."""
    wanted = []
    if referral.status in AWAITING_SCREENING and referral.screening_due_at is not None:
        due_day = london_date(referral.screening_due_at)
        at = at_london(working_days_before(due_day, timing("screening_at_risk_working_days", 1)))
        officers = User.objects.filter(
            is_active=True,
            roles__contains=[Role.SCREENING_OFFICER],
            agency__screens_referrals=True,
            agency__is_active=True,
        ).values_list("pk", flat=True)
        link = link_to("referrals:detail", referral.pk)
        wanted = [
            Due(SCREENING_AT_RISK, pk, at, referral.screening_due_at, link, referral.reference or "") for pk in officers
        ]
    sync_reminders(obj=referral, kinds=[SCREENING_AT_RISK], wanted=wanted)


def _screening_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    due = dict(
        Referral.objects.filter(pk__in={r.object_id for r in reminders}, status__in=AWAITING_SCREENING).values_list(
            "pk", "screening_due_at"
        )
    )
    return {r.pk for r in reminders if r.object_id in due and due[r.object_id] == r.event_at}


register_kind(
    ReminderKind(
        code=SCREENING_AT_RISK,
        label="Screening clock at risk",
        description="A referral waiting for screening is due to be screened within a working day.",
        headline="Screening of referral {reference} is due by the end of {when}",
        still_due=_screening_still_due,
    )
)


# --- information requests ----------------------------------------------------------------------


def request_moments(due_date: dt.date) -> dict[str, dt.datetime]:
    return {
        REQUEST_DUE_SOON: at_london(working_days_before(due_date, timing("request_due_soon_working_days", 2))),
        REQUEST_OVERDUE: at_london(next_working_day(due_date)),
    }


def sync_request(request: InformationRequest) -> None:
    """An open request reminds the agency's SPOCs and the assignee as the due date nears and passes."""
    wanted = []
    if request.status in OPEN_REQUEST:
        recipients = set(spoc_ids(request.agency_id))
        if request.assigned_to_id and User.objects.filter(pk=request.assigned_to_id, is_active=True).exists():
            recipients.add(request.assigned_to_id)
        event_at = at_london(request.due_date, dt.time(0, 0))
        reference = request.case.reference
        link = link_to("referrals:detail", request.case_id)
        wanted = [
            Due(kind, pk, at, event_at, link, reference)
            for kind, at in request_moments(request.due_date).items()
            for pk in sorted(recipients)
        ]
    sync_reminders(obj=request, kinds=REQUEST_KINDS, wanted=wanted)


def _request_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    due = dict(
        InformationRequest.objects.filter(pk__in={r.object_id for r in reminders}, status__in=OPEN_REQUEST).values_list(
            "pk", "due_date"
        )
    )
    return {r.pk for r in reminders if r.object_id in due and due[r.object_id] == _date_of(r.event_at)}


register_kind(
    ReminderKind(
        code=REQUEST_DUE_SOON,
        label="Information request due soon",
        description="An information request to your agency, or assigned to you, is due within two working days.",
        headline="An information request for case {reference} is due on {when}",
        still_due=_request_still_due,
    )
)
register_kind(
    ReminderKind(
        code=REQUEST_OVERDUE,
        label="Information request overdue",
        description="An information request to your agency, or assigned to you, has passed its due date.",
        headline="An information request for case {reference} was due on {when} and is overdue",
        still_due=_request_still_due,
    )
)


# --- nightly re-check ----------------------------------------------------------------------------


RECHECK_OVERDUE_DAYS = 7


def sync_open_reminders() -> int:
    """Re-state the reminders of every referral whose screening clock is still running and every open
    request due from a week ago on (idempotent): a safety net for records written before a kind existed.
    Long-overdue records are left alone rather than flooding inboxes. Each record is locked while its
    reminders are re-stated, as its services do."""
    count = 0
    now = timezone.now()
    awaiting = Referral.objects.filter(status__in=AWAITING_SCREENING, screening_due_at__gte=now)
    for pk in awaiting.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            referral = Referral.objects.select_for_update().filter(pk=pk).first()
            if referral is not None:
                sync_referral(referral)
                count += 1
    recent = timezone.localdate() - dt.timedelta(days=RECHECK_OVERDUE_DAYS)
    requests = InformationRequest.objects.filter(status__in=OPEN_REQUEST, due_date__gte=recent)
    for pk in requests.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            request = InformationRequest.objects.select_for_update().select_related("case").filter(pk=pk).first()
            if request is not None:
                sync_request(request)
                count += 1
    return count
