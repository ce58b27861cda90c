"""Who is reminded of what, and when, for information requests.

- Information request due soon and overdue: the requested agency's SPOCs and the
  assignee, those of them who may read the case, at 09:00 two working days
  before the due date and on the first working day after it, linking to the
  request; gone once returned or closed, moved when extended.

``sync_request`` runs inside the transaction of the event that changed the request
and states the reminders it should now have (core.notifications keeps the outbox
in step). Timings: ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from django.db import transaction
from django.utils import timezone

from cases.lifecycle import REQUEST_OPEN
from cases.models import InformationRequest
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
from referrals.models import Referral
from referrals.reminders import link_to, spoc_ids
from sharing.reminders import About

REQUEST_DUE_SOON = "request_due_soon"
REQUEST_OVERDUE = "request_overdue"
REQUEST_KINDS = (REQUEST_DUE_SOON, REQUEST_OVERDUE)
RECHECK_OVERDUE_DAYS = 7


def _date_of(moment: dt.datetime | None) -> dt.date | None:
    return london_date(moment) if moment else None


# --- information requests ----------------------------------------------------------------------


def _case_referrals(request_ids: Collection[int]) -> dict[int, Referral]:
    rows = InformationRequest.objects.filter(pk__in=list(request_ids)).select_related("case__referral")
    return {r.pk: r.case.referral for r in rows}


# A request's reminders are about its case: only those who may read the case's referral hear
# (a SPOC below the case's classification is not told of it, nor its reference).
ABOUT_REQUEST = About(records_of=_case_referrals)


def request_moments(due_date: dt.date) -> dict[str, dt.datetime]:
    return {
        REQUEST_DUE_SOON: at_london(working_days_before(due_date, timing("request_due_soon_working_days", 2))),
        REQUEST_OVERDUE: at_london(next_working_day(due_date)),
    }


def sync_request(request: InformationRequest) -> None:
    """An open request reminds the agency's SPOCs and the assignee as the due date nears and passes."""
    wanted = []
    if request.status in REQUEST_OPEN:
        candidates = set(spoc_ids(request.agency_id))
        if request.assigned_to_id:
            candidates.add(request.assigned_to_id)
        event_at = at_london(request.due_date, dt.time(0, 0))
        reference = request.case.reference
        link = link_to("cases:request", request.pk)
        wanted = [
            Due(kind, pk, at, event_at, link, reference)
            for kind, at in request_moments(request.due_date).items()
            for pk in ABOUT_REQUEST.readers(request, candidates)
        ]
    sync_reminders(obj=request, kinds=REQUEST_KINDS, wanted=wanted)


def _request_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    due = dict(
        InformationRequest.objects.filter(pk__in={r.object_id for r in reminders}, status__in=REQUEST_OPEN).values_list(
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
        may_tell=ABOUT_REQUEST.may_tell,
    )
)
register_kind(
    ReminderKind(
        code=REQUEST_OVERDUE,
        label="Information request overdue",
        description="An information request to your agency, or assigned to you, has passed its due date.",
        headline="An information request for case {reference} was due on {when} and is overdue",
        still_due=_request_still_due,
        may_tell=ABOUT_REQUEST.may_tell,
    )
)


def sync_open_requests() -> int:
    """Re-state the reminders of every open request due from a week ago on (idempotent): a safety net for
    records written before a kind existed. Long-overdue requests are left alone rather than flooding inboxes."""
    count = 0
    recent = timezone.localdate() - dt.timedelta(days=RECHECK_OVERDUE_DAYS)
    requests = InformationRequest.objects.filter(status__in=REQUEST_OPEN, due_date__gte=recent)
    for pk in requests.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            request = InformationRequest.objects.select_for_update().select_related("case").filter(pk=pk).first()
            if request is not None:
                sync_request(request)
                count += 1
    return count
