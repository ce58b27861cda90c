"""The demo panel's meetings, through the panels services: the last meeting held three weeks ago
(attendance, decisions, a support plan, actions, signed minutes) and the next one with its agenda
built, to which the last meeting's open action is carried forward.

Idempotent: the meetings come from the panel's cadence (existing slots are skipped) and the last
meeting is held only while it is still open."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseStatus
from panels import services
from panels.models import (
    Action,
    ActionStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    ConsentStatus,
    Decision,
    Meeting,
    MeetingStatus,
)
from partnership.models import Panel, User


@transaction.atomic
def seed_meetings(*, panel: Panel) -> None:
    services.generate_meetings(panel=panel)
    chair = panel.chair
    meetings = Meeting.objects.filter(panel=panel).exclude(status=MeetingStatus.CANCELLED)
    last = meetings.filter(scheduled_at__lt=timezone.now()).order_by("-scheduled_at").first()
    if last is not None and last.status != MeetingStatus.CLOSED:
        _hold(last, chair=chair)
    upcoming = meetings.filter(scheduled_at__gte=timezone.now()).order_by("scheduled_at").first()
    if upcoming is not None:
        services.build_agenda(actor=chair, meeting_id=upcoming.pk)


def _hold(meeting: Meeting, *, chair: User) -> None:
    """Every member agency attends (the chair for the council); each due case is decided."""
    for membership in meeting.panel.memberships.prefetch_related("representatives"):
        person = chair if membership.agency_id == chair.agency_id else membership.representatives.first()
        services.record_attendance(
            actor=chair, meeting_id=meeting.pk, agency_id=membership.agency_id, present=True, attendee=person
        )
    services.start_meeting(actor=chair, meeting_id=meeting.pk)
    services.build_agenda(actor=chair, meeting_id=meeting.pk)
    # The case discussed before is adopted; a new case still gathering information waits (so the demo
    # keeps a case in every stage a chair meets: gathering, supported, not adopted).
    adopted: Case | None = None
    for item in meeting.items.select_related("case").order_by("position"):
        if adopted is None and item.case.status == CaseStatus.DISCUSSED:
            _adopt(chair, item.pk, item.case)
            adopted = item.case
        else:
            services.defer_item(actor=chair, item_id=item.pk, reason="Awaiting information from health.")
    unfinished = _agree_actions(chair, meeting, adopted) if adopted is not None else None
    services.sign_minutes(
        actor=chair,
        meeting_id=meeting.pk,
        minutes="Quorate: council (chair), police, health, schools and probation present. Decisions as recorded.",
    )
    if unfinished is not None:
        services.close_action(
            actor=chair,
            action_id=unfinished.pk,
            outcome=ActionStatus.NOT_POSSIBLE,
            reason="The youth club closed for refurbishment; the mentor will suggest another activity.",
        )


def _agree_actions(chair: User, meeting: Meeting, case: Case) -> Action:
    """Two actions on the adopted case: the chair's, still open (carried forward to the next meeting),
    and one that could not be done (closed after the meeting, with its reason). Returns the second."""
    today = timezone.localdate()
    services.add_action(
        actor=chair,
        case_id=case.pk,
        meeting_id=meeting.pk,
        description="Introduce the mentoring provider to the family and agree a first session.",
        owner_agency_id=chair.agency_id or 0,
        owner=chair,
        due_date=today + dt.timedelta(days=10),
    )
    return services.add_action(
        actor=chair,
        case_id=case.pk,
        meeting_id=meeting.pk,
        description="Book a place at the youth club's Saturday sessions.",
        owner_agency_id=chair.agency_id or 0,
        due_date=today + dt.timedelta(days=5),
    )


def _adopt(chair: User, item_id: int, case: Case) -> None:
    services.record_decision(
        actor=chair,
        item_id=item_id,
        decision=Decision.ADOPT,
        notes="Clear ideological driver and vulnerabilities; Channel support agreed.",
        next_review_date=timezone.localdate() + dt.timedelta(weeks=10),
    )
    services.record_consent(
        actor=chair,
        case_id=case.pk,
        purpose=ConsentPurpose.CHANNEL_SUPPORT,
        status=ConsentStatus.GIVEN,
        given_by=ConsentGiver.PARENT_GUARDIAN,
        given_by_name="Parent",
        method=ConsentMethod.WRITTEN,
    )
    services.activate_support_plan(
        actor=chair, case_id=case.pk, objectives="Mentoring with an intervention provider; school pastoral support."
    )
