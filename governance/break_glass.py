"""The break-glass review queue, read from the trail.

Every ``break_glass`` event is an opening, and the queue is those events (sealed or not: the
chain's sealer fills ``seq`` later, the id is insertion order), each with the review an auditor
made of it, if any. So no opening can be left out of the queue, whatever wrote it. An opening
waiting longer than ``review_within()`` working days is overdue: highlighted here and reminded
to the auditors (``governance.reminders``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models import Case as CaseWhen
from django.db.models.functions import Cast
from django.utils import timezone

from cases.models import Case
from core.audit import record_event
from core.errors import NotFound
from core.models import AuditEvent, AuditVerb
from core.notifications import at_london, london_date, timing
from core.pagination import Page, keyset_page, page_size_of
from core.working_days import LONDON, add_working_days, working_days_between
from governance import records
from governance.models import BreakGlassReview
from governance.permissions import Capability, can, require
from partnership.models import User

TRAIL_LABEL = "core.auditevent"
READS_LIMIT = 200
DEFAULT_OPENING_MINUTES = 60


def review_within() -> int:
    """Working days an opening may wait for review before it is overdue (default 5)."""
    return timing("break_glass_review_working_days", 5)


def openings() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(verb=AuditVerb.BREAK_GLASS)


def opening_id(value: Any) -> int:
    """An opening's id from a URL or a form: anything but a whole number finds nothing."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc


def waiting() -> QuerySet[AuditEvent]:
    return openings().filter(break_glass_review__isnull=True)


def age_in_working_days(opened_at: dt.datetime, today: dt.date) -> int:
    """Working days since the London day of the opening (0 on that day)."""
    return max(working_days_between(london_date(opened_at), today), 0)


def overdue_before(today: dt.date) -> dt.datetime:
    """Openings before this moment are older than ``review_within()`` working days on ``today``."""
    day = today
    while working_days_between(day, today) <= review_within():
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)


def overdue_from(opened_at: dt.datetime) -> dt.datetime:
    """09:00 London on the first day the opening is overdue (when the auditors are reminded)."""
    return at_london(add_working_days(london_date(opened_at), review_within() + 1))


@dataclass(frozen=True)
class QueueEntry:
    """An opening as the queue shows it: who, which record (its case reference once it is a case),
    when, why, how long it has waited."""

    event: AuditEvent
    reference: str
    referral_reference: str
    record_type: str
    age: int
    overdue: bool
    review: BreakGlassReview | None


@dataclass
class ReviewQueue:
    page: Page[QueueEntry]
    reviewed: bool
    waiting: int
    overdue: int
    review_within: int


def _entry(event: Any, today: dt.date, cutoff: dt.datetime) -> QueueEntry:
    review = event.break_glass_review if _has_review(event) else None
    case_reference, own_reference = getattr(event, "case_reference", "") or "", getattr(event, "reference", "") or ""
    return QueueEntry(
        event=event,
        reference=case_reference or own_reference,
        referral_reference=own_reference if case_reference and own_reference != case_reference else "",
        record_type=records.object_type_label(event.object_type),
        age=age_in_working_days(event.occurred_at, today),
        overdue=review is None and event.occurred_at < cutoff,
        review=review,
    )


def _has_review(event: AuditEvent) -> bool:
    try:
        return event.break_glass_review is not None
    except BreakGlassReview.DoesNotExist:
        return False


def _case_reference() -> Subquery:
    """The case reference of an opening of a referral or its case (they share one id), else null."""
    case = Case.objects.filter(pk=Cast(OuterRef("object_id"), output_field=BigIntegerField()))
    return Subquery(case.values("reference")[:1], output_field=CharField())


def _with_reviews(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    of_a_case = Q(object_id__regex=r"^[0-9]{1,18}$", object_type__in=records.REFERRAL_TYPES + records.CASE_TYPES)
    return events.annotate(
        reference=records.reference_expression(),
        case_reference=CaseWhen(When(of_a_case, then=_case_reference()), default=Value("")),
    ).select_related("break_glass_review__reviewed_by")


def break_glass_queue(
    *, viewer: User, reviewed: bool = False, cursor: str | None = None, page_size: Any = None
) -> ReviewQueue:
    """Openings waiting for review, oldest first; or (``reviewed``) those reviewed, newest first.
    With how many wait and how many of them are overdue. The read is audited."""
    require(viewer, Capability.READ_AUDIT_TRAIL)
    today = timezone.localdate()
    cutoff = overdue_before(today)
    counts = waiting().aggregate(waiting=Count("pk"), overdue=Count("pk", filter=Q(occurred_at__lt=cutoff)))
    events = openings().filter(break_glass_review__isnull=not reviewed)
    order = F("pk") if reviewed else -F("pk")
    rows, next_cursor, previous_cursor = keyset_page(
        _with_reviews(events).annotate(sort_key=order).order_by("-sort_key"),
        cursor=cursor,
        size=page_size_of(page_size),
    )
    entries = [_entry(event, today, cutoff) for event in rows]
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type=TRAIL_LABEL,
        details={"report": "break_glass_queue", "reviewed": reviewed, "openings": [e.event.pk for e in entries]},
    )
    return ReviewQueue(
        page=Page(results=entries, next_cursor=next_cursor, previous_cursor=previous_cursor),
        reviewed=reviewed,
        waiting=counts["waiting"],
        overdue=counts["overdue"],
        review_within=review_within(),
    )


@dataclass
class OpeningDetail:
    entry: QueueEntry
    reads: list[AuditEvent]
    ends_at: dt.datetime
    may_review: bool


def _reads_under(opening: AuditEvent, ends_at: dt.datetime) -> list[AuditEvent]:
    """What the opener did under break-glass while the opening was live (flagged events), oldest first."""
    flagged = AuditEvent.objects.filter(
        actor_id=opening.actor_id, break_glass=True, occurred_at__gte=opening.occurred_at, occurred_at__lte=ends_at
    ).exclude(pk=opening.pk)
    return list(flagged.annotate(reference=records.reference_expression()).order_by("pk")[:READS_LIMIT])


def break_glass_opening(*, viewer: User, event_id: Any) -> OpeningDetail:
    """One opening with its review (if made) and the flagged reads made under it. 404 for an id that
    is not a break-glass opening; the read is audited."""
    require(viewer, Capability.READ_AUDIT_TRAIL)
    opening = _with_reviews(openings().filter(pk=opening_id(event_id))).first()
    if opening is None:
        raise NotFound("Not found.")
    today = timezone.localdate()
    minutes = int((opening.details or {}).get("minutes") or DEFAULT_OPENING_MINUTES)
    ends_at = opening.occurred_at + dt.timedelta(minutes=minutes)
    reads = _reads_under(opening, ends_at)
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type=TRAIL_LABEL,
        details={"report": "break_glass_opening", "opening": opening.pk, "shown": len(reads)},
    )
    return OpeningDetail(
        entry=_entry(opening, today, overdue_before(today)),
        reads=reads,
        ends_at=ends_at,
        may_review=_may_review(viewer, opening),
    )


def _may_review(viewer: User, opening: AuditEvent) -> bool:
    return not _has_review(opening) and can(viewer, Capability.REVIEW_BREAK_GLASS, opening)
