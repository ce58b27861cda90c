"""Writes for panels: meetings from the cadence, agendas, the live meeting,
decisions and the case transitions they cause, assessments, consent, plans,
actions and post-exit reviews. Each asks the sharing policy and audits itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseStatus, RequestStatus
from core.audit import record_event
from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.models import AuditVerb
from panels import reminders
from panels.models import (
    Action,
    ActionStatus,
    Addendum,
    AgendaItem,
    Assessment,
    AssessmentFactor,
    AssessmentRating,
    Attendance,
    ConsentGiver,
    ConsentPurpose,
    ConsentRecord,
    ConsentStatus,
    Decision,
    Declaration,
    Discussion,
    ExitReason,
    Intervention,
    ItemKind,
    Meeting,
    MeetingStatus,
    PlanStatus,
    PostExitReview,
    SupportPlan,
)
from partnership.models import Agency, AgencyKind, Panel, User
from referrals import services as referral_services
from referrals.models import EntryType, Outcome
from sharing import policy
from sharing import services as sharing
from sharing.models import ShareBasis

MEETINGS_AHEAD = relativedelta(months=6)
OPEN_CASE_STATUSES = (
    CaseStatus.INFORMATION_GATHERING,
    CaseStatus.DISCUSSED,
    CaseStatus.ADOPTED,
    CaseStatus.SUPPORT_ACTIVE,
    CaseStatus.EXITED,
    CaseStatus.REVIEWED_6_MONTHS,
)


# --- who may ---------------------------------------------------------------------------


def is_panel_chair(actor: User, panel: Panel) -> bool:
    return actor.is_active and actor.pk in (panel.chair_id, panel.deputy_chair_id)


def require_chair(actor: User, panel: Panel) -> None:
    if not is_panel_chair(actor, panel):
        raise PermissionDenied("Only the panel's chair or deputy can do this.")


def is_panel_member(actor: User, panel: Panel) -> bool:
    return is_panel_chair(actor, panel) or (
        actor.agency_id is not None and panel.memberships.filter(agency_id=actor.agency_id).exists()
    )


def _locked_meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("panel").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("Not found.")
    return meeting


def _require_open(meeting: Meeting) -> None:
    if meeting.is_sealed:
        raise InvalidTransition("The minutes are signed: record changes as an addendum.")
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvalidTransition("This meeting was cancelled.")


# --- meetings -----------------------------------------------------------------------------


@transaction.atomic
def generate_meetings(*, panel: Panel, until: dt.datetime | None = None) -> list[Meeting]:
    """Create the cadence's meetings up to ``until`` (default six months ahead). Idempotent:
    moved or cancelled meetings keep their slot and are never recreated."""
    until = until or timezone.now() + MEETINGS_AHEAD
    existing = set(Meeting.objects.filter(panel=panel, slot__isnull=False).values_list("slot", flat=True))
    created = []
    slot = 0
    while True:
        when = panel.first_meeting_at + dt.timedelta(weeks=panel.cadence_weeks * slot)
        if when > until:
            break
        if slot not in existing:
            created.append(
                Meeting.objects.create(
                    panel=panel, slot=slot, scheduled_at=when, venue=panel.venue, call_link=panel.call_link
                )
            )
        slot += 1
    reminders.sync_meetings(created)
    return created


@transaction.atomic
def add_meeting(*, actor: User, panel: Panel, scheduled_at: dt.datetime, reason: str) -> Meeting:
    require_chair(actor, panel)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the extra meeting is needed"]})
    meeting = Meeting.objects.create(
        panel=panel,
        scheduled_at=scheduled_at,
        venue=panel.venue,
        call_link=panel.call_link,
        moved_reason=reason.strip(),
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=meeting, reason=reason.strip())
    reminders.sync_meetings([meeting])
    return meeting


@transaction.atomic
def move_meeting(*, actor: User, meeting_id: int, scheduled_at: dt.datetime, reason: str) -> Meeting:
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the meeting is moving"]})
    previous = meeting.scheduled_at
    meeting.scheduled_at = scheduled_at
    meeting.moved_reason = reason.strip()
    meeting.save(update_fields=["scheduled_at", "moved_reason", "updated_at"])
    reminders.sync_meetings([meeting])
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=meeting,
        reason=reason.strip(),
        details={"from": previous.isoformat(), "to": scheduled_at.isoformat()},
    )
    return meeting


@transaction.atomic
def cancel_meeting(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the meeting is cancelled"]})
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason.strip()
    meeting.save(update_fields=["status", "cancelled_reason", "updated_at"])
    reminders.sync_meetings([meeting])
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, reason=reason.strip(), details={"cancelled": True})
    return meeting


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(panel_id=meeting.panel_id, scheduled_at__lt=meeting.scheduled_at)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-scheduled_at")
        .first()
    )


# --- the agenda ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    case: Case
    kind: str


def agenda_candidates(meeting: Meeting) -> list[Candidate]:
    """Cases due at this meeting, each once, the most pressing reason first."""
    panel_cases = Case.objects.filter(panel_id=meeting.panel_id, status__in=OPEN_CASE_STATUSES).select_related(
        "referral"
    )
    chosen: dict[int, str] = {}

    def offer(case_ids: Iterable[int], kind: str) -> None:
        for case_id in case_ids:
            chosen.setdefault(case_id, kind)

    day = timezone.localtime(meeting.scheduled_at).date()
    # Consent withdrawn on an adopted case: the panel decides on exit.
    withdrawn = [
        c.pk
        for c in panel_cases.filter(status__in=[CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE])
        if _current_consent(c, ConsentPurpose.CHANNEL_SUPPORT) == ConsentStatus.WITHDRAWN
    ]
    offer(withdrawn, ItemKind.CONSENT_WITHDRAWN)
    due_reviews = PostExitReview.objects.filter(
        case__panel_id=meeting.panel_id,
        completed_at__isnull=True,
        due_on__lte=day,
        case__status__in=[CaseStatus.EXITED, CaseStatus.REVIEWED_6_MONTHS],
    ).order_by("due_on")
    for review in due_reviews:
        kind = ItemKind.POST_EXIT_6 if review.stage == PostExitReview.Stage.SIX_MONTHS else ItemKind.POST_EXIT_12
        expected_status = CaseStatus.EXITED if review.stage == 6 else CaseStatus.REVIEWED_6_MONTHS
        if review.case.status == expected_status:
            offer([review.case_id], kind)
    gathering = panel_cases.filter(status__in=[CaseStatus.INFORMATION_GATHERING, CaseStatus.DISCUSSED])
    complete = [
        c.pk
        for c in gathering.prefetch_related("information_requests")
        if c.information_requests.all()
        and all(r.status in (RequestStatus.RETURNED, RequestStatus.CLOSED) for r in c.information_requests.all())
    ]
    offer(complete, ItemKind.INFORMATION_COMPLETE)
    offer(gathering.values_list("pk", flat=True), ItemKind.NEW_CASE)
    offer(
        panel_cases.filter(status__in=[CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE]).values_list("pk", flat=True),
        ItemKind.REVIEW,
    )
    cases = {c.pk: c for c in Case.objects.filter(pk__in=chosen).select_related("referral")}
    return [Candidate(case=cases[pk], kind=kind) for pk, kind in chosen.items()]


def grant_panel_agencies(*, actor: User | None, case: Case, panel: Panel) -> None:
    """Rule 5: every member agency of a panel reads a case once it is on that panel's agenda."""
    agencies = list(Agency.objects.filter(panel_memberships__panel=panel, is_active=True))
    chair_agency_ids = {a for a in (panel.chair.agency_id, getattr(panel.deputy_chair, "agency_id", None)) if a}
    agencies += list(Agency.objects.filter(pk__in=chair_agency_ids).exclude(pk__in=[a.pk for a in agencies]))
    existing = set(sharing.live_share_agencies(record=case.referral, basis=ShareBasis.PANEL_MEMBER))
    for agency in agencies:
        if agency.pk not in existing:
            sharing.grant_by_event(
                record=case.referral,
                agency=agency,
                basis=ShareBasis.PANEL_MEMBER,
                actor=actor,
                reason=f"On the agenda of {panel.name}",
            )


@transaction.atomic
def build_agenda(*, actor: User | None, meeting_id: int) -> list[AgendaItem]:
    """Add every due case not yet on the agenda. Chairs reorder, add and defer afterwards."""
    meeting = _locked_meeting(meeting_id)
    if actor is not None:
        require_chair(actor, meeting.panel)
    _require_open(meeting)
    present = set(meeting.items.values_list("case_id", flat=True))
    position = meeting.items.count()
    added = []
    for candidate in agenda_candidates(meeting):
        if candidate.case.pk in present:
            continue
        position += 1
        added.append(
            AgendaItem.objects.create(
                meeting=meeting, case=candidate.case, kind=candidate.kind, position=position, added_by=actor
            )
        )
        grant_panel_agencies(actor=actor, case=candidate.case, panel=meeting.panel)
    if added:
        record_event(
            actor=actor, verb=AuditVerb.CHANGED, obj=meeting, details={"agenda_added": [i.case_id for i in added]}
        )
    return added


@transaction.atomic
def add_to_agenda(*, actor: User, meeting_id: int, case_id: int, reason: str) -> AgendaItem:
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    case = Case.objects.select_related("referral").filter(pk=case_id, panel_id=meeting.panel_id).first()
    if case is None or not policy.can(actor, policy.Action.VIEW, case.referral):
        raise ValidationError({"case": ["Choose a case of this panel"]})
    if meeting.items.filter(case=case).exists():
        raise ValidationError({"case": ["That case is already on the agenda"]})
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the case is added"]})
    item = AgendaItem.objects.create(
        meeting=meeting, case=case, kind=ItemKind.ADDED, position=meeting.items.count() + 1, added_by=actor
    )
    grant_panel_agencies(actor=actor, case=case, panel=meeting.panel)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, reason=reason.strip(), details={"added": case.pk})
    return item


@transaction.atomic
def reorder_agenda(*, actor: User, meeting_id: int, item_ids: list[int]) -> None:
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    items = {i.pk: i for i in meeting.items.all()}
    if sorted(item_ids) != sorted(items):
        raise ValidationError({"items": ["Give every agenda item exactly once"]})
    for position, item_id in enumerate(item_ids, start=1):
        AgendaItem.objects.filter(pk=item_id).update(position=position)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, details={"order": item_ids})


@transaction.atomic
def defer_item(*, actor: User, item_id: int, reason: str) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting__panel").filter(pk=item_id).first()
    if item is None:
        raise NotFound("Not found.")
    require_chair(actor, item.meeting.panel)
    _require_open(item.meeting)
    if hasattr(item, "discussion"):
        raise InvalidTransition("A decision is already recorded for this item.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the item is deferred"]})
    item.deferred_reason = reason.strip()
    item.save(update_fields=["deferred_reason"])
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=item.meeting,
        reason=item.deferred_reason,
        details={"deferred": item.case_id},
    )
    return item


# --- the live meeting -------------------------------------------------------------------


@transaction.atomic
def start_meeting(*, actor: User, meeting_id: int) -> Meeting:
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.IN_PROGRESS
        meeting.started_at = timezone.now()
        meeting.save(update_fields=["status", "started_at", "updated_at"])
    return meeting


@transaction.atomic
def record_attendance(
    *, actor: User, meeting_id: int, agency_id: int, present: bool, attendee: User | None = None
) -> Attendance:
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    member_ids = set(meeting.panel.memberships.values_list("agency_id", flat=True)) | {meeting.panel.chair.agency_id}
    if agency_id not in member_ids:
        raise ValidationError({"agency": ["That agency is not a member of this panel"]})
    if attendee is not None and attendee.agency_id != agency_id:
        raise ValidationError({"attendee": ["The attendee must belong to that agency"]})
    row, _ = Attendance.objects.update_or_create(
        meeting=meeting, agency_id=agency_id, defaults={"present": present, "attendee": attendee}
    )
    return row


@dataclass(frozen=True)
class Quorum:
    met: bool
    reasons: list[str]


def quorum(meeting: Meeting) -> Quorum:
    """The panel's rule: chair present, required agency kinds present, and enough agencies in all."""
    panel = meeting.panel
    present = list(meeting.attendance.filter(present=True).select_related("agency", "attendee"))
    kinds = {a.agency.kind for a in present}
    reasons = []
    if panel.quorum_requires_chair and not any(
        a.attendee_id in (panel.chair_id, panel.deputy_chair_id) for a in present
    ):
        reasons.append("The chair or deputy is not recorded as present")
    for kind in panel.quorum_required_kinds:
        if kind not in kinds:
            reasons.append(f"No {AgencyKind(kind).label.lower()} agency is present")
    if len(present) < panel.quorum_min_agencies:
        reasons.append(f"{len(present)} of the {panel.quorum_min_agencies} agencies needed are present")
    return Quorum(met=not reasons, reasons=reasons)


@transaction.atomic
def declare_interest(*, actor: User, meeting_id: int, text: str, case_id: int | None = None) -> Declaration:
    meeting = _locked_meeting(meeting_id)
    if not is_panel_member(actor, meeting.panel):
        raise PermissionDenied("Only panel members can declare an interest.")
    if not text.strip():
        raise ValidationError({"text": ["Describe the interest"]})
    return Declaration.objects.create(meeting=meeting, user=actor, case_id=case_id, text=text.strip())


DECISION_TARGETS: dict[str, str | None] = {
    Decision.ADOPT: CaseStatus.ADOPTED,
    Decision.NOT_ADOPT: CaseStatus.NOT_ADOPTED,
    Decision.CONTINUE: None,
    Decision.EXIT: CaseStatus.EXITED,
    Decision.ESCALATE: CaseStatus.EXITED,
}


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
    """The panel's decision on one agenda item, and the case transition it causes."""
    item = (
        AgendaItem.objects.select_for_update()
        .select_related("meeting__panel", "case__referral")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("Not found.")
    meeting, case = item.meeting, item.case
    require_chair(actor, meeting.panel)
    policy.require(actor, policy.Action.VIEW, case.referral)
    _require_open(meeting)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise InvalidTransition("Start the meeting before recording decisions.")
    if hasattr(item, "discussion"):
        raise InvalidTransition("A decision is already recorded for this case at this meeting.")
    if item.deferred:
        raise InvalidTransition("This item was deferred.")
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = ["Choose a decision"]
    post_exit = item.kind in (ItemKind.POST_EXIT_6, ItemKind.POST_EXIT_12)
    if post_exit and decision not in (Decision.REVIEWED, Decision.ESCALATE):
        errors["decision"] = ["At a post-exit review, record the review or escalate"]
    if not post_exit and decision == Decision.REVIEWED:
        errors["decision"] = ["Only post-exit reviews can be recorded as reviewed"]
    if decision == Decision.EXIT and exit_reason not in ExitReason.values:
        errors["exit_reason"] = ["Choose the reason for exit"]
    if decision == Decision.NOT_ADOPT and not signposted_to.strip():
        errors["signposted_to"] = ["Say where the person is signposted"]
    if decision in (Decision.ADOPT, Decision.CONTINUE) and next_review_date is None:
        errors["next_review_date"] = ["Give the date of the next review"]
    if next_review_date is not None and next_review_date <= timezone.localdate():
        errors["next_review_date"] = ["The next review must be in the future"]
    if errors:
        raise ValidationError(errors)
    if decision == Decision.CONTINUE and case.status not in (CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE):
        raise InvalidTransition("Support can only continue for an adopted case.")
    rank = referral_services.validate_classification(actor, classification)
    if decision == Decision.ESCALATE:
        exit_reason = ExitReason.ESCALATED
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
    reason = f"Panel decision at {meeting}: {Decision(decision).label}"
    if post_exit and decision == Decision.REVIEWED:
        review = PostExitReview.objects.filter(case=case, completed_at__isnull=True).order_by("stage").first()
        if review is not None:
            review.completed_at = timezone.now()
            review.outcome_notes = notes.strip()
            review.save(update_fields=["completed_at", "outcome_notes"])
        after_review = CaseStatus.REVIEWED_6_MONTHS if case.status == CaseStatus.EXITED else CaseStatus.CLOSED
        outcome = Outcome.CLOSED_AFTER_REVIEW if after_review == CaseStatus.CLOSED else ""
        case_services.transition_case(
            actor=actor, case_id=case.pk, to_status=after_review, reason=reason, outcome=outcome
        )
    elif decision == Decision.ESCALATE and case.status in (CaseStatus.EXITED, CaseStatus.REVIEWED_6_MONTHS):
        case_services.transition_case(
            actor=actor, case_id=case.pk, to_status=CaseStatus.CLOSED, reason=reason, outcome=Outcome.EXIT_ESCALATED
        )
    else:
        target = DECISION_TARGETS[decision]
        if target is not None:
            outcome = {
                Decision.ADOPT: Outcome.PANEL_ADOPTED,
                Decision.NOT_ADOPT: Outcome.PANEL_NOT_ADOPTED,
            }.get(Decision(decision), exit_reason)
            if decision in (Decision.EXIT, Decision.ESCALATE) and case.status in (
                CaseStatus.INFORMATION_GATHERING,
                CaseStatus.DISCUSSED,
            ):
                raise InvalidTransition("A case that was never adopted cannot exit; decide not to adopt instead.")
            case_services.transition_case(
                actor=actor, case_id=case.pk, to_status=target, reason=reason, outcome=str(outcome)
            )
            if target == CaseStatus.EXITED:
                schedule_post_exit_reviews(case=Case.objects.get(pk=case.pk))
                SupportPlan.objects.filter(case=case, status=PlanStatus.ACTIVE).update(
                    status=PlanStatus.ENDED, ended_at=timezone.now()
                )
    body = "\n\n".join(p for p in (notes.strip(), f"Dissent: {dissent.strip()}" if dissent.strip() else "") if p)
    referral_services.add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.PANEL_DECISION,
        title=f"Panel decision: {Decision(decision).label}",
        body=body,
        classification=rank,
        significant=True,
    )
    reminders.sync_case(case.pk)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=discussion, details={"decision": decision, "case": case.pk})
    return discussion


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


@transaction.atomic
def sign_minutes(*, actor: User, meeting_id: int, minutes: str = "") -> Meeting:
    """Close the meeting and seal its record. Every item needs a decision or a deferral first."""
    meeting = _locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    _require_open(meeting)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise InvalidTransition("Only a meeting in progress can be closed.")
    open_items = meeting.items.filter(discussion__isnull=True, deferred_reason="")
    if open_items.exists():
        raise InvalidTransition(f"{open_items.count()} agenda item(s) have no decision or deferral yet.")
    meeting.status = MeetingStatus.CLOSED
    meeting.minutes = minutes.strip() or meeting.minutes
    meeting.signed_at = timezone.now()
    meeting.signed_by = actor
    meeting.save(update_fields=["status", "minutes", "signed_at", "signed_by", "updated_at"])
    record_event(actor=actor, verb=AuditVerb.TRANSITION, obj=meeting, details={"signed": True})
    return meeting


@transaction.atomic
def add_addendum(*, actor: User, meeting_id: int, text: str, case_id: int | None = None) -> Addendum:
    meeting = _locked_meeting(meeting_id)
    if not meeting.is_sealed:
        raise InvalidTransition("The minutes are not signed yet: change them directly.")
    if not is_panel_member(actor, meeting.panel):
        raise PermissionDenied("Only panel members can add to the minutes.")
    if not text.strip():
        raise ValidationError({"text": ["Enter the addendum"]})
    addendum = Addendum.objects.create(meeting=meeting, author=actor, case_id=case_id, text=text.strip())
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=addendum, details={"meeting": meeting.pk})
    return addendum


# --- actions --------------------------------------------------------------------------------


@transaction.atomic
def add_action(
    *,
    actor: User,
    case_id: int,
    description: str,
    owner_agency_id: int,
    due_date: dt.date,
    owner: User | None = None,
    meeting_id: int | None = None,
) -> Action:
    case = Case.objects.select_related("referral", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not is_panel_member(actor, case.panel):
        raise PermissionDenied("Only panel members can record actions.")
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Describe the action"]
    if not Agency.objects.filter(pk=owner_agency_id, is_active=True).exists():
        errors["owner_agency"] = ["Choose the agency that owns the action"]
    if owner is not None and owner.agency_id != owner_agency_id:
        errors["owner"] = ["The owner must belong to the owning agency"]
    if due_date <= timezone.localdate():
        errors["due_date"] = ["The due date must be in the future"]
    if errors:
        raise ValidationError(errors)
    action = Action.objects.create(
        case=case,
        meeting_id=meeting_id,
        description=description.strip(),
        owner_agency_id=owner_agency_id,
        owner=owner,
        due_date=due_date,
        created_by=actor,
    )
    reminders.sync_action(action)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=action, details={"case": case.pk})
    return action


@transaction.atomic
def complete_action(*, actor: User, action_id: int) -> Action:
    action = Action.objects.select_for_update().select_related("case__referral").filter(pk=action_id).first()
    if action is None or not policy.can(actor, policy.Action.VIEW, action.case.referral):
        raise NotFound("Not found.")
    if actor.agency_id != action.owner_agency_id and not is_panel_chair(actor, action.case.panel):
        raise PermissionDenied("Only the owning agency or the chair can complete this action.")
    if action.status != ActionStatus.OPEN:
        raise InvalidTransition("This action is not open.")
    action.status = ActionStatus.DONE
    action.completed_at = timezone.now()
    action.save(update_fields=["status", "completed_at", "updated_at"])
    reminders.sync_action(action)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=action, details={"done": True})
    return action


# --- assessments ----------------------------------------------------------------------------


@transaction.atomic
def record_assessment(
    *,
    actor: User,
    case_id: int,
    ratings: dict[int, tuple[int, str]],
    conclusion: str,
    management_plan: str = "",
    classification: int = 1,
) -> Assessment:
    """A new version of the vulnerability assessment: a rating and evidence per active factor."""
    case = Case.objects.select_for_update().select_related("referral", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not (case.owner_id == actor.pk or is_panel_member(actor, case.panel)):
        raise PermissionDenied("Only the case owner or panel members can assess.")
    factors = {f.pk: f for f in AssessmentFactor.objects.filter(is_active=True)}
    errors: dict[str, list[str]] = {}
    missing = [f.name for pk, f in factors.items() if pk not in ratings]
    if missing:
        errors["ratings"] = [f"Rate every factor ({len(missing)} missing)"]
    if any(pk not in factors for pk in ratings):
        errors["ratings"] = ["Rate only the listed factors"]
    if any(r not in (0, 1, 2, 3) for r, _ in ratings.values()):
        errors["ratings"] = ["Ratings are 0 (not present) to 3 (high)"]
    if not conclusion.strip():
        errors["conclusion"] = ["Write the summary conclusion"]
    if errors:
        raise ValidationError(errors)
    rank = referral_services.validate_classification(actor, classification)
    version = (
        Assessment.objects.filter(case=case).order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    assessment = Assessment.objects.create(
        case=case,
        referral=case.referral,
        version=version,
        conclusion=conclusion.strip(),
        management_plan=management_plan.strip(),
        classification=rank,
        owning_agency_id=actor.agency_id,  # type: ignore[misc]
        created_by=actor,
    )
    AssessmentRating.objects.bulk_create(
        AssessmentRating(assessment=assessment, factor_id=pk, rating=r, evidence=evidence.strip())
        for pk, (r, evidence) in ratings.items()
    )
    referral_services.add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.ASSESSMENT,
        title=f"Vulnerability assessment v{version}",
        body=conclusion.strip(),
        classification=rank,
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=assessment, details={"case": case.pk, "version": version})
    return assessment


# --- consent and support plans --------------------------------------------------------------


def _current_consent(case: Case, purpose: str) -> str:
    latest = ConsentRecord.objects.filter(case=case, purpose=purpose).order_by("-recorded_at", "-id").first()
    return latest.status if latest else ConsentStatus.NOT_SOUGHT


def _is_under_18(case: Case) -> bool:
    person = case.referral.subject
    if person.date_of_birth:
        return person.date_of_birth > timezone.localdate() - relativedelta(years=18)
    return person.approximate_age is not None and person.approximate_age < 18


@transaction.atomic
def record_consent(
    *,
    actor: User,
    case_id: int,
    purpose: str,
    status: str,
    given_by: str = "",
    given_by_name: str = "",
    method: str = "",
    capacity_notes: str = "",
) -> ConsentRecord:
    """Add to the consent ledger. Withdrawal is prominent and puts exit before the panel."""
    case = Case.objects.select_for_update().select_related("referral__subject", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not (case.owner_id == actor.pk or is_panel_chair(actor, case.panel)):
        raise PermissionDenied("Only the case owner or the chair records consent.")
    errors: dict[str, list[str]] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = ["Choose what the consent is for"]
    if status not in ConsentStatus.values:
        errors["status"] = ["Choose the consent status"]
    if status in (ConsentStatus.GIVEN, ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
        if given_by not in ConsentGiver.values:
            errors["given_by"] = ["Say who gave or refused consent"]
        elif _is_under_18(case) and given_by != ConsentGiver.PARENT_GUARDIAN:
            errors["given_by"] = ["For under-18s, consent comes from a parent or guardian"]
        if not method:
            errors["method"] = ["Say how consent was recorded"]
    if errors:
        raise ValidationError(errors)
    record = ConsentRecord.objects.create(
        case=case,
        purpose=purpose,
        status=status,
        given_by=given_by,
        given_by_name=given_by_name.strip(),
        method=method,
        capacity_notes=capacity_notes.strip(),
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    withdrawn = status == ConsentStatus.WITHDRAWN
    referral_services.add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.CONSENT,
        title=f"Consent {ConsentStatus(status).label.lower()}: {ConsentPurpose(purpose).label.lower()}",
        body=capacity_notes.strip(),
        significant=withdrawn,
    )
    if (
        withdrawn
        and purpose == ConsentPurpose.CHANNEL_SUPPORT
        and case.status in (CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE)
    ):
        upcoming = (
            Meeting.objects.filter(panel=case.panel, scheduled_at__gte=timezone.now(), signed_at__isnull=True)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("scheduled_at")
            .first()
        )
        if upcoming is not None and not upcoming.items.filter(case=case).exists():
            AgendaItem.objects.create(
                meeting=upcoming, case=case, kind=ItemKind.CONSENT_WITHDRAWN, position=0, added_by=actor
            )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=record, details={"case": case.pk, "status": status})
    return record


@transaction.atomic
def activate_support_plan(*, actor: User, case_id: int, objectives: str) -> SupportPlan:
    """A plan becomes active only for an adopted case with Channel-support consent given."""
    case = Case.objects.select_for_update().select_related("referral", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not (case.owner_id == actor.pk or is_panel_chair(actor, case.panel)):
        raise PermissionDenied("Only the case owner or the chair activates the plan.")
    if _current_consent(case, ConsentPurpose.CHANNEL_SUPPORT) != ConsentStatus.GIVEN:
        raise InvalidTransition("Record consent to Channel support before the plan can become active.")
    if not objectives.strip():
        raise ValidationError({"objectives": ["Set out the plan's objectives"]})
    plan, _ = SupportPlan.objects.get_or_create(case=case)
    plan.status = PlanStatus.ACTIVE
    plan.objectives = objectives.strip()
    plan.activated_at = timezone.now()
    plan.save(update_fields=["status", "objectives", "activated_at", "updated_at"])
    case_services.transition_case(
        actor=actor,
        case_id=case.pk,
        to_status=CaseStatus.SUPPORT_ACTIVE,
        reason="Support plan activated with consent recorded",
    )
    return plan


@transaction.atomic
def add_intervention(
    *,
    actor: User,
    case_id: int,
    provider_id: int,
    kind: str,
    description: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Intervention:
    case = Case.objects.select_related("referral", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not (case.owner_id == actor.pk or is_panel_member(actor, case.panel)):
        raise PermissionDenied("Only the case owner or panel members can add interventions.")
    from panels.models import InterventionType

    errors: dict[str, list[str]] = {}
    if kind not in InterventionType.values:
        errors["kind"] = ["Choose the type of intervention"]
    if not Agency.objects.filter(pk=provider_id, is_active=True).exists():
        errors["provider"] = ["Choose the provider"]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["The end must be after the start"]
    if errors:
        raise ValidationError(errors)
    plan, _ = SupportPlan.objects.get_or_create(case=case)
    intervention = Intervention.objects.create(
        plan=plan,
        provider_id=provider_id,
        kind=kind,
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=intervention, details={"case": case.pk})
    return intervention


def cases_due_review(panel: Panel) -> Any:
    return Case.objects.filter(panel=panel, status__in=[CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE])


# --- additions for the panel pages and API ---------------------------------------------------------


@transaction.atomic
def move_agenda_item(*, actor: User, item_id: int, direction: str) -> None:
    """Move one item a place up or down the agenda (the chair's up/down buttons)."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=item_id).first()
    if item is None:
        raise NotFound("Not found.")
    if direction not in ("up", "down"):
        raise ValidationError({"direction": ["Choose up or down"]})
    order = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id).order_by("position", "id").values_list("pk", flat=True)
    )
    index = order.index(item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    reorder_agenda(actor=actor, meeting_id=item.meeting_id, item_ids=order)


@transaction.atomic
def update_intervention(*, actor: User, intervention_id: int, status: str, progress_notes: str = "") -> Intervention:
    """Record an intervention's status and progress (the case owner or panel members)."""
    from panels.models import InterventionStatus

    intervention = (
        Intervention.objects.select_for_update()
        .select_related("plan__case__referral", "plan__case__panel")
        .filter(pk=intervention_id)
        .first()
    )
    if intervention is None:
        raise NotFound("Not found.")
    case = intervention.plan.case
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not (case.owner_id == actor.pk or is_panel_member(actor, case.panel)):
        raise PermissionDenied("Only the case owner or panel members can update interventions.")
    if status not in InterventionStatus.values:
        raise ValidationError({"status": ["Choose the intervention's status"]})
    intervention.status = status
    intervention.progress_notes = progress_notes.strip()
    intervention.full_clean()
    intervention.save(update_fields=["status", "progress_notes", "updated_at"])
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=intervention, details={"case": case.pk, "status": status})
    return intervention
