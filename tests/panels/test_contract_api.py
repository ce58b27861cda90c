"""The panels part of DESIGN.md's API contract, endpoint by endpoint.

* ``POST /api/v1/panels/{id}/meetings/``: the chair adds a meeting ``{"scheduled_at", "venue", "reason"}``
  and gets 201 with the meeting;
* ``POST /api/v1/meetings/{id}/agenda/``: the chair adds a case they may read ``{"case", "reason"}``;
* ``POST /api/v1/meetings/{id}/start/``: the chair starts the meeting; 409 before the meeting's day
  (its London date), or when it is cancelled or closed;
* ``POST /api/v1/meetings/{id}/attendance/``: the chair records an agency's attendance
  ``{"agency", "present", "attendee"}``; any active agency may attend, an attendee belongs to it;
* ``POST /api/v1/agenda-items/{id}/decision/``: 409 while the meeting is not quorate, unless the chair
  has recorded a quorum override with a reason (``POST /api/v1/meetings/{id}/quorum-override/``).

Everywhere: bad input is 400 with field messages, users of agencies that are not on the panel (and
admins and auditors) get 404, and everyone of a member agency who is not this panel's chair 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case, CaseStatus
from core.models import AuditEvent, AuditVerb
from panels import services
from panels.models import AgendaItem, Attendance, Discussion, Meeting, MeetingStatus
from partnership.models import AgencyKind, Panel, Role
from tests.partnership.factories import AgencyFactory
from tests.world import Api, PanelSitting, chair_of_another_panel, new_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# People of member agencies who are not this panel's chair: a panel member, a practitioner with no
# panel role, and the chair of another panel.
NOT_THE_CHAIR = ("member", "health_practitioner", "other_chair")
NOT_ON_THE_PANEL = ("outsider", "admin", "auditor")


class ContractWorld(PanelSitting):
    def __init__(self) -> None:
        super().__init__()
        self.health_practitioner = self.health_baseline
        self.other_chair = chair_of_another_panel(self.health)

    def api(self, name: str) -> Api:
        return Api(self.user(name))


@pytest.fixture
def cw(db: Any) -> ContractWorld:
    return ContractWorld()


def _refused_to_everyone_but_the_chair(cw: ContractWorld, path: str, data: dict[str, Any]) -> None:
    for name in NOT_THE_CHAIR:
        response = cw.api(name).post(path, data)
        assert response.status_code == 403, (name, response.content)
        assert "detail" in response.json()
    for name in NOT_ON_THE_PANEL:
        response = cw.api(name).post(path, data)
        assert response.status_code == 404, (name, response.content)
        assert response.json() == {"detail": "Not found."}


# --- POST /api/v1/panels/{id}/meetings/ ---------------------------------------------------------------


def test_the_chair_adds_a_meeting(cw: ContractWorld) -> None:
    path = f"panels/{cw.panel.pk}/meetings/"
    when = (timezone.localtime() + dt.timedelta(days=9)).replace(hour=14, minute=30, second=0, microsecond=0)
    body = {"scheduled_at": when.isoformat(), "venue": "Town Hall, Room 2", "reason": "Extra cases this month"}
    _refused_to_everyone_but_the_chair(cw, path, body)
    assert Meeting.objects.filter(panel=cw.panel).count() == 1

    response = cw.api("chair").post(path, body)
    assert response.status_code == 201, response.content
    meeting = response.json()
    assert meeting["panel"] == cw.panel.pk
    assert meeting["status"] == "scheduled"
    assert meeting["venue"] == "Town Hall, Room 2"
    assert meeting["moved_reason"] == "Extra cases this month"
    assert dt.datetime.fromisoformat(meeting["scheduled_at"]) == when
    added = Meeting.objects.get(pk=meeting["id"])
    assert added.slot is None
    assert AuditEvent.objects.filter(verb=AuditVerb.CREATED, object_id=str(added.pk), actor_id=cw.chair.pk).exists()
    assert cw.api("chair").post("panels/999999/meetings/", body).status_code == 404


def test_adding_a_meeting_with_bad_input_is_400_with_field_messages(cw: ContractWorld) -> None:
    path = f"panels/{cw.panel.pk}/meetings/"
    chair = cw.api("chair")
    response = chair.post(path, {"venue": "Hall"})
    assert response.status_code == 400
    assert set(response.json()) == {"scheduled_at", "reason"}
    response = chair.post(path, {"scheduled_at": "not a date", "reason": "x"})
    assert response.status_code == 400
    assert set(response.json()) == {"scheduled_at"}
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    response = chair.post(path, {"scheduled_at": yesterday.isoformat(), "reason": " "})
    assert response.status_code == 400
    assert response.json() == {
        "scheduled_at": ["The meeting must be today or later"],
        "reason": ["Say why the extra meeting is needed"],
    }
    assert Meeting.objects.filter(panel=cw.panel).count() == 1


def test_without_a_venue_the_meeting_is_at_the_panels_own(cw: ContractWorld) -> None:
    Panel.objects.filter(pk=cw.panel.pk).update(venue="Civic Centre")
    when = timezone.now() + dt.timedelta(days=3)
    response = cw.api("chair").post(
        f"panels/{cw.panel.pk}/meetings/", {"scheduled_at": when.isoformat(), "reason": "Rescheduled"}
    )
    assert response.status_code == 201
    assert response.json()["venue"] == "Civic Centre"


# --- POST /api/v1/meetings/{id}/agenda/ ---------------------------------------------------------------


def test_the_chair_adds_a_case_they_may_read(cw: ContractWorld) -> None:
    case = cw.case(given_name="Zqaddable")
    path = f"meetings/{cw.meeting.pk}/agenda/"
    body = {"case": case.pk, "reason": "Urgent: new information from school"}
    _refused_to_everyone_but_the_chair(cw, path, body)
    assert not AgendaItem.objects.exists()

    response = cw.api("chair").post(path, body)
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["case"] == {"id": case.pk, "reference": case.reference}
    assert item["kind"] == "added"
    assert item["decision"] is None
    assert AgendaItem.objects.get(pk=item["id"]).meeting_id == cw.meeting.pk
    # Once on the agenda, every member agency reads it: health's member sees it on the agenda.
    agenda = cw.api("member").get(f"meetings/{cw.meeting.pk}/agenda/").json()
    assert [i["case"]["id"] for i in agenda["items"]] == [case.pk]
    response = cw.api("chair").post(path, body)
    assert response.status_code == 400
    assert response.json() == {"case": ["That case is already on the agenda"]}


def test_a_case_the_chair_may_not_read_is_refused_like_one_that_does_not_exist(cw: ContractWorld) -> None:
    # Classified above the chair's Security Check clearance (rank 2): the chair may not read it.
    author = new_user(cw.school, 3, Role.PRACTITIONER)
    cw.referrer_sc = author
    hidden = cw.case(classification=3, given_name="Zqhidden")
    path = f"meetings/{cw.meeting.pk}/agenda/"
    unreadable = cw.api("chair").post(path, {"case": hidden.pk, "reason": "x"})
    missing = cw.api("chair").post(path, {"case": 999999, "reason": "x"})
    assert unreadable.status_code == missing.status_code == 400
    assert unreadable.json() == missing.json() == {"case": ["Choose a case of this panel"]}
    assert "Zqhidden" not in unreadable.content.decode()
    response = cw.api("chair").post(path, {"case": "abc"})
    assert response.status_code == 400
    assert set(response.json()) == {"case", "reason"}
    assert not AgendaItem.objects.exists()


def test_adding_to_the_agenda_of_a_signed_meeting_is_409(cw: ContractWorld) -> None:
    case = cw.case()
    cw.start()
    cw.quorate()
    services.sign_minutes(actor=cw.chair, meeting_id=cw.meeting.pk)
    response = cw.api("chair").post(f"meetings/{cw.meeting.pk}/agenda/", {"case": case.pk, "reason": "Late"})
    assert response.status_code == 409
    assert "detail" in response.json()


# --- POST /api/v1/meetings/{id}/start/ ---------------------------------------------------------------


def test_the_chair_starts_the_meeting_on_its_day(cw: ContractWorld) -> None:
    path = f"meetings/{cw.meeting.pk}/start/"
    _refused_to_everyone_but_the_chair(cw, path, {})
    assert Meeting.objects.get(pk=cw.meeting.pk).status == MeetingStatus.SCHEDULED
    response = cw.api("chair").post(path)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert response.json()["started_at"] is not None
    # Starting it again changes nothing.
    again = cw.api("chair").post(path)
    assert again.status_code == 200
    assert again.json()["started_at"] == response.json()["started_at"]


def test_a_meeting_does_not_start_before_its_day(cw: ContractWorld) -> None:
    tomorrow = services.add_meeting(
        actor=cw.chair, panel=cw.panel, scheduled_at=timezone.now() + dt.timedelta(days=1), reason="Tomorrow"
    )
    response = cw.api("chair").post(f"meetings/{tomorrow.pk}/start/")
    assert response.status_code == 409
    assert "before its day" in response.json()["detail"]
    assert Meeting.objects.get(pk=tomorrow.pk).status == MeetingStatus.SCHEDULED


def test_a_cancelled_or_closed_meeting_does_not_start(cw: ContractWorld) -> None:
    cancelled = services.add_meeting(actor=cw.chair, panel=cw.panel, scheduled_at=timezone.now(), reason="Extra")
    services.cancel_meeting(actor=cw.chair, meeting_id=cancelled.pk, reason="No cases")
    response = cw.api("chair").post(f"meetings/{cancelled.pk}/start/")
    assert response.status_code == 409
    assert response.json() == {"detail": "This meeting was cancelled."}
    cw.start()
    cw.quorate()
    services.sign_minutes(actor=cw.chair, meeting_id=cw.meeting.pk)
    response = cw.api("chair").post(f"meetings/{cw.meeting.pk}/start/")
    assert response.status_code == 409
    assert Meeting.objects.get(pk=cw.meeting.pk).status == MeetingStatus.CLOSED


def test_the_meetings_day_is_its_london_date() -> None:
    # 00:30 on 10 June 2027 in London (summer time) is 23:30 on 9 June in UTC.
    meeting_at = dt.datetime(2027, 6, 10, 0, 30, tzinfo=LONDON)
    with time_machine.travel(dt.datetime(2027, 6, 9, 22, 0, tzinfo=dt.UTC), tick=False):
        cw = ContractWorld()  # 23:00 on 9 June in London
        meeting = services.add_meeting(actor=cw.chair, panel=cw.panel, scheduled_at=meeting_at, reason="Night")
        assert cw.api("chair").post(f"meetings/{meeting.pk}/start/").status_code == 409
    # 23:15 UTC on 9 June is 00:15 on 10 June in London: the meeting's day has come.
    with time_machine.travel(dt.datetime(2027, 6, 9, 23, 15, tzinfo=dt.UTC), tick=False):
        response = cw.api("chair").post(f"meetings/{meeting.pk}/start/")
        assert response.status_code == 200, response.content


# --- POST /api/v1/meetings/{id}/attendance/ -------------------------------------------------------------


def test_the_chair_records_attendance(cw: ContractWorld) -> None:
    path = f"meetings/{cw.meeting.pk}/attendance/"
    body = {"agency": cw.health.pk, "present": True, "attendee": cw.member.username}
    _refused_to_everyone_but_the_chair(cw, path, body)
    assert not Attendance.objects.exists()
    response = cw.api("chair").post(path, body)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "agency": {"id": cw.health.pk, "name": "Health"},
        "present": True,
        "attendee": {"id": cw.member.pk, "username": cw.member.username, "name": cw.member.get_full_name()},
    }
    # Recorded again: changed, not doubled.
    response = cw.api("chair").post(path, {"agency": cw.health.pk, "present": False})
    assert response.status_code == 200
    row = Attendance.objects.get()
    assert (row.present, row.attendee_id) == (False, None)


def test_any_active_agency_may_attend_but_only_members_make_the_quorum(cw: ContractWorld) -> None:
    path = f"meetings/{cw.meeting.pk}/attendance/"
    chair = cw.api("chair")
    for agency, attendee in ((cw.council, cw.chair), (cw.health, cw.member)):
        assert (
            chair.post(path, {"agency": agency.pk, "present": True, "attendee": attendee.username}).status_code == 200
        )
    # Probation is not on the panel: it may attend, and is recorded, but does not make the meeting quorate.
    response = chair.post(path, {"agency": cw.probation.pk, "present": True, "attendee": cw.outsider.username})
    assert response.status_code == 200, response.content
    detail = chair.get(f"meetings/{cw.meeting.pk}/").json()
    assert "Probation" in {row["agency"]["name"] for row in detail["attendance"]}
    assert detail["quorum"]["met"] is False
    assert chair.post(path, {"agency": cw.police.pk, "present": True}).status_code == 200
    assert chair.get(f"meetings/{cw.meeting.pk}/").json()["quorum"]["met"] is True


def test_attendance_with_bad_input_is_400_with_field_messages(cw: ContractWorld) -> None:
    path = f"meetings/{cw.meeting.pk}/attendance/"
    chair = cw.api("chair")
    gone = AgencyFactory(name="Closed agency", kind=AgencyKind.OTHER, is_active=False)
    cases = [
        ({"present": True}, {"agency"}),
        ({"agency": cw.health.pk}, {"present"}),
        ({"agency": cw.health.pk, "present": True, "attendee": "nobody-here"}, {"attendee"}),
        ({"agency": 999999, "present": True}, {"agency"}),
        ({"agency": gone.pk, "present": True}, {"agency"}),
    ]
    for body, fields in cases:
        response = chair.post(path, body)
        assert response.status_code == 400, body
        assert set(response.json()) == fields, (body, response.json())
    response = chair.post(path, {"agency": cw.health.pk, "present": True, "attendee": cw.police_member.username})
    assert response.status_code == 400
    assert response.json() == {"attendee": ["The attendee must belong to that agency"]}
    assert not Attendance.objects.exists()


def test_attendance_of_a_signed_meeting_is_409(cw: ContractWorld) -> None:
    cw.start()
    cw.quorate()
    services.sign_minutes(actor=cw.chair, meeting_id=cw.meeting.pk)
    response = cw.api("chair").post(f"meetings/{cw.meeting.pk}/attendance/", {"agency": cw.school.pk, "present": True})
    assert response.status_code == 409
    assert response.json() == {"detail": "The minutes are signed: record changes as an addendum."}


# --- POST /api/v1/agenda-items/{id}/decision/ and the quorum override ---------------------------------------


def _adopt() -> dict[str, Any]:
    return {
        "decision": "adopt",
        "notes": "Agreed",
        "next_review_date": (timezone.localdate() + dt.timedelta(days=42)).isoformat(),
    }


def test_no_decision_while_the_meeting_is_not_quorate(cw: ContractWorld) -> None:
    case = cw.case()
    cw.build()
    cw.start()
    path = f"agenda-items/{cw.item(case).pk}/decision/"
    response = cw.api("chair").post(path, _adopt())
    assert response.status_code == 409
    assert "not quorate" in response.json()["detail"]
    assert not Discussion.objects.exists()
    cw.quorate()
    assert cw.api("chair").post(path, _adopt()).status_code == 201
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ADOPTED


def test_the_chair_overrides_the_quorum_with_a_reason_and_the_meeting_decides(cw: ContractWorld) -> None:
    case = cw.case()
    cw.build()
    cw.start()
    override = f"meetings/{cw.meeting.pk}/quorum-override/"
    reason = {"reason": "Police sent apologies; the case cannot wait six weeks"}
    _refused_to_everyone_but_the_chair(cw, override, reason)
    response = cw.api("chair").post(override, {"reason": "  "})
    assert response.status_code == 400
    assert response.json() == {"reason": ["Say why the meeting goes ahead without a quorum"]}
    assert cw.api("chair").post(override, {}).status_code == 400
    assert not Meeting.objects.get(pk=cw.meeting.pk).quorum_overridden

    response = cw.api("chair").post(override, reason)
    assert response.status_code == 200, response.content
    assert response.json()["met"] is False
    assert response.json()["overridden"] is True
    assert response.json()["override_reason"] == reason["reason"]
    meeting = Meeting.objects.get(pk=cw.meeting.pk)
    assert (meeting.quorum_overridden_by, meeting.quorum_override_reason) == (cw.chair, reason["reason"])
    assert AuditEvent.objects.filter(
        verb=AuditVerb.CHANGED, object_id=str(meeting.pk), actor_id=cw.chair.pk, reason=reason["reason"]
    ).exists()
    assert cw.api("chair").post(override, reason).status_code == 409  # recorded once

    response = cw.api("chair").post(f"agenda-items/{cw.item(case).pk}/decision/", _adopt())
    assert response.status_code == 201, response.content
    services.sign_minutes(actor=cw.chair, meeting_id=cw.meeting.pk)
    assert Meeting.objects.get(pk=cw.meeting.pk).is_sealed


def test_a_quorate_or_closed_meeting_needs_no_override(cw: ContractWorld) -> None:
    cw.start()
    cw.quorate()
    override = f"meetings/{cw.meeting.pk}/quorum-override/"
    response = cw.api("chair").post(override, {"reason": "Just in case"})
    assert response.status_code == 409
    assert response.json() == {"detail": "The meeting is quorate: no override is needed."}
    services.sign_minutes(actor=cw.chair, meeting_id=cw.meeting.pk)
    assert cw.api("chair").post(override, {"reason": "Late"}).status_code == 409


def test_the_schema_names_the_contract_operations(client: Any) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = {
        ("/api/v1/panels/{panel_id}/meetings/", "post"): "v1_panels_meetings_create",
        ("/api/v1/meetings/{meeting_id}/agenda/", "post"): "v1_meetings_agenda_create",
        ("/api/v1/meetings/{meeting_id}/start/", "post"): "v1_meetings_start_create",
        ("/api/v1/meetings/{meeting_id}/attendance/", "post"): "v1_meetings_attendance_create",
        ("/api/v1/meetings/{meeting_id}/quorum-override/", "post"): "v1_meetings_quorum_override_create",
    }
    for (path, method), operation_id in operations.items():
        assert schema["paths"][path][method]["operationId"] == operation_id
    assert "post" in schema["paths"]["/api/v1/agenda-items/{item_id}/decision/"]
