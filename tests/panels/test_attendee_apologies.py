"""An agency whose every invited person sent apologies or was absent did not attend: the chair records
people, and the sign page does not ask again for that agency's attendance."""

from __future__ import annotations

from typing import Any

import pytest

from panels import selectors, services
from panels.models import Attendance, AttendeeStatus, Invitation
from partnership.models import PanelMembership
from tests.world import PanelSitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    world = PanelSitting()
    PanelMembership.objects.get(panel=world.panel, agency=world.health).representatives.add(world.member)
    world.case()
    world.build()
    world.start()
    return world


def _record(pw: PanelSitting, person: Any, status: str) -> None:
    invitation = Invitation.objects.get(meeting=pw.meeting, person=person)
    services.record_attendee(actor=pw.chair, meeting_id=pw.meeting.pk, invitation_id=invitation.pk, status=status)


def _unrecorded(pw: PanelSitting) -> set[int]:
    record = selectors.meeting_record(viewer=pw.chair, meeting=pw.meeting)
    return {agency.pk for agency in selectors.sign_blockers(record).unrecorded}


@pytest.mark.parametrize("status", [AttendeeStatus.APOLOGIES, AttendeeStatus.ABSENT])
def test_an_agency_whose_people_all_stayed_away_is_recorded_absent(pw: PanelSitting, status: str) -> None:
    assert pw.health.pk in _unrecorded(pw)
    _record(pw, pw.member, status)
    health = Attendance.objects.get(meeting=pw.meeting, agency=pw.health)
    assert (health.present, health.attendee_id) == (False, None)
    assert pw.health.pk not in _unrecorded(pw)
    # Present after all: the agency attends, through them.
    _record(pw, pw.member, AttendeeStatus.PRESENT)
    health.refresh_from_db()
    assert (health.present, health.attendee_id) == (True, pw.member.pk)


def test_an_agency_with_someone_not_recorded_yet_stays_to_be_recorded(pw: PanelSitting) -> None:
    services.invite_person(actor=pw.chair, meeting_id=pw.meeting.pk, person_id=pw.health_spoc.pk)
    _record(pw, pw.member, AttendeeStatus.APOLOGIES)
    assert not Attendance.objects.filter(meeting=pw.meeting, agency=pw.health).exists()
    assert pw.health.pk in _unrecorded(pw)
