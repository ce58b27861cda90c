"""Reads of cases, information requests and the chronology. Every function takes the viewer and asks
sharing.policy; reads of content are audited."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as Case_
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from cases import permissions
from cases.lifecycle import REQUEST_OPEN
from cases.models import Case, EntryDocument, InformationRequest, RequestStatus
from core.audit import record_event, record_list_read
from core.errors import NotFound, ValidationError, id_or_not_found
from core.models import AuditVerb
from core.pagination import Page, keyset_page, page_beyond, page_size_of
from partnership.models import PartnershipSettings, User
from referrals import permissions as referral_permissions
from referrals.models import Referral
from referrals.selectors import Chronology, chronology_for, count_of, download_event, read_event, with_count
from sharing import policy

CASE_LABEL = "cases.case"
REQUEST_LABEL = "cases.informationrequest"


def case_page_visible_to(
    *, viewer: User, cursor: str | None = None, page_size: Any = None, filters: dict[str, str] | None = None
) -> Page[Case]:
    """Cases the viewer may read, newest change first unless ``filters`` say otherwise: the referral grant
    index, cut to referrals with a case. ``filters`` (``cases.list_forms.CaseListForm.filters``): ``tab``
    (mine, agency, all), ``status``, ``urgency``, ``rag`` (or "none"), ``owner`` (an id) and ``sort``."""
    size = page_size_of(page_size)
    wanted = filters or {}
    grants = (
        policy.visible_grants(viewer, Referral)
        .filter(content_object__case__isnull=False)
        .filter(_case_filters(viewer, wanted))
        .select_related(
            "content_object__case__panel", "content_object__case__owner", "content_object__subject", "content_object"
        )
    )
    order = CASE_ORDERS.get(wanted.get("sort") or "changed")
    if order is None:
        rows, next_cursor, previous_cursor = keyset_page(grants, cursor=cursor, size=size)
    else:
        rows, next_cursor, previous_cursor = sorted_page(grants.annotate(list_key=order.key), order, cursor, size)
    results = [g.content_object.case for g in rows]
    record_list_read(actor=viewer, object_type=CASE_LABEL, ids=[c.pk for c in results])
    return Page(results=results, next_cursor=next_cursor, previous_cursor=previous_cursor)


# --- Lists in an order of the reader's choosing -------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """A list's order: ``key`` (annotated on each row as ``list_key``) then the unique ``tiebreak``."""

    key: Any
    descending: bool
    tiebreak: str = "sort_key"
    tiebreak_descending: bool = True


def _cursor(direction: str, row: Any, order: Order) -> str:
    values = [direction, _plain(row.list_key), _plain(getattr(row, order.tiebreak))]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _beyond(order: Order, key: Any, tie: Any, *, forwards: bool) -> Q:
    """Rows after (``forwards``) or before the row whose order values are ``key`` and ``tie``."""

    def past(name: str, value: Any, descending: bool) -> Q:
        return Q(**{f"{name}__{'lt' if descending == forwards else 'gt'}": value})

    return past("list_key", key, order.descending) | (
        Q(list_key=key) & past(order.tiebreak, tie, order.tiebreak_descending)
    )


def sorted_page(rows: QuerySet[Any], order: Order, cursor: str | None, size: int) -> tuple[list[Any], Any, Any]:
    """One page of ``rows`` (annotated with ``list_key``) in ``order``, keyset-paginated like
    ``core.pagination.keyset_page``: a deep page costs what the first does, and nothing is counted."""
    direction, key, tie = "n", None, None
    if cursor:
        try:
            direction, key, tie = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            assert direction in ("n", "p")  # noqa: S101 - caught below
        except (ValueError, TypeError, AssertionError, binascii.Error) as exc:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from exc
    forwards = direction == "n"
    ordering = [
        F("list_key").desc() if order.descending == forwards else F("list_key").asc(),
        F(order.tiebreak).desc() if order.tiebreak_descending == forwards else F(order.tiebreak).asc(),
    ]
    if cursor:
        rows = rows.filter(_beyond(order, key, tie, forwards=forwards))
    return page_beyond(
        rows.order_by(*ordering),
        size=size,
        direction=direction,
        from_cursor=cursor is not None,
        cursor_to=lambda d, row: _cursor(d, row, order),
    )


URGENCY_RANK = Case_(
    When(content_object__urgency="urgent", then=Value(0)),
    When(content_object__urgency="priority", then=Value(1)),
    When(content_object__urgency="routine", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
CASE_ORDERS: dict[str, Order | None] = {
    "changed": None,  # the grant index's own order
    "urgency": Order(URGENCY_RANK, descending=False),
    "opened": Order(F("content_object__case__opened_at"), descending=True),
}


def _rag(value: str) -> str:
    return "" if value == "none" else value


def _case_filters(viewer: User, wanted: dict[str, str]) -> Q:
    """The case list's tab and filters, on the grant rows."""
    where = Q()
    tab = wanted.get("tab") or "all"
    if tab == "mine":
        where &= Q(content_object__case__owner_id=viewer.pk)
    elif tab == "agency":
        where &= Q(content_object__case__owner__agency_id=viewer.agency_id) | Q(
            content_object__owning_agency_id=viewer.agency_id
        )
    for name, lookup in (
        ("status", "content_object__case__status"),
        ("urgency", "content_object__urgency"),
        ("owner", "content_object__case__owner_id"),
    ):
        if wanted.get(name):
            where &= Q(**{lookup: wanted[name]})
    if wanted.get("rag"):
        where &= Q(content_object__rag=_rag(wanted["rag"]))
    return where


def access_case(*, viewer: User, case_id: Any, audit: bool = True) -> Case:
    """Fetch, authorise and audit one case read; 404 for missing and not-yours alike."""
    return _access_case(viewer, case_id, Referral.objects.all(), audit=audit)


def access_case_page(*, viewer: User, case_id: Any, audit: bool = True) -> Case:
    """``access_case`` for the case page, in the same one query: with, as ``request_working_days``, the
    partnership's usual working days to answer an information request (its request form's due date)."""
    days = PartnershipSettings.objects.filter(pk=1).values("information_request_working_days")
    case = _access_case(viewer, case_id, Referral.objects.annotate(request_working_days=Subquery(days)), audit=audit)
    noted = case.referral.request_working_days  # type: ignore[attr-defined]  # None before the row exists
    case.request_working_days = (  # type: ignore[attr-defined]
        PartnershipSettings.current().information_request_working_days if noted is None else noted
    )
    return case


def _access_case(viewer: User, case_id: Any, referrals: QuerySet[Referral], *, audit: bool) -> Case:
    pk = id_or_not_found(case_id)
    referral = (
        policy.with_read_basis(viewer, referrals.filter(pk=pk, case__isnull=False))
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


REQUEST_ORDERS: dict[str, Order] = {
    "due": Order(F("due_date"), descending=False, tiebreak="id", tiebreak_descending=False),
    "due_latest": Order(F("due_date"), descending=True, tiebreak="id"),
    "asked": Order(F("created_at"), descending=True, tiebreak="id"),
}


@dataclass(frozen=True)
class _NamedChair:
    """A panel that names the viewer its chair: asking ``chairs_panel`` of it asks whether the viewer
    holds what chairing needs, whichever panel names them."""

    chair_id: int
    deputy_chair_id: int | None = None


def _managed_requests(viewer: User) -> Q:
    """``cases.permissions.manages_request`` as a filter: requests on cases the viewer owns or whose panel
    they chair, and (for screening officers) requests sent while a referral is screened."""
    managed = Q(case__owner_id=viewer.pk)
    if referral_permissions.chairs_panel(viewer, _NamedChair(viewer.pk)):
        managed |= Q(case__panel__chair_id=viewer.pk) | Q(case__panel__deputy_chair_id=viewer.pk)
    if referral_permissions.is_screening_officer(viewer):
        managed |= Q(case__isnull=True)
    return managed


def _request_filters(viewer: User, wanted: dict[str, str]) -> Q:
    """The request queue's tab and filters."""
    tab = wanted.get("tab") or "agency"
    where = Q(agency_id=viewer.agency_id or 0)
    if tab == "mine":
        where &= Q(assigned_to_id=viewer.pk)
    elif tab == "all":
        where |= _managed_requests(viewer)
    where &= Q(status=wanted["status"]) if wanted.get("status") else ~Q(status=RequestStatus.CLOSED)
    today = timezone.localdate()
    if wanted.get("due") == "overdue":
        where &= Q(due_date__lt=today)
    elif wanted.get("due") == "week":
        where &= Q(due_date__gte=today, due_date__lte=today + dt.timedelta(days=7))
    for name, lookup in (("urgency", "referral__urgency"), ("rag", "referral__rag")):
        if wanted.get(name):
            where &= Q(**{lookup: _rag(wanted[name])})
    if wanted.get("assignee") == "none":
        where &= Q(assigned_to__isnull=True)
    elif wanted.get("assignee"):
        where &= Q(assigned_to_id=wanted["assignee"])
    return where


def request_page_visible_to(
    *, viewer: User, filters: dict[str, str], cursor: str | None = None, page_size: Any = None
) -> tuple[Page[InformationRequest], int]:
    """A page of the information requests the viewer's queue holds, on referrals and cases they may read,
    soonest due first unless ``filters`` say otherwise (``cases.list_forms.RequestQueueForm.filters``:
    ``tab`` mine (assigned to them), agency (to their agency) or all (and those they manage), ``status``
    (open ones unless said), ``due``, ``urgency``, ``rag``, ``assignee``, ``sort``); and how many of all
    the filtered requests are overdue. Two queries: the page with the count (``referrals.selectors.with_count``;
    the count on its own for an empty page) and the audit of the read."""
    size = page_size_of(page_size)
    if not policy.is_case_worker(viewer):
        return Page(results=[], next_cursor=None, previous_cursor=None), 0
    visible_ids = policy.visible_grants(viewer, Referral).values("content_object_id")
    requests = InformationRequest.objects.filter(referral__in=visible_ids).filter(_request_filters(viewer, filters))
    overdue_requests = requests.filter(status__in=REQUEST_OPEN, due_date__lt=timezone.localdate())
    order = REQUEST_ORDERS.get(filters.get("sort") or "due", REQUEST_ORDERS["due"])
    rows, next_cursor, previous_cursor = sorted_page(
        with_count(
            requests.select_related("referral", "case", "agency", "assigned_to").annotate(list_key=order.key),
            overdue_requests,
        ),
        order,
        cursor,
        size,
    )
    overdue = count_of(rows, overdue_requests)
    record_list_read(actor=viewer, object_type=REQUEST_LABEL, ids=[r.pk for r in rows])
    return Page(results=rows, next_cursor=next_cursor, previous_cursor=previous_cursor), overdue


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
