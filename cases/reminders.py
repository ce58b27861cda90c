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

from django.utils import timezone

from cases.lifecycle import REQUEST_OPEN
from cases.models import InformationRequest
from core.models import Reminder
from core.notifications import (
    Wording,
    at_london,
    cancel_reminders,
    link_to,
    next_working_day,
    register_kinds,
    resync_each,
    still_due_while,
    sync_moments,
    timing,
    working_days_before,
)
from sharing.reminders import About, spoc_ids

REQUEST_DUE_SOON = "request_due_soon"
REQUEST_OVERDUE = "request_overdue"
REQUEST_KINDS = (REQUEST_DUE_SOON, REQUEST_OVERDUE)
RECHECK_OVERDUE_DAYS = 7
MIDNIGHT = dt.time(0, 0)


def due_date_moments(due_date: dt.date, *, soon: str, overdue: str, soon_working_days: int) -> dict[str, dt.datetime]:
    """When a due date is reminded of: ``soon`` at 09:00 ``soon_working_days`` working days before it, and
    ``overdue`` on the first working day after it."""
    return {
        soon: at_london(working_days_before(due_date, soon_working_days)),
        overdue: at_london(next_working_day(due_date)),
    }


# --- information requests ----------------------------------------------------------------------

# A request's reminders are about its case: only those who may read the case's referral hear
# (a SPOC below the case's classification is not told of it, nor its reference).
ABOUT_REQUEST = About.through(InformationRequest, "referral")


def sync_request(request: InformationRequest) -> None:
    """An open request reminds the agency's SPOCs and the assignee as the due date nears and passes."""
    if request.status not in REQUEST_OPEN:
        cancel_reminders(obj=request, kinds=REQUEST_KINDS)
        return
    candidates = set(spoc_ids(request.agency_id))
    if request.assigned_to_id:
        candidates.add(request.assigned_to_id)
    sync_moments(
        obj=request,
        kinds=REQUEST_KINDS,
        moments=due_date_moments(
            request.due_date,
            soon=REQUEST_DUE_SOON,
            overdue=REQUEST_OVERDUE,
            soon_working_days=timing("request_due_soon_working_days", 2),
        ),
        recipients=ABOUT_REQUEST.readers(request, candidates),
        event_at=at_london(request.due_date, MIDNIGHT),
        link=link_to("cases:request", request.pk),
        reference=request.reference,
    )


def _request_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    open_requests = InformationRequest.objects.filter(status__in=REQUEST_OPEN)
    return still_due_while(reminders, open_requests, "due_date", by_day=True)


register_kinds(
    {
        REQUEST_DUE_SOON: Wording(
            label="Information request due soon",
            description="An information request to your agency, or assigned to you, is due within two working days.",
            headline="An information request about {reference} is due on {when}",
        ),
        REQUEST_OVERDUE: Wording(
            label="Information request overdue",
            description="An information request to your agency, or assigned to you, has passed its due date.",
            headline="An information request about {reference} was due on {when} and is overdue",
        ),
    },
    still_due=_request_still_due,
    may_tell=ABOUT_REQUEST.may_tell,
)


def sync_open_requests() -> int:
    """Re-state the reminders of every open request due from a week ago on (idempotent): a safety net for
    records written before a kind existed. Long-overdue requests are left alone rather than flooding inboxes."""
    recent = timezone.localdate() - dt.timedelta(days=RECHECK_OVERDUE_DAYS)
    requests = InformationRequest.objects.filter(status__in=REQUEST_OPEN, due_date__gte=recent)
    return resync_each(requests, sync_request, lock=InformationRequest.objects.select_related("referral"))
