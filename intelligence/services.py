"""Writes for tension reports, their events and responses, and the self-assessment. One function per
use case: each asks the permissions, locks what it changes, validates everything, then writes and
audits in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from core.audit import record_event
from core.errors import ValidationError
from core.locking import locked_row
from core.models import AuditVerb
from core.services import save_change
from intelligence import lifecycle, permissions, reminders
from intelligence.models import (
    SCORES,
    Area,
    AssessmentAction,
    AssessmentDimension,
    AssessmentStatus,
    DimensionScore,
    LevelDescriptor,
    ResponseAction,
    SelfAssessment,
    TensionCategory,
    TensionEvent,
    TensionLevel,
    TensionReport,
    Trend,
)
from intelligence.permissions import Capability
from partnership.models import Agency, User
from referrals.services import validate_classification
from sharing import services as sharing
from sharing.models import Share, ShareBasis

REFERENCE_PREFIX = "TEN"
T = TypeVar("T")


def _checked(value: T | None) -> T:
    """An answer validation has already found present (it raised otherwise): typed as present."""
    if value is None:
        raise ValidationError({"__all__": ["A required answer is missing."]})
    return value


def _require_text(errors: dict[str, list[str]], name: str, value: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        errors[name] = [message]
    return text


def _require_choice(errors: dict[str, list[str]], name: str, value: Any, choices: Any, message: str) -> Any:
    if value not in choices:
        errors[name] = [message]
    return value


# --- Tension reports --------------------------------------------------------------------------------


@transaction.atomic
def record_tension_report(
    *,
    actor: User,
    occurred_on: dt.date,
    area: Area | None,
    category: str,
    level: int,
    trend: str,
    summary: str,
    details: str = "",
    classification: Any = 1,
    originator_only: bool = False,
) -> TensionReport:
    """Record a report for the actor's agency: the source agency is granted it at once; other agencies
    read it when it is shared with them (``share_tension_report``)."""
    permissions.require_record_tension(actor)
    errors: dict[str, list[str]] = {}
    if area is None or not area.is_active:
        errors["area"] = ["Select the ward or neighbourhood"]
    _require_choice(errors, "category", category, TensionCategory.values, "Select the kind of tension")
    _require_choice(errors, "level", level, TensionLevel.values, "Select the level of tension")
    _require_choice(errors, "trend", trend, Trend.values, "Select whether tension is rising, stable or falling")
    summary = _require_text(errors, "summary", summary, "Enter a summary of the tension")
    if occurred_on is None:
        errors["occurred_on"] = ["Enter the date"]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = ["The date must be today or in the past"]
    try:
        rank = validate_classification(actor, classification)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    report = TensionReport.objects.create(
        occurred_on=occurred_on,
        area=_checked(area),
        category=category,
        level=level,
        trend=trend,
        summary=summary,
        details=(details or "").strip(),
        classification=rank,
        originator_only=bool(originator_only),
        owning_agency_id=_checked(actor.agency_id),
        created_by=actor,
        change_seq=sharing.next_change_seq(),
    )
    report.reference = f"{REFERENCE_PREFIX}-{occurred_on.year}-{report.pk:06d}"
    report.save(update_fields=["reference"])
    owner = Agency.objects.get(pk=report.owning_agency_id)
    sharing.grant_by_event(record=report, agency=owner, basis=ShareBasis.REFERRING_AGENCY, actor=actor)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=report, details={"reference": report.reference})
    return report


@transaction.atomic
def share_tension_report(
    *, actor: User, report_id: int, agency: Agency, reason: str, expires_at: dt.datetime | None = None
) -> Share:
    """An explicit share with an agency (for the weekly partnership review, say), audited by the sharing service."""
    report = locked_row(TensionReport, report_id)
    permissions.require(actor, Capability.SHARE_TENSION, report)
    return sharing.share_with_agency(actor=actor, record=report, agency=agency, reason=reason, expires_at=expires_at)


@transaction.atomic
def revoke_tension_share(*, actor: User, report_id: int, share_id: int, reason: str = "") -> Share:
    report = locked_row(TensionReport, report_id)
    permissions.require(actor, Capability.SHARE_TENSION, report)
    return sharing.revoke_share(actor=actor, record=report, share_id=share_id, reason=reason)


@transaction.atomic
def review_tension_report(*, actor: User, report_id: int, note: str) -> TensionReport:
    """The weekly review's word on a report (who reviewed it, when, and what was agreed)."""
    report = locked_row(TensionReport, report_id)
    permissions.require(actor, Capability.REVIEW_TENSION, report)
    errors: dict[str, list[str]] = {}
    note = _require_text(errors, "note", note, "Enter what the review agreed")
    if errors:
        raise ValidationError(errors)
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor
    report.review_note = note
    sharing.save_to_top(report, "reviewed_at", "reviewed_by", "review_note")
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=report, details={"reviewed": True})
    return report


@transaction.atomic
def link_event(
    *,
    actor: User,
    report_id: int,
    title: str,
    starts_at: dt.datetime | None,
    location: str,
    lead_agency: Agency | None,
    response_plan: str,
) -> TensionEvent:
    """Link the report to an event (a planned demonstration) and the agreed multi-agency response plan."""
    report = locked_row(TensionReport, report_id)
    permissions.require(actor, Capability.PLAN_RESPONSE, report)
    errors: dict[str, list[str]] = {}
    title = _require_text(errors, "title", title, "Enter the name of the event")
    location = _require_text(errors, "location", location, "Enter where the event is")
    response_plan = _require_text(errors, "response_plan", response_plan, "Enter the response plan")
    if starts_at is None:
        errors["starts_at"] = ["Enter when the event starts"]
    if lead_agency is None or not lead_agency.is_active:
        errors["lead_agency"] = ["Select the agency leading the response"]
    if errors:
        raise ValidationError(errors)
    event = TensionEvent.objects.create(
        report=report,
        title=title,
        starts_at=_checked(starts_at),
        location=location,
        lead_agency=_checked(lead_agency),
        response_plan=response_plan,
        created_by=actor,
    )
    sharing.save_to_top(report)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=event, details={"report": report.pk})
    return event


def _check_owner(errors: dict[str, list[str]], owner: User | None, agency_id: int | None) -> None:
    if owner is not None and (not owner.is_active or (agency_id is not None and owner.agency_id != agency_id)):
        errors["owner"] = ["The owner must be an active member of the owning agency"]


def _check_due(errors: dict[str, list[str]], due_date: dt.date | None) -> None:
    if due_date is None:
        errors["due_date"] = ["Enter the due date"]
    elif due_date < timezone.localdate():
        errors["due_date"] = ["The due date must be today or in the future"]


@transaction.atomic
def add_response_action(
    *,
    actor: User,
    event_id: int,
    description: str,
    owner_agency: Agency | None,
    owner: User | None,
    due_date: dt.date | None,
) -> ResponseAction:
    """An agency's part of the response; its owner (or the agency's SPOCs) is reminded, while they may read the report."""
    event = locked_row(TensionEvent, event_id)
    report = TensionReport.objects.get(pk=event.report_id)
    permissions.require(actor, Capability.PLAN_RESPONSE, report)
    errors: dict[str, list[str]] = {}
    description = _require_text(errors, "description", description, "Enter the action")
    if owner_agency is None or not owner_agency.is_active:
        errors["owner_agency"] = ["Select the agency that owns the action"]
    _check_owner(errors, owner, owner_agency.pk if owner_agency else None)
    _check_due(errors, due_date)
    if errors:
        raise ValidationError(errors)
    action = ResponseAction.objects.create(
        event=event,
        description=description,
        owner_agency=_checked(owner_agency),
        owner=owner,
        due_date=_checked(due_date),
    )
    reminders.sync_response_action(action)
    sharing.save_to_top(report)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=action, details={"report": report.pk, "event": event.pk})
    return action


@transaction.atomic
def close_response_action(*, actor: User, action_id: int, status: str) -> ResponseAction:
    action = locked_row(ResponseAction, action_id)
    report = TensionReport.objects.get(events__actions=action)
    permissions.require(actor, Capability.PLAN_RESPONSE, report)
    _close(actor, action, status)
    reminders.sync_response_action(action)
    return action


def _close(actor: User, action: ResponseAction | AssessmentAction, status: str) -> None:
    """Close a locked action (done or cancelled) along the actions' lifecycle, audited."""
    lifecycle.check_action_transition(action.status, status)
    details = {"from": action.status, "to": status}
    changes = {"status": status, "closed_at": timezone.now()}
    save_change(action, changes, actor=actor, verb=AuditVerb.TRANSITION, details=details)


# --- The self-assessment -----------------------------------------------------------------------------


@transaction.atomic
def start_self_assessment(*, actor: User, year: int) -> SelfAssessment:
    permissions.require_edit_self_assessment(actor)
    this_year = timezone.localdate().year
    if not 2000 <= int(year) <= this_year:
        raise ValidationError({"year": [f"Give a year from 2000 to {this_year}"]})
    if SelfAssessment.objects.filter(year=year).exists():
        raise ValidationError({"year": [f"There is already a self-assessment for {year}"]})
    assessment = SelfAssessment.objects.create(year=year, created_by=actor)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=assessment, details={"year": year})
    return assessment


def _editable(assessment_id: int) -> SelfAssessment:
    assessment = locked_row(SelfAssessment, assessment_id)
    if not lifecycle.is_editable(assessment.status):
        raise ValidationError({"__all__": ["This self-assessment is completed: it is kept as it was."]})
    return assessment


@transaction.atomic
def score_dimension(
    *, actor: User, assessment_id: int, dimension: AssessmentDimension, score: int, evidence: str
) -> DimensionScore:
    """A year's score on one dimension against its descriptor (kept with the score as it read then)."""
    permissions.require_edit_self_assessment(actor)
    assessment = _editable(assessment_id)
    errors: dict[str, list[str]] = {}
    descriptor = LevelDescriptor.objects.filter(dimension=dimension, score=score).values_list("text", flat=True).first()
    if descriptor is None:
        errors["score"] = ["Select a score from 1 to 5"]
    evidence = _require_text(errors, "evidence", evidence, "Enter the evidence for the score")
    if errors:
        raise ValidationError(errors)
    row, created = DimensionScore.objects.update_or_create(
        assessment=assessment,
        dimension=dimension,
        defaults={"score": score, "descriptor": _checked(descriptor), "evidence": evidence, "scored_by": actor},
    )
    record_event(
        actor=actor,
        verb=AuditVerb.CREATED if created else AuditVerb.CHANGED,
        obj=row,
        details={"year": assessment.year, "dimension": dimension.code, "score": score},
    )
    return row


@transaction.atomic
def add_assessment_action(
    *,
    actor: User,
    assessment_id: int,
    description: str,
    owner: User | None,
    due_date: dt.date | None,
    dimension: AssessmentDimension | None = None,
) -> AssessmentAction:
    permissions.require_edit_self_assessment(actor)
    assessment = _editable(assessment_id)
    errors: dict[str, list[str]] = {}
    description = _require_text(errors, "description", description, "Enter the action")
    if owner is None or not owner.is_active or not permissions.can_read_self_assessment(owner):
        errors["owner"] = ["Select an active member of the partnership to own the action"]
    _check_due(errors, due_date)
    if errors:
        raise ValidationError(errors)
    action = AssessmentAction.objects.create(
        assessment=assessment,
        dimension=dimension,
        description=description,
        owner=_checked(owner),
        due_date=_checked(due_date),
    )
    reminders.sync_assessment_action(action)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=action, details={"year": assessment.year})
    return action


@transaction.atomic
def close_assessment_action(*, actor: User, action_id: int, status: str) -> AssessmentAction:
    permissions.require_edit_self_assessment(actor)
    action = locked_row(AssessmentAction, action_id)
    _close(actor, action, status)
    reminders.sync_assessment_action(action)
    return action


@transaction.atomic
def complete_self_assessment(*, actor: User, assessment_id: int) -> SelfAssessment:
    """Complete a year once every dimension is scored; from then on it is history."""
    permissions.require_edit_self_assessment(actor)
    assessment = locked_row(SelfAssessment, assessment_id)
    lifecycle.check_assessment_transition(assessment.status, AssessmentStatus.COMPLETED)
    scored = set(assessment.scores.values_list("dimension_id", flat=True))
    missing = [d.title for d in AssessmentDimension.objects.exclude(pk__in=scored)]
    if missing:
        raise ValidationError({"__all__": [f"Score every dimension first: {'; '.join(missing)}"]})
    changes = {"status": AssessmentStatus.COMPLETED, "completed_at": timezone.now(), "completed_by": actor}
    details = {"to": AssessmentStatus.COMPLETED}
    return save_change(assessment, changes, actor=actor, verb=AuditVerb.TRANSITION, details=details)


@transaction.atomic
def adapt_dimension(*, actor: User, dimension_id: int, title: str, descriptors: Iterable[str]) -> AssessmentDimension:
    """The partnership adapts a dimension's wording (its title and the five level descriptors); audited as
    configuration with before and after. Years already scored keep the wording they were scored against."""
    permissions.require_edit_self_assessment(actor)
    dimension = locked_row(AssessmentDimension, dimension_id)
    texts = [(t or "").strip() for t in descriptors]
    errors: dict[str, list[str]] = {}
    title = _require_text(errors, "title", title, "Enter the dimension's title")
    if len(texts) != len(SCORES):
        errors["__all__"] = ["Give a descriptor for each score from 1 to 5"]
    for score, text in zip(SCORES, texts, strict=False):
        if not text:
            errors[f"level_{score}"] = [f"Enter what a score of {score} means"]
    if errors:
        raise ValidationError(errors)
    before: dict[str, str] = {"title": dimension.title}
    before |= {str(score): text for score, text in dimension.descriptors.values_list("score", "text")}
    after: dict[str, str] = {"title": title} | {str(score): text for score, text in zip(SCORES, texts, strict=True)}
    details = {"before": before, "after": after}
    save_change(dimension, {"title": title}, actor=actor, verb=AuditVerb.CONFIGURED, details=details)
    for score, text in zip(SCORES, texts, strict=True):
        LevelDescriptor.objects.update_or_create(dimension=dimension, score=score, defaults={"text": text})
    return dimension
