"""Reads of referrals. Every function takes the viewer and asks sharing.policy."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.errors import NotFound, ValidationError
from partnership.models import AgencyKind, Role, User
from referrals.models import (
    Attachment,
    Case,
    ChronologyEntry,
    EntryDocument,
    EntryType,
    Ideology,
    InformationRequest,
    Outcome,
    Referral,
    ReferralAgencyGrant,
    ReferralStatus,
    RequestStatus,
)
from sharing import policy
from sharing.audit import record_event, record_list_read
from sharing.models import AuditVerb, BreakGlass

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
REFERRAL_LABEL = "referrals.referral"


@dataclass
class Page:
    results: list[Referral]
    next_cursor: str | None
    previous_cursor: str | None


def encode_cursor(direction: str, sort_key: int) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{sort_key}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        direction, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if direction not in ("n", "p"):
            raise ValueError(direction)
        return direction, int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from exc


def _page_size(size: Any) -> int:
    if size in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        value = int(size)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"page_size": ["Enter a whole number."]}) from exc
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Page size must be between 1 and {MAX_PAGE_SIZE}."]})
    return value


def _keyset_page(grants: Any, *, cursor: str | None, size: int) -> tuple[list[Any], str | None, str | None]:
    """One page of grant rows ordered newest change first, and the cursors around it.

    Keyset pagination on the unique ``sort_key``: a deep page costs what the first does,
    and no page counts the whole list.
    """
    direction, key = decode_cursor(cursor) if cursor else ("n", None)
    if key is not None:
        grants = (
            grants.filter(sort_key__lt=key)
            if direction == "n"
            else grants.filter(sort_key__gt=key).order_by("sort_key")
        )
    rows = list(grants[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if direction == "p":
        rows.reverse()
    next_cursor = previous_cursor = None
    if rows:
        if (direction == "n" and has_more) or direction == "p":
            next_cursor = encode_cursor("n", rows[-1].sort_key)
        if key is not None and (direction == "n" or has_more):
            previous_cursor = encode_cursor("p", rows[0].sort_key)
    return rows, next_cursor, previous_cursor


def referral_page_visible_to(
    *, viewer: User, cursor: str | None = None, page_size: Any = None, status: str | None = None
) -> Page:
    """A page of the referrals the viewer may read, newest change first (keyset pagination, one query)."""
    size = _page_size(page_size)
    grants = policy.visible_grants(viewer, Referral)
    if status:
        if status not in ReferralStatus.values:
            raise ValidationError({"status": [f"Unknown status {status!r}."]})
        grants = grants.filter(content_object__status=status)
    grants = grants.select_related("content_object__subject", "content_object__owning_agency").only(
        "sort_key",
        "content_object__id",
        "content_object__reference",
        "content_object__status",
        "content_object__owning_agency_id",
        "content_object__owning_agency__name",
        "content_object__classification",
        "content_object__concerns",
        "content_object__created_at",
        "content_object__updated_at",
        "content_object__submitted_at",
        "content_object__urgency",
        "content_object__ideology",
        "content_object__indicators",
        "content_object__immediate_risk",
        "content_object__created_by_id",
        "content_object__originator_only",
        "content_object__subject__id",
        "content_object__subject__given_name",
        "content_object__subject__family_name",
        "content_object__subject__date_of_birth",
    )
    rows, next_cursor, previous_cursor = _keyset_page(grants, cursor=cursor, size=size)
    results = [g.content_object for g in rows]
    record_list_read(actor=viewer, object_type=REFERRAL_LABEL, ids=[r.pk for r in results])
    return Page(results=results, next_cursor=next_cursor, previous_cursor=previous_cursor)


def access_referral(*, viewer: User, referral_id: Any, audit: bool = True) -> Referral:
    """Fetch, authorise and audit one read. The same 404 for missing and not-yours."""
    try:
        pk = int(referral_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    referral = (
        policy.visible_for_detail(viewer, Referral.objects.select_related("subject", "owning_agency", "created_by"))
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise NotFound("Not found.")
    if audit and not referral.is_draft:
        via_break_glass = not policy.visible(viewer, Referral.objects.filter(pk=pk)).exists()
        record_event(actor=viewer, verb=AuditVerb.RECORD_VIEWED, obj=referral, break_glass=via_break_glass)
    return referral


@dataclass
class ReferralContents:
    """What a viewer may see inside a referral, and how much is withheld above their clearance."""

    attachments: list[Attachment]
    withheld: int
    matches: list[dict[str, Any]] = field(default_factory=list)


def referral_contents(*, viewer: User, referral: Referral) -> ReferralContents:
    """Children of a referral the viewer already opened with ``access_referral``."""
    attachments = list(policy.visible_children(viewer, referral.attachments.all()))
    withheld = policy.withheld_children(viewer, referral.attachments.all()).count()
    return ReferralContents(
        attachments=attachments, withheld=withheld, matches=possible_matches(viewer=viewer, referral=referral)
    )


def possible_matches(*, viewer: User, referral: Referral) -> list[dict[str, Any]]:
    """Likely duplicates: a reference and link when the viewer may read the match, else only the holding agency."""
    matches = list(referral.possible_matches.select_related("matched__owning_agency").order_by("-created_at"))
    if not matches:
        return []
    readable = set(
        policy.visible(viewer, Referral.objects.filter(pk__in=[m.matched_id for m in matches])).values_list(
            "pk", flat=True
        )
    )
    out = []
    for m in matches:
        if m.matched_id in readable:
            out.append({"visible": True, "referral": m.matched, "reasons": m.reasons})
        else:
            out.append({"visible": False, "agency": m.matched.owning_agency.name, "reasons": m.reasons})
    return out


def referral_for_break_glass(*, reference: str) -> Referral | None:
    """The submitted referral with this reference, for a break-glass request. The caller
    (``sharing.services.open_break_glass``) decides; the answer is never shown unless it allows."""
    return Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(reference=reference.strip()).first()


def access_attachment(*, viewer: User, attachment_id: Any) -> Attachment:
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    attachment = Attachment.objects.select_related("referral").filter(pk=pk).first()
    if attachment is None or not policy.can(viewer, policy.Action.DOWNLOAD, attachment):
        raise NotFound("Not found.")
    via_break_glass = not policy.visible(viewer, Referral.objects.filter(pk=attachment.referral_id)).exists()
    record_event(
        actor=viewer,
        verb=AuditVerb.DOWNLOADED,
        obj=attachment,
        details={"referral": attachment.referral_id},
        break_glass=via_break_glass,
    )
    return attachment


def my_referrals(*, viewer: User, limit: int = 200) -> list[Referral]:
    """The viewer's own drafts and submitted referrals they can still read."""
    qs = policy.visible_for_detail(
        viewer, Referral.objects.filter(created_by=viewer).select_related("subject")
    ).order_by("-updated_at")[:limit]
    rows = list(qs)
    record_list_read(actor=viewer, object_type=REFERRAL_LABEL, ids=[r.pk for r in rows if not r.is_draft])
    return rows


def screening_queue(*, viewer: User, limit: int = 200) -> list[Referral]:
    """Referrals waiting for screening, readable by the viewer, most urgent and oldest first."""
    if not (viewer.agency and viewer.agency.screens_referrals):
        return []
    from django.db.models import Case, IntegerField, Value, When

    urgency_rank = Case(
        When(urgency="urgent", then=Value(0)),
        When(urgency="priority", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    qs = (
        policy.visible(viewer, Referral.objects.filter(status__in=[ReferralStatus.SUBMITTED, ReferralStatus.SCREENING]))
        .select_related("subject", "owning_agency")
        .annotate(urgency_rank=urgency_rank)
        .order_by("urgency_rank", "screening_due_at", "submitted_at")[:limit]
    )
    rows: list[Referral] = list(qs)
    record_list_read(actor=viewer, object_type=REFERRAL_LABEL, ids=[r.pk for r in rows], details={"list": "screening"})
    return rows


def search_referrals(*, viewer: User, query: str, limit: int = 50) -> list[Referral]:
    """Search within what the viewer may read: reference, names, postcode."""
    from referrals.matching import name_key, postcode_key

    text = query.strip()
    if len(text) < 2:
        raise ValidationError({"query": ["Enter at least 2 characters"]})
    words = text.split()
    condition = Q(reference__iexact=text) | Q(subject__postcode_key=postcode_key(text))
    if len(words) >= 2:
        condition |= Q(subject__name_key=name_key(words[0], " ".join(words[1:])))
    for word in words:
        condition |= Q(subject__family_name__iexact=word) | Q(subject__given_name__iexact=word)
    qs = (
        policy.visible(viewer, Referral.objects.filter(condition))
        .select_related("subject", "owning_agency")
        .order_by("-change_seq")[:limit]
    )
    rows = list(qs)
    record_event(
        actor=viewer, verb=AuditVerb.SEARCHED, object_type=REFERRAL_LABEL, details={"ids": [r.pk for r in rows]}
    )
    return rows


def shares_for(*, viewer: User, referral: Referral) -> QuerySet[Any]:
    """The ledger of who has access and why (for the referring practitioner and chairs)."""
    from sharing.models import Share

    return Share.objects.filter(
        content_type__app_label="referrals", content_type__model="referral", object_id=referral.pk
    ).select_related("agency", "granted_by")


def active_break_glass(*, viewer: User, referral: Referral) -> BreakGlass | None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    return BreakGlass.objects.filter(
        user=viewer,
        content_type=ContentType.objects.get_for_model(Referral),
        object_id=referral.pk,
        expires_at__gt=timezone.now(),
    ).first()


_ = ReferralAgencyGrant  # the grant table policy.visible_grants drives


# --- Cases, information requests and the chronology (issue 4) -------------------------

CASE_LABEL = "referrals.case"


@dataclass
class CasePage:
    results: list[Case]
    next_cursor: str | None
    previous_cursor: str | None


def case_page_visible_to(*, viewer: User, cursor: str | None = None, page_size: Any = None) -> CasePage:
    """Cases the viewer may read, newest change first: the referral grant index, cut to referrals with a case."""
    size = _page_size(page_size)
    grants = (
        policy.visible_grants(viewer, Referral)
        .filter(content_object__case__isnull=False)
        .select_related("content_object__case__panel", "content_object__case__owner", "content_object__subject")
    )
    rows, next_cursor, previous_cursor = _keyset_page(grants, cursor=cursor, size=size)
    results = [g.content_object.case for g in rows]
    record_list_read(actor=viewer, object_type=CASE_LABEL, ids=[c.pk for c in results])
    return CasePage(results=results, next_cursor=next_cursor, previous_cursor=previous_cursor)


def access_case(*, viewer: User, case_id: Any, audit: bool = True) -> Case:
    """Fetch, authorise and audit one case read; 404 for missing and not-yours alike."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    referral = (
        policy.visible_for_detail(viewer, Referral.objects.filter(pk=pk, case__isnull=False))
        .select_related("case__panel", "case__owner", "subject", "owning_agency")
        .first()
    )
    if referral is None:
        raise NotFound("Not found.")
    case = referral.case
    if audit:
        record_event(actor=viewer, verb=AuditVerb.RECORD_VIEWED, obj=case)
    return case


@dataclass
class ChronologyItem:
    entry: ChronologyEntry
    full: bool  # False: the reader sees only the releasable summary

    @property
    def text(self) -> str:
        return self.entry.body if self.full else self.entry.releasable_summary


@dataclass
class Chronology:
    items: list[ChronologyItem]
    withheld: int


def chronology_for(
    *,
    viewer: User,
    referral: Referral,
    agency_id: Any = None,
    entry_type: str | None = None,
    significant_only: bool = False,
    audit: bool = True,
) -> Chronology:
    """The chronology of a record the viewer already opened: oldest first, withheld counted, summaries applied.

    Two queries whatever its length: the entries and the withheld count.
    """
    entries = referral.entries.all()
    if agency_id not in (None, ""):
        try:
            entries = entries.filter(owning_agency_id=int(agency_id))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"agency": ["Choose an agency from the list"]}) from exc
    if entry_type:
        if entry_type not in EntryType.values:
            raise ValidationError({"entry_type": ["Choose an entry type from the list"]})
        entries = entries.filter(entry_type=entry_type)
    if significant_only:
        entries = entries.filter(significant=True)
    shown = list(
        policy.visible_children(viewer, entries, summary_field="releasable_summary")
        .select_related("owning_agency", "created_by")
        .prefetch_related("documents")
        .order_by("occurred_at", "id")
    )
    withheld = policy.withheld_children(viewer, entries, summary_field="releasable_summary").count()
    items = [ChronologyItem(entry=e, full=policy.reads_in_full(viewer, e)) for e in shown]
    if audit:
        record_event(
            actor=viewer,
            verb=AuditVerb.RECORD_VIEWED,
            obj=referral,
            details={"chronology": [e.pk for e in shown], "withheld": withheld},
        )
    return Chronology(items=items, withheld=withheld)


def access_entry_document(*, viewer: User, document_id: Any) -> EntryDocument:
    """A contribution's document: readable only when its entry is readable in full."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    document = EntryDocument.objects.select_related("entry__referral").filter(pk=pk).first()
    if document is None or not (
        policy.can(viewer, policy.Action.VIEW, document.entry) and policy.reads_in_full(viewer, document.entry)
    ):
        raise NotFound("Not found.")
    record_event(actor=viewer, verb=AuditVerb.DOWNLOADED, obj=document, details={"entry": document.entry_id})
    return document


def requests_for_agency(*, viewer: User, include_closed: bool = False) -> list[InformationRequest]:
    """The viewer's agency's information requests on cases it can read (the SPOC's queue)."""
    if not policy.is_case_worker(viewer):
        return []
    qs = InformationRequest.objects.filter(agency_id=viewer.agency_id or 0)
    if not include_closed:
        qs = qs.exclude(status=RequestStatus.CLOSED)
    visible_ids = policy.visible_grants(viewer, Referral).values("content_object_id")
    rows = list(
        qs.filter(case__referral__in=visible_ids)
        .select_related("case", "assigned_to", "requested_by")
        .order_by("due_date", "id")[:500]
    )
    record_list_read(actor=viewer, object_type="referrals.informationrequest", ids=[r.pk for r in rows])
    return rows


def requests_for_case(*, viewer: User, case: Case) -> list[InformationRequest]:
    """Requests on a case the viewer already opened (agency readiness for the coordinator)."""
    return list(case.information_requests.select_related("agency", "assigned_to").order_by("due_date", "id"))


def is_overdue(request: InformationRequest) -> bool:
    return request.status in (RequestStatus.OPEN, RequestStatus.ASSIGNED) and request.due_date < timezone.localdate()


# --- Outcomes report -----------------------------------------------------------------

SMALL_NUMBER = 5


@dataclass
class OutcomeReport:
    by_outcome: list[tuple[str, str]]
    by_sector: list[tuple[str, str]]
    by_ideology: list[tuple[str, str]]
    total: str


def _suppress(count: int) -> str:
    """Counts under 5 are shown as '<5' so nobody can be identified from small numbers."""
    return "<5" if 0 < count < SMALL_NUMBER else str(count)


def outcome_report(*, viewer: User, start: date, end: date) -> OutcomeReport:
    """Aggregate counts for a period (no case content): chairs, partnership admins and auditors."""
    if not (
        viewer.is_active
        and (viewer.is_superuser or {Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR} & set(viewer.roles))
    ):
        raise NotFound("Not found.")
    if end < start:
        raise ValidationError({"end": ["The end of the period must be after its start"]})
    submitted = Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(
        submitted_at__date__gte=start, submitted_at__date__lte=end
    )
    outcome_labels = dict(Outcome.choices)
    by_outcome_counts: dict[str, int] = {}
    for code, count in submitted.exclude(outcome="").values_list("outcome").annotate(n=Count("id")):
        by_outcome_counts[code] = count
    for code, count in (
        Case.objects.filter(referral__in=submitted).exclude(outcome="").values_list("outcome").annotate(n=Count("pk"))
    ):
        by_outcome_counts[code] = by_outcome_counts.get(code, 0) + count
    by_outcome = [(outcome_labels[c], _suppress(n)) for c, n in sorted(by_outcome_counts.items())]
    kinds = dict(AgencyKind.choices)
    by_sector = [
        (kinds.get(kind, kind), _suppress(n))
        for kind, n in submitted.values_list("owning_agency__kind")
        .annotate(n=Count("id"))
        .order_by("owning_agency__kind")
    ]
    ideologies = dict(Ideology.choices)
    by_ideology = [
        (ideologies.get(code, "Not recorded"), _suppress(n))
        for code, n in submitted.values_list("ideology").annotate(n=Count("id")).order_by("ideology")
    ]
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        object_type="report.outcomes",
        details={"start": start.isoformat(), "end": end.isoformat()},
    )
    return OutcomeReport(
        by_outcome=by_outcome, by_sector=by_sector, by_ideology=by_ideology, total=_suppress(submitted.count())
    )


# --- Pages for screening, cases, requests and the chronology (additive, issue 4) ------------


@dataclass
class ScreeningClock:
    """The statutory screening clock of a submitted referral, on London working days."""

    due_at: Any  # an aware datetime
    due_date: date
    working_days_left: int  # negative when overdue
    overdue: bool

    @property
    def working_days_overdue(self) -> int:
        return max(0, -self.working_days_left)


def screening_clock(referral: Referral, *, now: Any = None) -> ScreeningClock | None:
    """When screening is due and how many working days are left (no query)."""
    from core.working_days import LONDON, working_days_between

    if referral.screening_due_at is None:
        return None
    now = now or timezone.now()
    due_date = referral.screening_due_at.astimezone(LONDON).date()
    today = now.astimezone(LONDON).date()
    return ScreeningClock(
        due_at=referral.screening_due_at,
        due_date=due_date,
        working_days_left=working_days_between(today, due_date),
        overdue=now > referral.screening_due_at,
    )


def is_screening_officer(viewer: User) -> bool:
    """A screening officer of a screening agency (the services refuse anyone else)."""
    return bool(
        policy.is_case_worker(viewer)
        and Role.SCREENING_OFFICER in viewer.roles
        and viewer.agency is not None
        and viewer.agency.screens_referrals
    )


def access_request(*, viewer: User, request_id: Any, audit: bool = True) -> InformationRequest:
    """One information request, for its agency and for the case's managers; 404 for everyone else.

    The viewer must be able to read the case; then either be in the requested agency,
    or be the case owner or a panel chair.
    """
    try:
        pk = int(request_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    readable = policy.visible_for_detail(viewer, Referral.objects.all()).values("pk")
    request = (
        InformationRequest.objects.filter(pk=pk, case__referral__in=readable)
        .select_related("case__referral__subject", "case__owner", "agency", "assigned_to", "requested_by")
        .first()
    )
    if request is None or not (
        request.agency_id == viewer.agency_id or request.case.owner_id == viewer.pk or Role.PANEL_CHAIR in viewer.roles
    ):
        raise NotFound("Not found.")
    if audit:
        record_event(actor=viewer, verb=AuditVerb.RECORD_VIEWED, obj=request, details={"case": request.case_id})
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
    """The viewer's own view of a chronology, for export: audited as a disclosure (EXPORTED)."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": ["Choose CSV or PDF"]})
    chronology = chronology_for(
        viewer=viewer,
        referral=referral,
        agency_id=agency_id,
        entry_type=entry_type,
        significant_only=significant_only,
        audit=False,
    )
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        obj=referral,
        details={
            "chronology": [item.entry.pk for item in chronology.items],
            "summaries_only": [item.entry.pk for item in chronology.items if not item.full],
            "withheld": chronology.withheld,
            "format": fmt,
            "filters": {"agency": agency_id or "", "entry_type": entry_type or "", "significant": significant_only},
        },
    )
    return chronology


def can_read_outcome_report(viewer: User) -> bool:
    """Chairs, partnership admins and auditors (the same rule ``outcome_report`` applies)."""
    return bool(
        viewer.is_active
        and (viewer.is_superuser or {Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR} & set(viewer.roles))
    )
