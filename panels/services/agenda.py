"""The agenda: the cases due at a meeting (which also lets the panel's agencies read them),
built by the chair, added to, reordered and deferred."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cases.lifecycle import OPEN, POST_EXIT, PRE_PANEL, REQUEST_ANSWERED, SUPPORTED
from cases.models import Case
from core.audit import record_event
from core.errors import NotFound, ValidationError
from core.models import AuditVerb
from panels import events, lifecycle
from panels.models import AgendaItem, ConsentPurpose, ConsentStatus, ItemKind, Meeting, PostExitReview
from panels.permissions import PanelCapability, reads_case, require
from panels.services.access import locked_item, locked_meeting
from panels.services.attendees import invite_panel_people
from panels.services.plans import current_consent
from partnership.models import Agency, Panel, User
from sharing import services as sharing
from sharing.models import ShareBasis


@dataclass(frozen=True)
class Candidate:
    case: Case
    kind: str


def _due_post_exit_reviews(meeting: Meeting) -> dict[int, str]:
    """Cases whose awaited post-exit review falls due by the meeting's day, earliest first."""
    day = timezone.localtime(meeting.scheduled_at).date()
    due = (
        PostExitReview.objects.filter(
            case__panel_id=meeting.panel_id, completed_at__isnull=True, due_on__lte=day, case__status__in=POST_EXIT
        )
        .select_related("case")
        .order_by("due_on")
    )
    return {
        review.case_id: lifecycle.REVIEW_ITEM_KINDS[review.stage]
        for review in due
        if lifecycle.review_is_due_for(review, review.case.status)
    }


def agenda_candidates(meeting: Meeting) -> list[Candidate]:
    """Cases due at this meeting, each once, the most pressing reason first."""
    panel_cases = Case.objects.filter(panel_id=meeting.panel_id, status__in=OPEN)
    chosen: dict[int, str] = {}

    def offer(case_ids: Iterable[int], kind: str) -> None:
        for case_id in case_ids:
            chosen.setdefault(case_id, kind)

    supported = panel_cases.filter(status__in=SUPPORTED)
    # Consent withdrawn on an adopted case: the panel decides on exit.
    offer(
        [c.pk for c in supported if current_consent(c, ConsentPurpose.CHANNEL_SUPPORT) == ConsentStatus.WITHDRAWN],
        ItemKind.CONSENT_WITHDRAWN,
    )
    for case_id, kind in _due_post_exit_reviews(meeting).items():
        offer([case_id], kind)
    gathering = panel_cases.filter(status__in=PRE_PANEL)
    offer(
        [
            c.pk
            for c in gathering.prefetch_related("information_requests")
            if c.information_requests.all() and all(r.status in REQUEST_ANSWERED for r in c.information_requests.all())
        ],
        ItemKind.INFORMATION_COMPLETE,
    )
    offer(gathering.values_list("pk", flat=True), ItemKind.NEW_CASE)
    offer(supported.values_list("pk", flat=True), ItemKind.REVIEW)
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
    """Add every due case not yet on the agenda, invite the panel's people and tell the invited that
    the papers are ready. Chairs reorder, add and defer afterwards."""
    meeting = locked_meeting(meeting_id)
    if actor is not None:
        require(actor, PanelCapability.BUILD_AGENDA, meeting.panel)
    lifecycle.check_meeting_open(meeting)
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
        invite_panel_people(actor=actor, meeting=meeting)
        events.papers_ready(meeting, actor=actor)
        record_event(
            actor=actor, verb=AuditVerb.CHANGED, obj=meeting, details={"agenda_added": [i.case_id for i in added]}
        )
    return added


def _agenda_case_errors(actor: User, meeting: Meeting, case: Case | None, reason: str) -> dict[str, list[str]]:
    """A case of this panel that the chair reads by grant, not on the agenda yet, and why it is added.
    A case the chair may not read gets the same answer as one that does not exist."""
    errors: dict[str, list[str]] = {}
    if case is None or not reads_case(actor, case):
        errors["case"] = ["Choose a case of this panel"]
    elif meeting.items.filter(case=case).exists():
        errors["case"] = ["That case is already on the agenda"]
    if not reason.strip():
        errors["reason"] = ["Say why the case is added"]
    return errors


@transaction.atomic
def add_to_agenda(*, actor: User, meeting_id: int, case_id: int, reason: str) -> AgendaItem:
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.ADD_TO_AGENDA, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    case = Case.objects.select_related("referral").filter(pk=case_id, panel_id=meeting.panel_id).first()
    errors = _agenda_case_errors(actor, meeting, case, reason)
    if errors or case is None:
        raise ValidationError(errors)
    item = AgendaItem.objects.create(
        meeting=meeting, case=case, kind=ItemKind.ADDED, position=meeting.items.count() + 1, added_by=actor
    )
    grant_panel_agencies(actor=actor, case=case, panel=meeting.panel)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, reason=reason.strip(), details={"added": case.pk})
    return item


def _write_order(*, actor: User, meeting: Meeting, item_ids: list[int]) -> None:
    for position, item_id in enumerate(item_ids, start=1):
        AgendaItem.objects.filter(pk=item_id).update(position=position)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, details={"order": item_ids})


@transaction.atomic
def reorder_agenda(*, actor: User, meeting_id: int, item_ids: list[int]) -> None:
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.BUILD_AGENDA, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    if sorted(item_ids) != sorted(meeting.items.values_list("pk", flat=True)):
        raise ValidationError({"items": ["Give every agenda item exactly once"]})
    _write_order(actor=actor, meeting=meeting, item_ids=item_ids)


@transaction.atomic
def move_agenda_item(*, actor: User, item_id: int, direction: str) -> None:
    """Move one item a place up or down the agenda (the chair's up/down buttons); at either end, nothing moves."""
    meeting_id = AgendaItem.objects.filter(pk=item_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound("Not found.")
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.BUILD_AGENDA, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": ["Choose up or down"]})
    order = list(meeting.items.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        _write_order(actor=actor, meeting=meeting, item_ids=order)


@transaction.atomic
def defer_item(*, actor: User, item_id: int, reason: str) -> AgendaItem:
    item = locked_item(item_id)
    require(actor, PanelCapability.BUILD_AGENDA, item.meeting.panel)
    lifecycle.check_meeting_open(item.meeting)
    lifecycle.check_item_transition(item, lifecycle.ItemState.DEFERRED)
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
