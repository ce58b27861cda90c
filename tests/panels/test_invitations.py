"""People at a meeting: who is invited, the guest invited for one item (who sees that item alone,
on every page, in the pack, in the API and in what they are told), attendance per person, and the
confidentiality statement confirmed when the meeting starts."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, Reminder
from panels import events, selectors, services
from panels.models import Attendance, AttendeeStatus, Invitation
from panels.pack_pdf import render_pack_pdf
from partnership.models import PanelMembership, Role
from tests.world import Api, PanelSitting, client_for, new_agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    world = PanelSitting()
    # Health names its representative; the others name none (their SPOCs are the panel's people).
    PanelMembership.objects.get(panel=world.panel, agency=world.health).representatives.add(world.member)
    world.mentoring = new_agency("Mentoring Trust")
    world.people(mentor=(world.mentoring, 2, Role.PRACTITIONER))
    world.ours = world.case(given_name="Aled", family_name="Morgan")
    world.other = world.case(given_name="Bryn", family_name="Carys")
    # The mentoring provider and probation are asked about BOTH cases, so they read both: only the
    # invitation, not the sharing rules, keeps the other item from the guest.
    for case in (world.ours, world.other):
        world.ask(case, world.mentoring, world.probation)
    world.build()
    return world


def _guest(pw: PanelSitting) -> Invitation:
    item = pw.item(pw.ours)
    return services.invite_person(actor=pw.chair, meeting_id=pw.meeting.pk, person_id=pw.mentor.pk, item_id=item.pk)


def test_building_the_agenda_invites_the_panels_people_to_the_whole_meeting(pw: PanelSitting) -> None:
    invited = dict(Invitation.objects.filter(meeting=pw.meeting).values_list("person_id", "item_id"))
    # The chair, health's named representative, health's SPOC is not (health names someone); no guest.
    assert pw.chair.pk in invited
    assert pw.member.pk in invited
    assert pw.health_spoc.pk not in invited
    assert pw.mentor.pk not in invited
    assert set(invited.values()) == {None}
    # Inviting again adds nobody.
    assert services.invite_members(actor=pw.chair, meeting_id=pw.meeting.pk) == []


def test_who_may_be_invited_and_by_whom(pw: PanelSitting) -> None:
    meeting = pw.meeting.pk
    with pytest.raises(PermissionDenied):
        services.invite_person(actor=pw.member, meeting_id=meeting, person_id=pw.junior.pk)
    with pytest.raises(ValidationError) as outside:  # another agency: for one item only
        services.invite_person(actor=pw.chair, meeting_id=meeting, person_id=pw.mentor.pk)
    assert "for one case" in str(outside.value)
    with pytest.raises(ValidationError):  # admins sit on no panel
        services.invite_person(actor=pw.chair, meeting_id=meeting, person_id=pw.admin.pk, item_id=pw.item(pw.ours).pk)
    stranger = new_agency("Housing")
    pw.people(tenant_officer=(stranger, 3, Role.PRACTITIONER))
    with pytest.raises(ValidationError) as unread:  # their agency cannot read the case
        services.invite_person(
            actor=pw.chair, meeting_id=meeting, person_id=pw.tenant_officer.pk, item_id=pw.item(pw.ours).pk
        )
    assert "share the case" in str(unread.value)
    junior = services.invite_person(actor=pw.chair, meeting_id=meeting, person_id=pw.junior.pk)
    assert junior.item_id is None
    with pytest.raises(ValidationError):  # already invited
        services.invite_person(actor=pw.chair, meeting_id=meeting, person_id=pw.junior.pk)


def test_a_guest_sees_their_item_alone_on_the_pages(pw: PanelSitting) -> None:
    _guest(pw)
    services.declare_interest(actor=pw.member, meeting_id=pw.meeting.pk, text="My cousin", case_id=pw.other.pk)
    client = client_for(pw.mentor)
    page = client.get(f"/panels/meetings/{pw.meeting.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert pw.ours.reference in html
    assert pw.other.reference not in html
    assert "Bryn" not in html
    for name in (pw.member.get_full_name(), pw.chair.get_full_name(), "My cousin"):
        assert name not in html  # no attendee, no declaration
    assert "withheld" not in html
    assert "cannot read" not in html
    assert "You are invited to this meeting for one case" in html
    ours, other = pw.item(pw.ours), pw.item(pw.other)
    item_page = client.get(f"/panels/meetings/{pw.meeting.pk}/items/{ours.pk}/")
    assert item_page.status_code == 200
    assert pw.other.reference not in item_page.content.decode()
    assert client.get(f"/panels/meetings/{pw.meeting.pk}/items/{other.pk}/").status_code == 404
    # The guest reads the other case elsewhere (the sharing rules let them): the meeting never shows it.
    assert client.get(f"/referrals/cases/{pw.other.pk}/").status_code == 200


def test_a_guests_pack_and_api_hold_their_item_alone(pw: PanelSitting) -> None:
    _guest(pw)
    pack = selectors.panel_pack_for(viewer=pw.mentor, meeting=pw.meeting)
    assert [c.case.pk for c in pack.cases] == [pw.ours.pk]
    assert pack.withheld == 0
    assert pack.actions is None
    html = client_for(pw.mentor).get(f"/panels/meetings/{pw.meeting.pk}/pack/").content.decode()
    assert pw.ours.reference in html
    assert pw.other.reference not in html
    assert "Carried forward" not in html
    assert "cannot read" not in html
    assert pw.other.reference.encode() not in render_pack_pdf(pack, compress=False)

    api = Api(pw.mentor)
    agenda = api.get(f"meetings/{pw.meeting.pk}/agenda/")
    assert agenda.status_code == 200
    body = agenda.json()
    assert [i["case"]["reference"] for i in body["items"]] == [pw.ours.reference]
    assert body["withheld"] is None
    detail = api.get(f"meetings/{pw.meeting.pk}/").json()
    assert detail["attendance"] == []  # no one else's name
    decided = api.post(f"agenda-items/{pw.item(pw.other).pk}/decision/", {"decision": "adopt"})
    assert decided.status_code == 404


def test_someone_not_invited_from_outside_the_panel_finds_no_meeting(pw: PanelSitting) -> None:
    # Probation reads both cases, but nobody of it is invited: the meeting does not exist for them.
    assert client_for(pw.outsider).get(f"/panels/meetings/{pw.meeting.pk}/").status_code == 404
    assert Api(pw.outsider).get(f"meetings/{pw.meeting.pk}/agenda/").status_code == 404
    with pytest.raises(NotFound):
        selectors.access_meeting(viewer=pw.outsider, meeting_id=pw.meeting.pk)


def test_a_guest_is_told_of_their_item_alone_and_the_papers_go_to_the_invited(pw: PanelSitting) -> None:
    invitation = _guest(pw)
    [told] = Reminder.objects.filter(kind=events.INVITED_FOR_ITEM)
    assert told.recipient_id == pw.mentor.pk
    assert told.link == f"/panels/meetings/{pw.meeting.pk}/items/{invitation.item_id}/"
    assert pw.other.reference not in told.reference
    assert pw.other.reference not in told.link
    papers = set(Reminder.objects.filter(kind=events.PAPERS_READY).values_list("recipient_id", flat=True))
    invited = set(Invitation.objects.filter(meeting=pw.meeting).values_list("person_id", flat=True))
    assert papers <= invited  # the invited, never the chair who built it
    assert pw.member.pk in papers
    assert pw.chair.pk not in papers
    assert not papers & {pw.outsider.pk, pw.junior.pk, pw.admin.pk, pw.auditor.pk}


def test_attendance_per_person_is_their_agencys_and_makes_the_quorum(pw: PanelSitting) -> None:
    pw.start()
    by_person = {i.person_id: i for i in Invitation.objects.filter(meeting=pw.meeting)}
    # The police name no one and have no SPOC here: the chair invites their panel member.
    police = services.invite_person(actor=pw.chair, meeting_id=pw.meeting.pk, person_id=pw.police_member.pk)
    for invitation in (by_person[pw.chair.pk], by_person[pw.member.pk], police):
        services.record_attendee(
            actor=pw.chair, meeting_id=pw.meeting.pk, invitation_id=invitation.pk, status=AttendeeStatus.PRESENT
        )
    assert services.quorum(pw.meeting).met
    assert Attendance.objects.get(meeting=pw.meeting, agency=pw.council).attendee_id == pw.chair.pk
    services.record_attendee(
        actor=pw.chair, meeting_id=pw.meeting.pk, invitation_id=by_person[pw.member.pk].pk, status="apologies"
    )
    health = Attendance.objects.get(meeting=pw.meeting, agency=pw.health)
    assert not health.present  # health's one attendee sent apologies
    assert not services.quorum(pw.meeting).met
    with pytest.raises(ValidationError):
        services.record_attendee(
            actor=pw.chair, meeting_id=pw.meeting.pk, invitation_id=by_person[pw.member.pk].pk, status="maybe"
        )
    with pytest.raises(PermissionDenied):
        services.record_attendee(
            actor=pw.member, meeting_id=pw.meeting.pk, invitation_id=by_person[pw.member.pk].pk, status="present"
        )


def test_confidentiality_is_confirmed_when_the_meeting_starts_recorded_with_its_time_and_audited(
    pw: PanelSitting,
) -> None:
    meeting = pw.meeting.pk
    with pytest.raises(InvalidTransition):  # not before the meeting starts
        services.confirm_confidentiality(actor=pw.member, meeting_id=meeting)
    pw.start()
    mine = services.confirm_confidentiality(actor=pw.member, meeting_id=meeting)
    assert mine.person_id == pw.member.pk
    assert mine.confidentiality_confirmed_at is not None
    assert mine.confidentiality_recorded_by_id == pw.member.pk
    assert mine.status == AttendeeStatus.PRESENT
    assert Attendance.objects.get(meeting=pw.meeting, agency=pw.health).present
    event = AuditEvent.objects.filter(object_id=str(meeting), details__confidentiality_confirmed=pw.member.pk).get()
    assert event.actor_id == pw.member.pk
    with pytest.raises(InvalidTransition):
        services.confirm_confidentiality(actor=pw.member, meeting_id=meeting)
    with pytest.raises(NotFound):  # not invited
        services.confirm_confidentiality(actor=pw.outsider, meeting_id=meeting)
    guest = _guest(pw)
    with pytest.raises(PermissionDenied):  # only the chair records it for someone else
        services.confirm_confidentiality(actor=pw.member, meeting_id=meeting, invitation_id=guest.pk)
    recorded = services.confirm_confidentiality(actor=pw.chair, meeting_id=meeting, invitation_id=guest.pk)
    assert recorded.confidentiality_recorded_by_id == pw.chair.pk
    page = client_for(pw.chair).get(f"/panels/meetings/{meeting}/").content.decode()
    assert "Invited attendees" in page
    assert "Confirmed " in page


def test_the_meeting_page_offers_the_attendee_the_statement(pw: PanelSitting) -> None:
    client = client_for(pw.member)
    before = client.get(f"/panels/meetings/{pw.meeting.pk}/").content.decode()
    assert "You confirm this statement when the meeting starts." in before
    pw.start()
    response = client.post(f"/panels/meetings/{pw.meeting.pk}/confidentiality/")
    assert response.status_code == 302
    assert Invitation.objects.get(meeting=pw.meeting, person=pw.member).confirmed
    after = client.get(f"/panels/meetings/{pw.meeting.pk}/").content.decode()
    assert "You confirmed this statement" in after
