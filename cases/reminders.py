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

from cases.lifecycle import REQUEST_OPEN
from cases.models import InformationRequest
from core.notifications import Wording, link_to
from core.notifications.due_dates import DueDateKinds
from sharing.reminders import About, spoc_ids

REQUEST_DUE_SOON = "request_due_soon"
REQUEST_OVERDUE = "request_overdue"


# --- information requests ----------------------------------------------------------------------

# A request's reminders are about its case: only those who may read the case's referral hear
# (a SPOC below the case's classification is not told of it, nor its reference).
ABOUT_REQUEST = About.through(InformationRequest, "referral")

REQUEST_REMINDERS = DueDateKinds(
    soon=REQUEST_DUE_SOON,
    overdue=REQUEST_OVERDUE,
    open_records=InformationRequest.objects.filter(status__in=REQUEST_OPEN),
    soon_timing="request_due_soon_working_days",
).register(
    soon=Wording(
        label="Information request due soon",
        description="An information request to your agency, or assigned to you, is due within two working days.",
        headline="An information request about {reference} is due on {when}",
    ),
    overdue=Wording(
        label="Information request overdue",
        description="An information request to your agency, or assigned to you, has passed its due date.",
        headline="An information request about {reference} was due on {when} and is overdue",
    ),
    may_tell=ABOUT_REQUEST.may_tell,
)
REQUEST_KINDS = REQUEST_REMINDERS.kinds


def sync_request(request: InformationRequest) -> None:
    """An open request reminds the agency's SPOCs and the assignee as the due date nears and passes."""
    if request.status not in REQUEST_OPEN:
        REQUEST_REMINDERS.cancel(request)
        return
    candidates = set(spoc_ids(request.agency_id))
    if request.assigned_to_id:
        candidates.add(request.assigned_to_id)
    REQUEST_REMINDERS.sync(
        request,
        due_date=request.due_date,
        recipients=ABOUT_REQUEST.readers(request, candidates),
        link=link_to("cases:request", request.pk),
        reference=request.reference,
    )


def sync_open_requests() -> int:
    """Re-state the reminders of every open request due from a week ago on (idempotent): a safety net for
    records written before a kind existed. Long-overdue requests are left alone rather than flooding inboxes."""
    return REQUEST_REMINDERS.resync(sync_request, lock=InformationRequest.objects.select_related("referral"))
