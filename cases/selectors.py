"""Reads of cases, information requests and the chronology. Every function takes the viewer and asks
sharing.policy; reads of content are audited."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases import permissions
from cases.lifecycle import REQUEST_OPEN
from cases.models import Case, EntryDocument, InformationRequest, RequestStatus
from core.audit import record_event, record_list_read
from core.errors import NotFound, ValidationError, id_or_not_found
from core.models import AuditVerb
from core.pagination import Page, keyset_page, page_size_of
from partnership.models import User
from referrals import permissions as referral_permissions
from referrals.models import Referral
from referrals.selectors import Chronology, chronology_for, download_event, read_event
from sharing import policy

CASE_LABEL = "cases.case"
REQUEST_LABEL = "cases.informationrequest"


def case_page_visible_to(*, viewer: User, cursor: str | None = None, page_size: Any = None) -> Page[Case]:
    """Cases the viewer may read, newest change first: the referral grant index, cut to referrals with a case."""
    size = page_size_of(page_size)
    grants = (
        policy.visible_grants(viewer, Referral)
        .filter(content_object__case__isnull=False)
        .select_related("content_object__case__panel", "content_object__case__owner", "content_object__subject")
    )
    rows, next_cursor, previous_cursor = keyset_page(grants, cursor=cursor, size=size)
    results = [g.content_object.case for g in rows]
    record_list_read(actor=viewer, object_type=CASE_LABEL, ids=[c.pk for c in results])
    return Page(results=results, next_cursor=next_cursor, previous_cursor=previous_cursor)


def access_case(*, viewer: User, case_id: Any, audit: bool = True) -> Case:
    """Fetch, authorise and audit one case read; 404 for missing and not-yours alike."""
    pk = id_or_not_found(case_id)
    referral = (
        policy.with_read_basis(viewer, Referral.objects.filter(pk=pk, case__isnull=False))
        .select_related("case__panel", "case__owner", "subject", "owning_agency")
        .first()
    )
    if referral is None:
        raise NotFound("Not found.")
    case = referral.case
    if audit:
        read_event(viewer, AuditVerb.RECORD_VIEWED, case, referral)
    return case


def access_entry_document(*, viewer: User, document_id: Any) -> EntryDocument:
    """A contribution's document: readable only when its entry is readable in full."""
    pk = id_or_not_found(document_id)
    document = EntryDocument.objects.select_related("entry__referral").filter(pk=pk).first()
    basis = policy.child_read_basis(viewer, document.entry) if document is not None else None
    if document is None or basis is None or not policy.reads_in_full(viewer, document.entry):
        raise NotFound("Not found.")
    download_event(viewer, document, basis, {"entry": document.entry_id})
    return document


def requests_for_agency(*, viewer: User, include_closed: bool = False) -> list[InformationRequest]:
    """The viewer's agency's information requests on referrals and cases it can read (the SPOC's queue)."""
    if not policy.is_case_worker(viewer):
        return []
    qs = InformationRequest.objects.filter(agency_id=viewer.agency_id or 0)
    if not include_closed:
        qs = qs.exclude(status=RequestStatus.CLOSED)
    visible_ids = policy.visible_grants(viewer, Referral).values("content_object_id")
    rows = list(
        qs.filter(referral__in=visible_ids)
        .select_related("referral", "case", "assigned_to", "requested_by")
        .order_by("due_date", "id")[:500]
    )
    record_list_read(actor=viewer, object_type=REQUEST_LABEL, ids=[r.pk for r in rows])
    return rows


def requests_for_case(*, viewer: User, case: Case) -> list[InformationRequest]:
    """Requests on a case the viewer already opened (agency readiness for the coordinator)."""
    rows = list(case.information_requests.select_related("agency", "assigned_to").order_by("due_date", "id"))
    for row in rows:  # the case and referral as the viewer opened them: asking what they may do costs nothing
        row.case, row.referral = case, case.referral
    return rows


def is_overdue(request: InformationRequest) -> bool:
    return request.status in REQUEST_OPEN and request.due_date < timezone.localdate()


def access_request(*, viewer: User, request_id: Any, audit: bool = True) -> InformationRequest:
    """One information request; 404 for everyone it is not for.

    Who it is for is ``cases.permissions.sees_request``: those who may read the case see it when they
    are in the requested agency, own the case or chair the case's panel. The requested agency's SPOC
    sees it even when the case is withheld from them (above their clearance, say), so they can see
    what is asked and by when: then its ``case_readable`` is False and pages show nothing of the case
    (DESIGN.md rules 6 and 12). A read through break-glass is flagged.
    """
    pk = id_or_not_found(request_id)
    case_readable = Exists(policy.visible_for_detail(viewer, Referral.objects.filter(pk=OuterRef("referral_id"))))
    request = (
        InformationRequest.objects.filter(pk=pk)
        .annotate(case_readable=case_readable)
        .select_related("referral", "case__owner", "case__panel", "agency", "assigned_to", "requested_by")
        .first()
    )
    if request is None:
        raise NotFound("Not found.")
    readable = bool(getattr(request, "case_readable", False))  # the annotation above
    if not permissions.sees_request(viewer, request, case_readable=readable):
        raise NotFound("Not found.")
    if readable:
        # The case's referral, read with how the viewer reads it: the audit flag and every capability
        # the request page asks come from this one row.
        referral = (
            policy.with_read_basis(viewer, Referral.objects.filter(pk=request.referral_id))
            .select_related("subject")
            .first()
        )
        if referral is None:  # the viewer's access ended a moment ago
            raise NotFound("Not found.")
        request.referral = referral
        if request.case is not None:
            request.case.referral = referral
    if audit:
        record_event(
            actor=viewer,
            verb=AuditVerb.RECORD_VIEWED,
            obj=request,
            details={"case": request.case_id, "referral": request.referral_id},
            break_glass=readable and policy.under_break_glass(viewer, request.referral),
        )
    return request


EXPORT_FORMATS = ("csv", "pdf")


def export_chronology(
    *,
    viewer: User,
    referral: Referral,
    fmt: str,
    agency_id: Any = None,
    entry_type: str | None = None,
    significant_only: bool = False,
) -> Chronology:
    """The viewer's own view of a chronology, for export: audited as a disclosure (EXPORTED).

    Exporting is a capability, not a read (``EXPORT_CHRONOLOGY``): break-glass gives reading only.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": ["Choose CSV or PDF"]})
    referral_permissions.require(viewer, referral_permissions.Capability.EXPORT_CHRONOLOGY, referral)
    chronology = chronology_for(
        viewer=viewer,
        referral=referral,
        agency_id=agency_id,
        entry_type=entry_type,
        significant_only=significant_only,
        audit=False,
    )
    read_event(
        viewer,
        AuditVerb.EXPORTED,
        referral,
        referral,
        {
            "chronology": [item.entry.pk for item in chronology.items],
            "summaries_only": [item.entry.pk for item in chronology.items if not item.full],
            "withheld": chronology.withheld,
            "format": fmt,
            "filters": {"agency": agency_id or "", "entry_type": entry_type or "", "significant": significant_only},
        },
    )
    return chronology


def requests_in_screening(*, viewer: User, referral: Referral) -> list[InformationRequest]:
    """The requests about a referral the screening officer already opened for screening (oldest first),
    for the screening's information requests page and its confirmation."""
    rows = list(referral.information_requests.select_related("agency", "assigned_to").order_by("created_at", "id"))
    for row in rows:
        row.referral = referral
    return rows
