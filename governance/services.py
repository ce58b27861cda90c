"""Writes of information governance: an auditor's review of a break-glass opening; the retention
schedule, legal holds, listing what is due for disposal and approving its disposal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from cases.models import Case
from core.audit import record_event
from core.errors import ConflictError, NotFound, ValidationError, id_or_not_found
from core.models import AuditVerb
from core.services import save_change
from governance import break_glass, disposal, records, reminders, retention
from governance.models import (
    MAX_DRAFT_DAYS,
    MAX_RETENTION_YEARS,
    BatchStatus,
    BreakGlassReview,
    DisposalBatch,
    DisposalItem,
    HoldScope,
    ItemStatus,
    LegalHold,
    RetentionRecordType,
    RetentionSchedule,
    ReviewDecision,
)
from governance.permissions import Capability, require
from partnership import services as partnership_services
from partnership.models import PartnershipSettings, User
from partnership.snapshots import diff
from referrals.models import Referral

DECISION_MESSAGE = "Select whether the break-glass opening was justified"
NOTE_MESSAGE = "Enter a note saying why you decided this"
ALREADY_REVIEWED = "Another auditor has already reviewed this opening. Its review is shown below."


def _check_decision(decision: str, note: str) -> None:
    errors: dict[str, list[str]] = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = [DECISION_MESSAGE]
    if not note.strip():
        errors["note"] = [NOTE_MESSAGE]
    if errors:
        raise ValidationError(errors)


def _insert_once(row: Model, *, conflict: str) -> None:
    """Insert a row a unique constraint allows once; a second, concurrent or not, is a conflict."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError as exc:
        raise ConflictError(conflict) from exc


@transaction.atomic
def review_break_glass_opening(*, actor: User, event_id: Any, decision: str, note: str) -> BreakGlassReview:
    """Record an auditor's decision on one opening (once), audit it, and stop its reminders.

    404 for an id that is not an opening; 403 for anyone but an auditor, and for the opener
    themselves; 409 when it has been reviewed already.
    """
    require(actor, Capability.READ_AUDIT_TRAIL)
    opening = break_glass.openings().filter(pk=break_glass.opening_id(event_id)).first()
    if opening is None:
        raise NotFound("Not found.")
    require(actor, Capability.REVIEW_BREAK_GLASS, opening)
    _check_decision(decision, note)
    review = BreakGlassReview(
        opening=opening, decision=decision, note=note.strip(), reviewed_by=actor, reviewed_at=timezone.now()
    )
    review.full_clean(validate_unique=False)
    _insert_once(review, conflict=ALREADY_REVIEWED)
    record_event(
        actor=actor,
        verb=AuditVerb.CREATED,
        obj=review,
        reason=review.note,
        details={
            "review": "break_glass",
            "opening": opening.pk,
            "decision": decision,
            "opener": opening.actor_username,
            "record": f"{opening.object_type}:{opening.object_id}",
        },
    )
    reminders.review_done(opening)
    return review


# --- Retention and disposal --------------------------------------------------------------------------

SCHEDULE_YEARS_MESSAGE = f"Enter a whole number of years from 1 to {MAX_RETENTION_YEARS}"
REFERRALS_LONGER_MESSAGE = "Referrals that never became cases cannot be kept longer than cases"
DRAFT_DAYS_MESSAGE = f"Enter a whole number of days from 1 to {MAX_DRAFT_DAYS}"
HOLD_SCOPE_MESSAGE = "Select what the hold covers"
HOLD_REASON_MESSAGE = "Enter why the records must be kept"
LIFT_REASON_MESSAGE = "Enter why the hold can be lifted"
HOLD_EXISTS = "A hold like this is already in place on this record."
HOLD_LIFTED = "This hold has already been lifted."
BATCH_DISPOSED = "This batch has already been disposed of."
BATCH_LIMIT = 100
"""At most this many records a batch: one approval, disposed in one sitting."""


def _schedule_errors(case_years: Any, referral_years: Any, draft_days: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value, top, message in (
        ("case_years", case_years, MAX_RETENTION_YEARS, SCHEDULE_YEARS_MESSAGE),
        ("referral_years", referral_years, MAX_RETENTION_YEARS, SCHEDULE_YEARS_MESSAGE),
        ("draft_days", draft_days, MAX_DRAFT_DAYS, DRAFT_DAYS_MESSAGE),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            errors[name] = [message]
    if not errors and referral_years > case_years:
        errors["referral_years"] = [REFERRALS_LONGER_MESSAGE]
    return errors


@transaction.atomic
def set_retention_schedule(*, actor: User | None, case_years: int, referral_years: int, draft_days: int) -> None:
    """Set how long cases, referrals that never became cases, and drafts are kept (audited, each
    change with before and after). Drafts' days are the partnership's setting, changed through it."""
    if actor is not None:
        require(actor, Capability.CONFIGURE_RETENTION)
    errors = _schedule_errors(case_years, referral_years, draft_days)
    if errors:
        raise ValidationError(errors)
    wanted = {RetentionRecordType.CASE: case_years, RetentionRecordType.REFERRAL: referral_years}
    rows = {row.record_type: row for row in RetentionSchedule.objects.select_for_update()}
    now = timezone.now()
    for record_type, years in wanted.items():
        row = rows.get(record_type) or RetentionSchedule(record_type=record_type)
        before = {"years": row.years}  # a kind never set is at the default
        if before == {"years": years}:
            continue
        row.years, row.updated_at, row.updated_by = years, now, actor
        row.full_clean(validate_unique=False)
        row.save()
        details = {
            "action": "changed" if row.pk else "created",
            "setting": "retention_schedule",
            **diff(before, {"years": years}),
        }
        record_event(actor=actor, verb=AuditVerb.CONFIGURED, obj=row, details=details)
    if PartnershipSettings.current().draft_retention_days != draft_days:
        partnership_services.update_partnership_settings(actor=actor, changes={"draft_retention_days": draft_days})


def _hold_target(reference: str) -> Referral:
    normalised = records.normalise_reference(reference)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .filter(pk__in=records.referral_ids_for_reference(normalised))
        .first()
    )
    if referral is None:
        raise ValidationError({"reference": ["No referral or case has this reference"]})
    return referral


@transaction.atomic
def place_legal_hold(*, actor: User, reference: str, scope: str, reason: str) -> LegalHold:
    """Stop disposal of a case (or referral), or of the person and their linked records (audited)."""
    require(actor, Capability.MANAGE_LEGAL_HOLD)
    errors: dict[str, list[str]] = {}
    if scope not in HoldScope.values:
        errors["scope"] = [HOLD_SCOPE_MESSAGE]
    if not reason.strip():
        errors["reason"] = [HOLD_REASON_MESSAGE]
    try:
        referral = _hold_target(reference)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    hold = LegalHold(referral=referral, scope=scope, reason=reason.strip(), placed_by=actor, placed_at=timezone.now())
    hold.full_clean(validate_unique=False, validate_constraints=False)
    _insert_once(hold, conflict=HOLD_EXISTS)
    record_event(
        actor=actor,
        verb=AuditVerb.CREATED,
        obj=hold,
        reason=hold.reason,
        details={"legal_hold": "placed", "scope": scope, "referral": referral.pk, "reference": _reference_of(referral)},
    )
    return hold


def _reference_of(referral: Referral) -> str:
    return Case.objects.filter(pk=referral.pk).values_list("reference", flat=True).first() or referral.reference or ""


@transaction.atomic
def lift_legal_hold(*, actor: User, hold_id: Any, reason: str) -> LegalHold:
    """Lift a live hold, saying why (audited); the records become due again by the schedule."""
    require(actor, Capability.MANAGE_LEGAL_HOLD)
    hold = LegalHold.objects.select_for_update().filter(pk=id_or_not_found(hold_id)).first()
    if hold is None:
        raise NotFound("Not found.")
    if not hold.is_live:
        raise ConflictError(HOLD_LIFTED)
    if not reason.strip():
        raise ValidationError({"reason": [LIFT_REASON_MESSAGE]})
    hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, timezone.now(), reason.strip()
    hold.full_clean(validate_unique=False, validate_constraints=False)
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=hold,
        reason=hold.lift_reason,
        details={"legal_hold": "lifted", "scope": hold.scope, "referral": hold.referral_id},
    )
    return hold


@transaction.atomic
def list_due_for_disposal(*, now: dt.datetime | None = None) -> list[DisposalBatch]:
    """List every record due and not yet listed, in batches of at most ``BATCH_LIMIT`` (the system's
    job, nightly; idempotent: a second run lists nothing new). Each new batch is audited."""
    now = now or timezone.now()
    # One listing at a time: the schedule's rows are the lock (a second run waits, then finds nothing).
    list(RetentionSchedule.objects.select_for_update())
    candidates = retention.due_for_disposal(now=now)
    batches = []
    for start in range(0, len(candidates), BATCH_LIMIT):
        chunk = candidates[start : start + BATCH_LIMIT]
        batch = DisposalBatch.objects.create(listed_at=now)
        DisposalItem.objects.bulk_create(
            DisposalItem(
                batch=batch,
                referral_id=c.referral_id,
                reference=c.reference,
                record_type=c.record_type,
                left_at=c.left_at,
                rule_years=c.years,
                due_at=c.due_at,
            )
            for c in chunk
        )
        record_event(
            actor=None,
            verb=AuditVerb.CREATED,
            obj=batch,
            details={"disposal_batch": "listed", "items": len(chunk), "references": [c.reference for c in chunk]},
        )
        batches.append(batch)
    return batches


@dataclass(frozen=True)
class DisposalOutcome:
    batch: DisposalBatch
    disposed: int
    kept: int


@transaction.atomic
def _approve(actor: User, batch_id: int) -> DisposalBatch:
    batch = DisposalBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("Not found.")
    if batch.status == BatchStatus.DISPOSED:
        raise ConflictError(BATCH_DISPOSED)
    if batch.status == BatchStatus.DUE:
        details = {"disposal_batch": "approved", "items": batch.items.filter(status=ItemStatus.DUE).count()}
        changes = {"status": BatchStatus.APPROVED, "approved_by": actor, "approved_at": timezone.now()}
        save_change(batch, changes, actor=actor, verb=AuditVerb.CHANGE_APPROVED, details=details)
    return batch


def _dispose_item(actor: User, batch: DisposalBatch, item_id: int, now: dt.datetime) -> bool:
    """Dispose of one listed record in its own transaction, or keep it (held, no longer due, gone)."""
    with transaction.atomic():
        item = DisposalItem.objects.select_for_update().get(pk=item_id)
        if item.status != ItemStatus.DUE:
            return item.status == ItemStatus.DISPOSED
        Referral.objects.select_for_update(of=("self",)).filter(pk=item.referral_id).first()
        kept = retention.why_not_due(item.referral_id, now=now)
        if kept:
            item.status, item.kept_reason = ItemStatus.KEPT, kept
            item.save(update_fields=["status", "kept_reason"])
            return False
        removed = disposal.destroy_referral(item.referral_id)
        item.status, item.removed, item.disposed_at = ItemStatus.DISPOSED, removed.as_log(), timezone.now()
        item.save(update_fields=["status", "removed", "disposed_at"])
        record_event(
            actor=actor,
            verb=AuditVerb.REMOVED,
            object_type="referrals.referral",
            object_id=item.referral_id,
            reason="Disposed of under the retention schedule",
            details={
                "disposal_batch": batch.pk,
                "reference": item.reference,
                "rule": {"record_type": item.record_type, "years": item.rule_years},
                "removed": removed.as_log(),
            },
        )
        return True


def approve_disposal(*, actor: User, batch_id: Any, now: dt.datetime | None = None) -> DisposalOutcome:
    """An information-governance officer approves a batch: each record in it still due is disposed of
    (its rows and files), each in its own transaction; one a hold now covers, or no longer due, is
    kept and says why. Resumes a batch left part-way (approved, items still due). Audited."""
    require(actor, Capability.APPROVE_DISPOSAL)
    batch = _approve(actor, id_or_not_found(batch_id))
    now = now or timezone.now()
    disposed = kept = 0
    for item_id in batch.items.filter(status=ItemStatus.DUE).order_by("pk").values_list("pk", flat=True):
        if _dispose_item(actor, batch, item_id, now):
            disposed += 1
        else:
            kept += 1
    with transaction.atomic():
        batch = DisposalBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.DISPOSED and not batch.items.filter(status=ItemStatus.DUE).exists():
            batch.status, batch.disposed_at = BatchStatus.DISPOSED, timezone.now()
            batch.save(update_fields=["status", "disposed_at"])
    return DisposalOutcome(batch=batch, disposed=disposed, kept=kept)
