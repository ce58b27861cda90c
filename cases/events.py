"""Who is told what has just happened, for information requests.

- Information request received: the requested agency's SPOCs who may read the case, when it is sent;
  not delivered once the request is answered or closed.
- Information request assigned: the assignee, when they may read the case; not delivered once the
  request is theirs no longer or no longer open.
- Contribution received: whoever asked and the case owner, those of them who may read the case.

Never the person whose event it is. Each function is called, in one line, by the service that makes
the change, inside its transaction (``core.notifications.events``)."""

from __future__ import annotations

from collections.abc import Collection

from cases.lifecycle import REQUEST_OPEN
from cases.models import Contribution, InformationRequest
from cases.reminders import ABOUT_REQUEST
from core.notifications import EventKind, happened, link_to, register_event_kinds, still_among, still_theirs, tell_now
from partnership.models import User
from referrals.models import ChronologyEntry
from sharing.reminders import About, spoc_ids

REQUEST_RECEIVED = "request_received"
REQUEST_ASSIGNED = "request_assigned"
CONTRIBUTION_RECEIVED = "contribution_received"

OPEN_REQUESTS = InformationRequest.objects.filter(status__in=REQUEST_OPEN)
# A contribution is told of as its request is: only to those who may read the case it answers for.
ABOUT_CONTRIBUTION = About.through(Contribution, "information_request__referral")


def _tell_of_request(request: InformationRequest, kind: str, candidates: Collection[int | None], actor: User) -> None:
    readers = ABOUT_REQUEST.readers(request, {pk for pk in candidates if pk})
    link = link_to("cases:request", request.pk)
    tell_now(request, kind, readers, actor=actor, link=link, reference=request.reference)


def request_sent(request: InformationRequest, *, actor: User) -> None:
    """Tell the requested agency's SPOCs who may read the case that a request waits for them."""
    _tell_of_request(request, REQUEST_RECEIVED, spoc_ids(request.agency_id), actor)


def request_assigned(request: InformationRequest, *, actor: User) -> None:
    """Tell the assignee, when they may read the case, that the request is theirs."""
    _tell_of_request(request, REQUEST_ASSIGNED, [request.assigned_to_id], actor)


def contribution_returned(entry: ChronologyEntry, *, actor: User) -> None:
    """Tell whoever asked, and the case owner, those of them who may read the case, that ``entry`` answered."""
    contribution = Contribution.objects.select_related(
        "information_request__referral", "information_request__case"
    ).get(entry=entry)
    request = contribution.information_request
    candidates = {request.requested_by_id}
    if request.case is not None:  # no owner while the referral is screened
        candidates.add(request.case.owner_id)
    readers = ABOUT_CONTRIBUTION.readers(contribution, candidates)
    link = link_to("cases:request", request.pk)
    tell_now(contribution, CONTRIBUTION_RECEIVED, readers, actor=actor, link=link, reference=request.reference)


register_event_kinds(
    {
        REQUEST_RECEIVED: EventKind(
            "Information request received",
            "Another agency asked yours what it knows about a case.",
            "Your agency was asked for information about {reference} on {when}",
            still_due=still_among(OPEN_REQUESTS),
            may_tell=ABOUT_REQUEST.may_tell,
        ),
        REQUEST_ASSIGNED: EventKind(
            "Information request assigned to you",
            "An information request to your agency was assigned to you to answer.",
            "An information request about {reference} was assigned to you on {when}",
            still_due=still_theirs(OPEN_REQUESTS, "assigned_to_id"),
            may_tell=ABOUT_REQUEST.may_tell,
        ),
        CONTRIBUTION_RECEIVED: EventKind(
            "Contribution received",
            "An agency answered an information request you made, or one for a case you own.",
            "An agency answered an information request about {reference} on {when}",
            still_due=happened,
            may_tell=ABOUT_CONTRIBUTION.may_tell,
        ),
    }
)
