"""Retention reads: the schedule, what is due for disposal, legal holds, and the disposal log.

A case leaves the programme when it exits, is not adopted, or closes (whichever came first); a
referral that never became a case leaves it when screening closed or signposted it. Either is due
for disposal once the schedule's years for its kind have passed since then, unless a live legal
hold covers it or it is already listed in a batch waiting for approval. Everything is decided in
SQL; the pages show records by reference only (the auditors' view: never content), so nothing
here reads a record's content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cases.lifecycle import POST_EXIT
from cases.models import Case, CaseStatus, CaseTransition
from core.errors import NotFound, id_or_not_found
from governance.models import (
    DEFAULT_RETENTION_YEARS,
    BatchStatus,
    DisposalBatch,
    DisposalItem,
    HoldScope,
    ItemStatus,
    LegalHold,
    RetentionRecordType,
    RetentionSchedule,
)
from governance.permissions import Capability, require
from partnership.models import PartnershipSettings, User
from referrals.models import PossibleMatch, Referral, ReferralStatus

CASE_LEFT = POST_EXIT | {CaseStatus.NOT_ADOPTED, CaseStatus.CLOSED}
"""Case states after leaving the programme: exited (and its reviews), not adopted, closed."""
REFERRAL_ENDED = frozenset({ReferralStatus.CLOSED, ReferralStatus.SIGNPOSTED})
"""Referral states that end it without a case."""
HELD = "Under a legal hold"
NO_LONGER_DUE = "No longer due under the current schedule"
GONE = "The record no longer exists"
HOLDS_SHOWN = 200


# --- The schedule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    case_years: int
    referral_years: int
    draft_days: int

    def years(self, record_type: str) -> int:
        return self.case_years if record_type == RetentionRecordType.CASE else self.referral_years


def current_schedule() -> Schedule:
    """The schedule in force (the defaults for a kind never set)."""
    years = dict.fromkeys(RetentionRecordType.values, DEFAULT_RETENTION_YEARS)
    years.update(RetentionSchedule.objects.values_list("record_type", "years"))
    return Schedule(
        case_years=years[RetentionRecordType.CASE],
        referral_years=years[RetentionRecordType.REFERRAL],
        draft_days=PartnershipSettings.current().draft_retention_days,
    )


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    return moment - relativedelta(years=years)


# --- Legal holds -------------------------------------------------------------------------------------


def live_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True)


def held(referral_id: str = "pk") -> ExpressionWrapper:
    """True for a row whose ``referral_id`` column (a referral's or its case's id) a live hold
    covers: a hold on that record, or a hold on the person of a referral linked to it as a
    possible duplicate (either way round)."""
    linked = PossibleMatch.objects.filter(
        Q(referral_id=OuterRef(OuterRef(referral_id)), matched_id=OuterRef("referral_id"))
        | Q(matched_id=OuterRef(OuterRef(referral_id)), referral_id=OuterRef("referral_id"))
    )
    on_record = live_holds().filter(referral_id=OuterRef(referral_id))
    on_person = live_holds().filter(Exists(linked), scope=HoldScope.PERSON)
    return ExpressionWrapper(Exists(on_record) | Exists(on_person), output_field=BooleanField())


def _holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.select_related("placed_by", "lifted_by").annotate(
        record_reference=Coalesce("referral__case__reference", "referral__reference")
    )


def holds_page(*, viewer: User | None) -> list[LegalHold]:
    """Live holds first, then lifted ones, newest first (one query), with their records' references."""
    _require(viewer, Capability.MANAGE_LEGAL_HOLD)
    return list(_holds().order_by(F("lifted_at").desc(nulls_first=True), "-placed_at", "-pk")[:HOLDS_SHOWN])


def hold_for(*, viewer: User, hold_id: Any) -> LegalHold:
    require(viewer, Capability.MANAGE_LEGAL_HOLD)
    hold = _holds().filter(pk=id_or_not_found(hold_id)).first()
    if hold is None:
        raise NotFound("Not found.")
    return hold


# --- What is due ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A record due for disposal, by reference: never its content."""

    referral_id: int
    reference: str
    record_type: str
    left_at: dt.datetime
    years: int

    @property
    def due_at(self) -> dt.datetime:
        return self.left_at + relativedelta(years=self.years)


def _cases_left() -> QuerySet[Any]:
    not_adopted = CaseTransition.objects.filter(case_id=OuterRef("pk"), to_status=CaseStatus.NOT_ADOPTED)
    return Case.objects.filter(status__in=CASE_LEFT).annotate(
        left_at=Coalesce("exited_at", Subquery(not_adopted.order_by("at").values("at")[:1]), "closed_at", "updated_at")
    )


def _referrals_ended() -> QuerySet[Any]:
    return Referral.objects.filter(status__in=REFERRAL_ENDED, case__isnull=True).annotate(
        left_at=Coalesce("screened_at", "updated_at")
    )


def _due(schedule: Schedule, now: dt.datetime) -> list[tuple[str, QuerySet[Any]]]:
    """Per kind, the records past their years and not under a hold (whether listed or not)."""
    return [
        (
            RetentionRecordType.CASE,
            _cases_left().filter(left_at__lte=years_before(now, schedule.case_years)).exclude(held()),
        ),
        (
            RetentionRecordType.REFERRAL,
            _referrals_ended().filter(left_at__lte=years_before(now, schedule.referral_years)).exclude(held()),
        ),
    ]


def due_for_disposal(*, now: dt.datetime, limit: int | None = None) -> list[Candidate]:
    """Records due and not yet listed in a batch waiting for approval, longest overdue first."""
    schedule = current_schedule()
    listed = DisposalItem.objects.filter(referral_id=OuterRef("pk"), status=ItemStatus.DUE)
    found: list[Candidate] = []
    for record_type, rows in _due(schedule, now):
        found.extend(
            Candidate(pk, reference, record_type, left_at, schedule.years(record_type))
            for pk, reference, left_at in rows.exclude(Exists(listed))
            .order_by("left_at", "pk")
            .values_list("pk", "reference", "left_at")[:limit]
        )
    found.sort(key=lambda c: (c.due_at, c.referral_id))
    return found[:limit] if limit is not None else found


def why_not_due(referral_id: int, *, now: dt.datetime) -> str:
    """Empty when the record is due now; otherwise why it is kept (a hold, the schedule, gone)."""
    if not Referral.objects.filter(pk=referral_id).exists():
        return GONE
    if any(rows.filter(pk=referral_id).exists() for _, rows in _due(current_schedule(), now)):
        return ""
    if Referral.objects.filter(pk=referral_id).filter(held()).exists():
        return HELD
    return NO_LONGER_DUE


# --- Batches and the log -----------------------------------------------------------------------------


def _batches() -> QuerySet[DisposalBatch]:
    return DisposalBatch.objects.select_related("approved_by").annotate(
        item_count=Count("items"),
        disposed_count=Count("items", filter=Q(items__status=ItemStatus.DISPOSED)),
        kept_count=Count("items", filter=Q(items__status=ItemStatus.KEPT)),
    )


def _require(viewer: User | None, capability: Capability) -> None:
    """``viewer=None`` is an operator at the shell (``manage.py retention_due``), as in the services."""
    if viewer is not None:
        require(viewer, capability)


def batches_waiting(*, viewer: User | None) -> list[DisposalBatch]:
    """Batches waiting for approval (or part-way through disposal), oldest first."""
    _require(viewer, Capability.REVIEW_DISPOSAL)
    return list(_batches().exclude(status=BatchStatus.DISPOSED).order_by("listed_at", "pk"))


def disposal_log(*, viewer: User, limit: int = 100) -> list[DisposalBatch]:
    """Disposed batches, newest first."""
    require(viewer, Capability.REVIEW_DISPOSAL)
    return list(_batches().filter(status=BatchStatus.DISPOSED).order_by("-disposed_at", "-pk")[:limit])


@dataclass
class BatchDetail:
    batch: DisposalBatch
    items: list[DisposalItem]

    @property
    def held_now(self) -> int:
        return sum(1 for item in self.items if getattr(item, "held_now", False))


def disposal_batch(*, viewer: User | None, batch_id: Any) -> BatchDetail:
    """One batch and its items by reference; a waiting item says whether a hold now covers it."""
    _require(viewer, Capability.REVIEW_DISPOSAL)
    batch = _batches().filter(pk=id_or_not_found(batch_id)).first()
    if batch is None:
        raise NotFound("Not found.")
    items = batch.items.order_by("due_at", "pk")
    if batch.status != BatchStatus.DISPOSED:
        items = items.annotate(held_now=held("referral_id"))
    return BatchDetail(batch=batch, items=list(items))
