"""Writes of information governance: an auditor's review of a break-glass opening."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import record_event
from core.errors import ConflictError, NotFound, ValidationError
from core.models import AuditVerb
from governance import break_glass, reminders
from governance.models import BreakGlassReview, ReviewDecision
from governance.permissions import Capability, require
from partnership.models import User

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
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as exc:
        raise ConflictError(ALREADY_REVIEWED) from exc
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
