"""Reads of referrals. Every function takes the viewer and asks sharing.policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from django.db.models import Count, Exists, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.audit import record_event, record_list_read
from core.errors import NotFound, ValidationError, id_or_not_found
from core.models import AuditVerb
from core.pagination import Page, keyset_page, page_size_of
from partnership.models import ClearanceLevel, User
from referrals import permissions
from referrals.models import (
    Attachment,
    ChronologyEntry,
    EntryType,
    Referral,
    ReferralAgencyGrant,
    ReferralStatus,
)
from referrals.permissions import Capability
from sharing import policy
from sharing.models import BreakGlass

REFERRAL_LABEL = "referrals.referral"
M = TypeVar("M", bound=Model)


def referral_page_visible_to(
    *, viewer: User, cursor: str | None = None, page_size: Any = None, status: str | None = None
) -> Page[Referral]:
    """A page of the referrals the viewer may read, newest change first (keyset pagination, one query)."""
    size = page_size_of(page_size)
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
    rows, next_cursor, previous_cursor = keyset_page(grants, cursor=cursor, size=size)
    results = [g.content_object for g in rows]
    record_list_read(actor=viewer, object_type=REFERRAL_LABEL, ids=[r.pk for r in results])
    return Page(results=results, next_cursor=next_cursor, previous_cursor=previous_cursor)


REFERRAL_PAGE_RELATIONS = (
    "subject",
    "owning_agency",
    "created_by",
    "concern_type",
    "source_sector",
    "consent_status",
    "subject__gender_category",
    "subject__ethnicity__parent",
)
"""What a referral's pages and answers show of it, fetched with it."""


def access_referral(
    *, viewer: User, referral_id: Any, audit: bool = True, relations: Sequence[str] = REFERRAL_PAGE_RELATIONS
) -> Referral:
    """Fetch, authorise and audit one read. The same 404 for missing and not-yours. ``relations``: what is
    fetched with it, by default what its pages show (the API's answers show only its subject)."""
    return _access(viewer, referral_id, Referral.objects.select_related(*relations), audit=audit)


def access_referral_page(*, viewer: User, referral_id: Any) -> Referral:
    """``access_referral`` for the referral's own page, in the same one query: with its case, if it has
    one yet (whether it may still be shared), as ``break_glass_until`` when the viewer's latest open
    break-glass on it ends (None without one), and as ``classification_name`` the name of the clearance
    level it is classified at."""
    from django.contrib.contenttypes.models import ContentType

    opening = (
        BreakGlass.objects.filter(
            user=viewer,
            content_type=ContentType.objects.get_for_model(Referral),
            object_id=OuterRef("pk"),
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .values("expires_at")[:1]
    )
    level = ClearanceLevel.objects.filter(rank=OuterRef("classification")).values("name")[:1]
    referrals = Referral.objects.select_related(*REFERRAL_PAGE_RELATIONS, "case").annotate(
        break_glass_until=Subquery(opening), classification_name=Subquery(level)
    )
    return _access(viewer, referral_id, referrals, audit=True)


def _access(viewer: User, referral_id: Any, referrals: QuerySet[Referral], *, audit: bool) -> Referral:
    pk = id_or_not_found(referral_id)
    referral = policy.with_read_basis(viewer, referrals).filter(pk=pk).first()
    if referral is None:
        raise NotFound("Not found.")
    if audit and not referral.is_draft:
        read_event(viewer, AuditVerb.RECORD_VIEWED, referral, referral)
    return referral


def read_event(
    viewer: User, verb: AuditVerb, obj: Model, record: Referral, details: dict[str, Any] | None = None
) -> None:
    """Audit a read of ``obj`` (the referral itself or something in it): flagged when the viewer reads
    ``record`` only through break-glass (rule 9). The flag comes from how the record was fetched
    (``policy.with_read_basis``): no query then, one otherwise."""
    record_event(
        actor=viewer, verb=verb, obj=obj, details=details, break_glass=policy.under_break_glass(viewer, record)
    )


def download_event(viewer: User, document: Model, basis: policy.ReadBasis, details: dict[str, Any]) -> None:
    """Audit serving a document that ``viewer`` reads through ``basis`` (flagged under break-glass)."""
    record_event(
        actor=viewer,
        verb=AuditVerb.DOWNLOADED,
        obj=document,
        details=details,
        break_glass=basis is policy.ReadBasis.BREAK_GLASS,
    )


@dataclass
class ReferralContents:
    """What a viewer may see inside a referral, and how much is withheld above their clearance."""

    attachments: list[Attachment]
    withheld: int
    matches: list[dict[str, Any]] = field(default_factory=list)


def referral_contents(*, viewer: User, referral: Referral) -> ReferralContents:
    """Children of a referral the viewer already opened with ``access_referral``: two queries, the
    attachments (with the withheld count) and the likely duplicates."""
    attachments, withheld = rows_and_count(
        policy.visible_children(viewer, referral.attachments.all()),
        policy.withheld_children(viewer, referral.attachments.all()),
    )
    return ReferralContents(
        attachments=attachments, withheld=withheld, matches=possible_matches(viewer=viewer, referral=referral)
    )


def with_count(rows: QuerySet[M], counted: QuerySet[Any]) -> QuerySet[M]:
    """``rows``, each carrying how many rows ``counted`` holds (a subquery): a page that shows rows and a
    count of others (withheld children, overdue requests) reads both in one query. ``count_of`` reads
    the count back."""
    count = counted.order_by().annotate(all_rows=Value(1)).values("all_rows").annotate(n=Count("pk")).values("n")
    return rows.annotate(counted_alongside=Coalesce(Subquery(count), 0))  # type: ignore[return-value]


def count_of(fetched: list[Any], counted: QuerySet[Any]) -> int:
    """The count ``with_count`` brought with ``fetched``; a query of its own only when nothing was fetched."""
    return int(fetched[0].counted_alongside) if fetched else counted.count()


def rows_and_count(rows: QuerySet[M], counted: QuerySet[Any]) -> tuple[list[M], int]:
    """The ``rows`` and how many rows ``counted`` holds, in one query (``with_count``)."""
    fetched = list(with_count(rows, counted))
    return fetched, count_of(fetched, counted)


def possible_matches(*, viewer: User, referral: Referral) -> list[dict[str, Any]]:
    """Likely duplicates: a reference and link when the viewer may read the match, else only the holding
    agency. One query: whether the viewer may read each match comes with it."""
    readable = policy.visible(viewer, Referral.objects.filter(pk=OuterRef("matched_id")))
    matches = (
        referral.possible_matches.select_related("matched__owning_agency")
        .annotate(readable=Exists(readable))
        .order_by("-created_at")
    )
    out = []
    for m in matches:
        if m.readable:
            out.append({"visible": True, "referral": m.matched, "reasons": m.reasons})
        else:
            out.append({"visible": False, "agency": m.matched.owning_agency.name, "reasons": m.reasons})
    return out


def referral_for_break_glass(*, reference: str) -> Referral | None:
    """The submitted referral with this reference, for a break-glass request. The caller
    (``sharing.services.open_break_glass``) decides; the answer is never shown unless it allows."""
    return Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(reference=reference.strip()).first()


def access_attachment(*, viewer: User, attachment_id: Any) -> Attachment:
    pk = id_or_not_found(attachment_id)
    attachment = Attachment.objects.select_related("referral").filter(pk=pk).first()
    basis = policy.child_read_basis(viewer, attachment) if attachment is not None else None
    if attachment is None or basis is None:
        raise NotFound("Not found.")
    download_event(viewer, attachment, basis, {"referral": attachment.referral_id})
    return attachment


def my_referrals(*, viewer: User, limit: int = 200) -> list[Referral]:
    """The viewer's own drafts and submitted referrals they can still read."""
    qs = policy.visible_for_detail(
        viewer, Referral.objects.filter(created_by=viewer).select_related("subject")
    ).order_by("-updated_at")[:limit]
    rows = list(qs)
    record_list_read(actor=viewer, object_type=REFERRAL_LABEL, ids=[r.pk for r in rows if not r.is_draft])
    return rows


SCREENING_WORK = (EntryType.DECONFLICTION, EntryType.SCREENING_NOTE, EntryType.RAG_REVIEW)
QUEUE_SORTS = {
    "urgency": ("urgency_rank", "screening_due_at", "submitted_at", "id"),
    "due": ("screening_due_at", "urgency_rank", "submitted_at", "id"),
    "received": ("-submitted_at", "id"),
}


def screening_queue(
    *,
    viewer: User,
    limit: int = 200,
    offset: int = 0,
    status: str = "",
    urgency: str = "",
    rag: str = "",
    due: str = "",
    screener: str = "",
    sort: str = "urgency",
) -> list[Referral]:
    """Referrals waiting for screening, readable by the viewer, filtered (``status``, ``urgency``, ``rag``
    ("none" for not rated), ``due``: "overdue" or "week", ``screener``: "me" for those the viewer has
    recorded screening work on), most urgent and oldest first unless ``sort`` says "due" or "received".
    One query; ``limit`` rows from ``offset``."""
    if not permissions.is_screening_officer(viewer):
        return []
    from django.db.models import Case, IntegerField, Value, When

    waiting = Referral.objects.filter(status__in=[ReferralStatus.SUBMITTED, ReferralStatus.SCREENING])
    if status:
        waiting = waiting.filter(status=status)
    if urgency:
        waiting = waiting.filter(urgency=urgency)
    if rag:
        waiting = waiting.filter(rag="" if rag == "none" else rag)
    now = timezone.now()
    if due == "overdue":
        waiting = waiting.filter(screening_due_at__lt=now)
    elif due == "week":
        waiting = waiting.filter(screening_due_at__lt=now + timedelta(days=7))
    if screener == "me":
        worked = ChronologyEntry.objects.filter(
            referral=OuterRef("pk"), created_by=viewer.pk, entry_type__in=SCREENING_WORK
        )
        waiting = waiting.filter(Exists(worked))

    urgency_rank = Case(
        When(urgency="urgent", then=Value(0)),
        When(urgency="priority", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    qs = (
        policy.visible(viewer, waiting)
        .select_related("subject", "owning_agency")
        .annotate(urgency_rank=urgency_rank)
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["urgency"]))[offset : offset + limit]
    )
    rows: list[Referral] = list(qs)
    record_list_read(actor=viewer, object_type=REFERRAL_LABEL, ids=[r.pk for r in rows], details={"list": "screening"})
    return rows


def search_referrals(*, viewer: User, query: str, limit: int = 50) -> list[Referral]:
    """Search within what the viewer may read (``referrals.search``): the referrals found, audited."""
    from referrals.search import search

    return search(viewer=viewer, query=query, limit=limit).results


def shares_for(*, viewer: User, referral: Referral) -> QuerySet[Any]:
    """The ledger of who has access and why (for the referring practitioner and chairs)."""
    from sharing.models import Share

    return Share.objects.filter(
        content_type__app_label="referrals", content_type__model="referral", object_id=referral.pk
    ).select_related("agency", "granted_by")


_ = ReferralAgencyGrant  # the grant table policy.visible_grants drives


# --- Cases, information requests and the chronology (issue 4) -------------------------


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


def access_for_screening(*, viewer: User, referral_id: Any, audit: bool = False) -> Referral:
    """A submitted referral, for screening officers of the screening agency (``Capability.SCREEN``).

    A draft or a referral the viewer may not read is a 404; anyone else who can read it gets a 403,
    and so does a screening officer who reads it only through break-glass.
    """
    referral = access_referral(viewer=viewer, referral_id=referral_id, audit=audit)
    if referral.is_draft:
        raise NotFound("Not found.")
    permissions.require(viewer, Capability.SCREEN, referral)
    return referral


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


def entry_kinds(*, viewer: User, referral: Referral) -> Counter[str]:
    """How many entries of each type the viewer may read (in full or as a summary) in the chronology of
    a record they already opened: what ``chronology_for`` would show, counted in one query."""
    shown = policy.visible_children(viewer, referral.entries.all(), summary_field="releasable_summary")
    return Counter(
        {row["entry_type"]: row["n"] for row in shown.order_by().values("entry_type").annotate(n=Count("pk"))}
    )


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

    Two queries whatever its length: the entries with the withheld count (``rows_and_count``), and
    their documents.
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
    shown, withheld = rows_and_count(
        policy.visible_children(viewer, entries, summary_field="releasable_summary")
        .select_related("owning_agency", "created_by")
        .prefetch_related("documents")
        .order_by("occurred_at", "id"),
        policy.withheld_children(viewer, entries, summary_field="releasable_summary"),
    )
    items = [ChronologyItem(entry=e, full=policy.reads_in_full(viewer, e)) for e in shown]
    if audit:
        read_event(
            viewer,
            AuditVerb.RECORD_VIEWED,
            referral,
            referral,
            {"chronology": [e.pk for e in shown], "withheld": withheld},
        )
    return Chronology(items=items, withheld=withheld)
