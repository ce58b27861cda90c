"""The panel's decision on an agenda item, the case transition it causes, and the post-exit
reviews an exit schedules. Every check runs before the first write."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.lifecycle import check_case_transition
from cases.models import Case, CaseStatus
from core.audit import record_event
from core.errors import ValidationError
from core.models import AuditVerb
from panels import events, lifecycle, reminders
from panels.models import AgendaItem, Decision, Discussion, ExitReason, PlanStatus, PostExitReview, SupportPlan
from panels.permissions import PanelCapability, require
from panels.services.access import locked_item
from panels.services.meetings import check_quorum
from partnership.models import User
from referrals import services as referral_services
from referrals.models import EntryType
from sharing import policy


def _decision_errors(
    item: AgendaItem,
    *,
    decision: str,
    exit_reason: str,
    signposted_to: str,
    next_review_date: dt.date | None,
) -> dict[str, list[str]]:
    """What is missing or wrong in the decision as given, field by field."""
    errors: dict[str, list[str]] = {}
    post_exit = item.kind in lifecycle.POST_EXIT_ITEMS
    if decision not in Decision.values:
        errors["decision"] = ["Choose a decision"]
    elif post_exit and decision not in (Decision.REVIEWED, Decision.ESCALATE):
        errors["decision"] = ["At a post-exit review, record the review or escalate"]
    elif not post_exit and decision == Decision.REVIEWED:
        errors["decision"] = ["Only post-exit reviews can be recorded as reviewed"]
    if decision == Decision.EXIT and exit_reason not in ExitReason.values:
        errors["exit_reason"] = ["Choose the reason for exit"]
    if decision == Decision.NOT_ADOPT and not signposted_to.strip():
        errors["signposted_to"] = ["Say where the person is signposted"]
    if decision in (Decision.ADOPT, Decision.CONTINUE) and next_review_date is None:
        errors["next_review_date"] = ["Give the date of the next review"]
    if next_review_date is not None and next_review_date <= timezone.localdate():
        errors["next_review_date"] = ["The next review must be in the future"]
    return errors


def _check_decision(
    actor: User,
    item: AgendaItem,
    *,
    decision: str,
    exit_reason: str,
    signposted_to: str,
    next_review_date: dt.date | None,
    classification: int,
) -> tuple[lifecycle.DecisionMove, int]:
    """Every check a decision must pass, in order; what it does to the case and its classification rank."""
    meeting, case = item.meeting, item.case
    policy.require(actor, policy.Action.VIEW, case.referral)
    require(actor, PanelCapability.RECORD_DECISION, item)
    lifecycle.check_decisions_allowed(meeting)
    check_quorum(meeting)
    lifecycle.check_item_transition(item, lifecycle.ItemState.DECIDED)
    errors = _decision_errors(
        item, decision=decision, exit_reason=exit_reason, signposted_to=signposted_to, next_review_date=next_review_date
    )
    if errors:
        raise ValidationError(errors)
    move = lifecycle.check_decision(case, decision)
    if move.to is not None:
        case_services.require_case_manager(actor, case)
        check_case_transition(case, move.to)
    return move, referral_services.validate_classification(actor, classification)


@transaction.atomic
def record_decision(
    *,
    actor: User,
    item_id: int,
    decision: str,
    notes: str = "",
    dissent: str = "",
    next_review_date: dt.date | None = None,
    exit_reason: str = "",
    signposted_to: str = "",
    classification: int = 1,
) -> Discussion:
    """The panel's decision on one agenda item, and the case transition it causes.

    Refused before anything is written when the chair may not decide, the meeting is not in
    progress, it is not quorate and the chair has not overridden the quorum, the item is decided or
    deferred, the answers are incomplete, or the decision is not one the case's state allows
    (``lifecycle.DECISION_TARGETS`` and the case lifecycle).
    """
    item = locked_item(item_id)
    case = item.case
    move, rank = _check_decision(
        actor,
        item,
        decision=decision,
        exit_reason=exit_reason,
        signposted_to=signposted_to,
        next_review_date=next_review_date,
        classification=classification,
    )
    exit_reason = ExitReason.ESCALATED if decision == Decision.ESCALATE else exit_reason
    discussion = Discussion.objects.create(
        item=item,
        referral=case.referral,
        notes=notes.strip(),
        decision=decision,
        exit_reason=exit_reason,
        signposted_to=signposted_to.strip(),
        dissent=dissent.strip(),
        next_review_date=next_review_date,
        decided_at=timezone.now(),
        classification=rank,
        owning_agency_id=actor.agency_id,  # type: ignore[misc]
        created_by=actor,
    )
    if decision == Decision.REVIEWED:
        _complete_awaited_review(case, notes=discussion.notes)
    if move.to is not None:
        reason = f"Panel decision at {item.meeting}: {Decision(decision).label}"
        outcome = lifecycle.decision_outcome(move, exit_reason)
        _move_case(actor=actor, case=case, to=move.to, reason=reason, outcome=outcome)
    _add_to_chronology(actor=actor, discussion=discussion)
    reminders.sync_case(case.pk)
    events.decision_recorded(discussion, actor=actor)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=discussion, details={"decision": decision, "case": case.pk})
    return discussion


def _complete_awaited_review(case: Case, *, notes: str) -> None:
    stage = lifecycle.AWAITED_REVIEW[case.status]
    review = PostExitReview.objects.filter(case=case, stage=stage, completed_at__isnull=True).first()
    if review is not None:
        review.completed_at = timezone.now()
        review.outcome_notes = notes
        review.save(update_fields=["completed_at", "outcome_notes"])


def _move_case(*, actor: User, case: Case, to: str, reason: str, outcome: str) -> None:
    """The case transition a decision causes; an exit ends the plan and schedules the post-exit reviews."""
    case_services.transition_case(actor=actor, case_id=case.pk, to_status=to, reason=reason, outcome=outcome)
    if to == CaseStatus.EXITED:
        schedule_post_exit_reviews(case=Case.objects.get(pk=case.pk))
        SupportPlan.objects.filter(case=case, status__in=lifecycle.PLAN_ENDABLE).update(
            status=PlanStatus.ENDED, ended_at=timezone.now()
        )


def _add_to_chronology(*, actor: User, discussion: Discussion) -> None:
    notes, dissent = discussion.notes, discussion.dissent
    body = "\n\n".join(p for p in (notes, f"Dissent: {dissent}" if dissent else "") if p)
    referral_services.add_entry(
        actor=actor,
        referral=discussion.referral,
        entry_type=EntryType.PANEL_DECISION,
        title=f"Panel decision: {Decision(discussion.decision).label}",
        body=body,
        classification=discussion.classification,
        significant=True,
    )


def schedule_post_exit_reviews(*, case: Case) -> list[PostExitReview]:
    """The 6- and 12-month reviews, due from the exit date; the agenda picks them up when due."""
    exited = timezone.localtime(case.exited_at or timezone.now()).date()
    reviews = []
    for stage in (PostExitReview.Stage.SIX_MONTHS, PostExitReview.Stage.TWELVE_MONTHS):
        review, _ = PostExitReview.objects.get_or_create(
            case=case, stage=stage, defaults={"due_on": exited + relativedelta(months=int(stage))}
        )
        reviews.append(review)
    reminders.sync_case(case.pk)
    return reviews
