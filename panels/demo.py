"""The demo panel's meetings, through the panels services: the last meeting held three weeks ago
(attendance, decisions, a support plan, signed minutes) and the next one with its agenda built.

Idempotent: the meetings come from the panel's cadence (existing slots are skipped) and the last
meeting is held only while it is still open."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseStatus
from panels import services
from panels.models import ConsentGiver, ConsentMethod, ConsentPurpose, ConsentStatus, Decision, Meeting, MeetingStatus
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
    adopted = False
    for item in meeting.items.select_related("case").order_by("position"):
        if not adopted and item.case.status == CaseStatus.DISCUSSED:
            _adopt(chair, item.pk, item.case)
            adopted = True
        else:
            services.defer_item(actor=chair, item_id=item.pk, reason="Awaiting information from health.")
    services.sign_minutes(
        actor=chair,
        meeting_id=meeting.pk,
        minutes="Quorate: council (chair), police, health, schools and probation present. Decisions as recorded.",
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
