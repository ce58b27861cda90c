"""Panel pages: the dashboard, schedules, the live meeting, the case's panel record and the pack.

Every page and form is checked for who may use it: the chair, a member agency's
user, a user of an agency that is not on the panel (404), a member below a
case's clearance (the case is withheld: counted, never shown), and the
partnership admin and auditor (no case content). The meeting, item and case
pages and the pack have pinned query counts that do not grow with the agenda.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseStatus
from core.models import AuditEvent, AuditVerb
from panels import services
from panels.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AssessmentFactor,
    Attendance,
    ConsentRecord,
    Declaration,
    Discussion,
    Intervention,
    Meeting,
    MeetingStatus,
    PlanStatus,
)
from tests.pages import date_fields
from tests.partnership.config_helpers import panel_form
from tests.world import PanelSitting, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    return PanelSitting()


def future(days: int = 42) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def ratings_post(level: int = 1) -> dict[str, str]:
    data = {}
    for factor in AssessmentFactor.objects.filter(is_active=True):
        data[f"rating_{factor.pk}"] = str(level)
        data[f"evidence_{factor.pk}"] = f"evidence {factor.pk}"
    return data


# --- Who may open each page -----------------------------------------------------------------------

READERS = ["chair", "member", "outsider", "admin", "auditor"]


@pytest.fixture
def on_agenda(pw: PanelSitting) -> dict[str, Any]:
    open_case = pw.case(given_name="Opencase", family_name="Everyone")
    secret = pw.case(classification=2, given_name="Secretcase", family_name="Security")
    pw.build()
    return {"open": open_case, "secret": secret}


PAGES = {
    # page: expected status for chair, member, outsider, admin, auditor
    "schedule": (200, 200, 404, 404, 404),
    "meeting": (200, 200, 404, 404, 404),
    "item": (200, 200, 404, 404, 404),
    "pack": (200, 200, 404, 404, 404),
    "pack_pdf": (200, 200, 404, 404, 404),
    "case": (200, 200, 404, 404, 404),
    "consent": (200, 403, 404, 404, 404),
    "assessment": (200, 200, 404, 404, 404),
    "intervention": (200, 200, 404, 404, 404),
    "move": (200, 403, 404, 404, 404),
    "cancel": (200, 403, 404, 404, 404),
    "sign": (200, 403, 404, 404, 404),
}


def page_url(pw: PanelSitting, name: str, case: Case) -> str:
    m = pw.meeting.pk
    return {
        "schedule": f"/panels/{pw.panel.pk}/meetings/",
        "meeting": f"/panels/meetings/{m}/",
        "item": f"/panels/meetings/{m}/items/{pw.item(case).pk}/",
        "pack": f"/panels/meetings/{m}/pack/",
        "pack_pdf": f"/panels/meetings/{m}/pack.pdf",
        "case": f"/panels/cases/{case.pk}/",
        "consent": f"/panels/cases/{case.pk}/consent/",
        "assessment": f"/panels/cases/{case.pk}/assessment/",
        "intervention": f"/panels/cases/{case.pk}/interventions/new/",
        "move": f"/panels/meetings/{m}/move/",
        "cancel": f"/panels/meetings/{m}/cancel/",
        "sign": f"/panels/meetings/{m}/sign/",
    }[name]


@pytest.mark.parametrize("page", list(PAGES))
def test_who_may_open_each_page(pw: PanelSitting, on_agenda: dict[str, Any], page: str) -> None:
    url = page_url(pw, page, on_agenda["open"])
    for reader, expected in zip(READERS, PAGES[page], strict=True):
        response = client_for(pw.user(reader)).get(url)
        assert response.status_code == expected, (page, reader, response.status_code)
        body = response.content
        if expected == 200 and page != "pack_pdf":
            assert b'class="govuk-heading-l"' in body
        if reader in ("outsider", "admin", "auditor"):
            assert b"Opencase" not in body
            assert on_agenda["open"].reference.encode() not in body


@pytest.mark.parametrize("page", ["item", "case", "assessment", "intervention"])
def test_a_member_below_the_case_clearance_gets_404_for_its_pages(
    pw: PanelSitting, on_agenda: dict[str, Any], page: str
) -> None:
    secret = on_agenda["secret"]
    assert client_for(pw.member).get(page_url(pw, page, secret)).status_code == 200
    response = client_for(pw.junior).get(page_url(pw, page, secret))
    assert response.status_code == 404
    assert b"Secretcase" not in response.content


def test_the_meeting_page_withholds_cases_above_the_readers_clearance(
    pw: PanelSitting, on_agenda: dict[str, Any]
) -> None:
    junior = client_for(pw.junior).get(f"/panels/meetings/{pw.meeting.pk}/").content.decode()
    assert on_agenda["open"].reference in junior
    assert on_agenda["secret"].reference not in junior
    assert "Secretcase" not in junior
    assert "1 agenda item is on cases you cannot read" in junior
    member = client_for(pw.member).get(f"/panels/meetings/{pw.meeting.pk}/").content.decode()
    assert on_agenda["secret"].reference in member
    assert "cases you cannot read" not in member


def test_the_dashboard_for_each_reader(pw: PanelSitting, on_agenda: dict[str, Any]) -> None:
    chair = client_for(pw.chair).get("/panels/").content.decode()
    assert "Next meeting" in chair
    assert "Agenda readiness" in chair
    assert on_agenda["open"].reference in chair
    assert "Statutory clocks at risk" in chair
    member = client_for(pw.member).get("/panels/").content.decode()
    assert "Agenda readiness" not in member
    assert pw.panel.name in member
    assert f"/panels/meetings/{pw.meeting.pk}/" in member
    assert on_agenda["open"].reference not in member  # the schedule holds no case content
    for reader in ("outsider", "admin", "auditor"):
        response = client_for(pw.user(reader)).get("/panels/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "You are not a member of any panel" in body
        assert pw.panel.name not in body
        assert on_agenda["open"].reference not in body


# --- Who may change things --------------------------------------------------------------------------


def test_members_cannot_run_the_meeting_and_outsiders_do_not_see_it(
    pw: PanelSitting, on_agenda: dict[str, Any]
) -> None:
    m = pw.meeting.pk
    item = pw.item(on_agenda["open"])
    posts = [
        (f"/panels/meetings/{m}/agenda/build/", {}),
        (f"/panels/meetings/{m}/start/", {}),
        (f"/panels/meetings/{m}/attendance/{pw.health.pk}/", {f"attendance-{pw.health.pk}-present": "yes"}),
        (f"/panels/meetings/{m}/agenda/add/", {"add-case": str(on_agenda["open"].pk), "add-reason": "x"}),
        (f"/panels/meetings/{m}/agenda/{item.pk}/move/", {"direction": "down"}),
        (f"/panels/meetings/{m}/items/{item.pk}/decision/", {"decision-decision": "adopt"}),
        (f"/panels/meetings/{m}/items/{item.pk}/defer/", {"defer-reason": "Not ready"}),
        (f"/panels/meetings/{m}/sign/", {"confirm": "on"}),
        (f"/panels/meetings/{m}/move/", {"reason": "x", **date_fields("date", future(3)), "time": "10:00"}),
        (f"/panels/meetings/{m}/cancel/", {"reason": "x"}),
    ]
    pw.start()
    member, outsider, admin = client_for(pw.member), client_for(pw.outsider), client_for(pw.admin)
    for url, data in posts:
        assert member.post(url, data).status_code == 403, url
        assert outsider.post(url, data).status_code == 404, url
        assert admin.post(url, data).status_code == 404, url
    for url, data in (
        (f"/panels/meetings/{m}/declarations/", {"declaration-text": "x"}),
        (f"/panels/meetings/{m}/addenda/", {"addendum-text": "x"}),
        (f"/panels/meetings/{m}/items/{item.pk}/actions/", {"action-description": "x"}),
    ):
        assert outsider.post(url, data).status_code == 404, url
        assert admin.post(url, data).status_code == 404, url
    assert not Declaration.objects.exists()
    assert not Discussion.objects.exists()
    assert not Attendance.objects.exists()
    assert AgendaItem.objects.filter(deferred_reason="").count() == 2
    assert Meeting.objects.get(pk=m).status == MeetingStatus.IN_PROGRESS


def test_case_forms_for_each_reader(pw: PanelSitting, on_agenda: dict[str, Any]) -> None:
    case = on_agenda["open"]
    consent = {"purpose": "channel_support", "status": "given", "given_by": "parent_guardian", "method": "written"}
    action = {
        "action-description": "Call the family",
        "action-owner_agency": str(pw.health.pk),
        **date_fields("action-due_date", future(7)),
    }
    for reader in ("outsider", "admin", "auditor"):
        client = client_for(pw.user(reader))
        assert client.post(f"/panels/cases/{case.pk}/consent/", consent).status_code == 404
        assert client.post(f"/panels/cases/{case.pk}/actions/", action).status_code == 404
        assert client.post(f"/panels/cases/{case.pk}/plan/activate/", {"plan-objectives": "x"}).status_code == 404
        assert client.post(f"/panels/cases/{case.pk}/assessment/", ratings_post()).status_code == 404
    member = client_for(pw.member)
    assert member.post(f"/panels/cases/{case.pk}/consent/", consent).status_code == 403
    assert not ConsentRecord.objects.exists()
    # A member may add actions; the owning agency (health) may mark them done.
    response = member.post(f"/panels/cases/{case.pk}/actions/", action)
    assert response.status_code == 302
    created = Action.objects.get()
    assert client_for(pw.outsider).post(f"/panels/actions/{created.pk}/complete/").status_code == 404
    assert client_for(pw.police_member).post(f"/panels/actions/{created.pk}/complete/").status_code == 403
    assert member.post(f"/panels/actions/{created.pk}/complete/").status_code == 302
    assert Action.objects.get().status == ActionStatus.DONE
    # Done already: a clear banner, not an error page.
    response = member.post(f"/panels/actions/{created.pk}/complete/", follow=True)
    assert response.status_code == 200
    assert "This action is not open." in response.content.decode()


# --- The chair runs a meeting through the pages ------------------------------------------------------


def test_the_chair_runs_a_meeting(pw: PanelSitting) -> None:
    case = pw.case(given_name="Callum", family_name="Reid", date_of_birth=dt.date(2010, 5, 17))
    other = pw.case(given_name="Amira", family_name="Haddad")
    chair = client_for(pw.chair)
    m = pw.meeting.pk

    response = chair.post(f"/panels/meetings/{m}/agenda/build/", follow=True)
    assert "2 cases added to the agenda." in response.content.decode()
    first, second = AgendaItem.objects.filter(meeting=pw.meeting).order_by("position")
    chair.post(f"/panels/meetings/{m}/agenda/{second.pk}/move/", {"direction": "up"})
    assert list(AgendaItem.objects.filter(meeting=pw.meeting).order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]

    # Decisions wait for the meeting to start: a clear banner.
    item = pw.item(case)
    response = chair.post(
        f"/panels/meetings/{m}/items/{item.pk}/decision/",
        {
            "decision-decision": "adopt",
            "decision-classification": "1",
            **date_fields("decision-next_review_date", future()),
        },
        follow=True,
    )
    assert "Start the meeting before recording decisions." in response.content.decode()

    chair.post(f"/panels/meetings/{m}/start/")
    for agency, attendee in ((pw.council, pw.chair), (pw.health, pw.member), (pw.police, None)):
        response = chair.post(
            f"/panels/meetings/{m}/attendance/{agency.pk}/",
            {
                f"attendance-{agency.pk}-present": "yes",
                f"attendance-{agency.pk}-attendee": str(attendee.pk) if attendee else "",
            },
        )
        assert response.status_code == 302
    page = chair.get(f"/panels/meetings/{m}/").content.decode()
    assert "Quorate" in page
    assert "Not quorate" not in page

    chair.post(f"/panels/meetings/{m}/declarations/", {"declaration-text": "I taught the person's brother"})
    assert Declaration.objects.get().user == pw.chair

    # A bad decision: field errors in a GOV.UK error summary, status 400.
    response = chair.post(
        f"/panels/meetings/{m}/items/{item.pk}/decision/",
        {"decision-decision": "adopt", "decision-classification": "1"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is problem" not in body
    assert "There is a problem" in body
    assert "Give the date of the next review" in body
    assert re.search(r'href="#id_decision-next_review_date[^"]*"', body)

    response = chair.post(
        f"/panels/meetings/{m}/items/{item.pk}/decision/",
        {
            "decision-decision": "adopt",
            "decision-notes": "Agreed to adopt; mentoring offered.",
            "decision-dissent": "Police preferred to wait a cycle.",
            "decision-classification": "1",
            **date_fields("decision-next_review_date", future()),
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ADOPTED
    response = chair.post(
        f"/panels/meetings/{m}/items/{item.pk}/actions/",
        {
            "action-description": "Arrange the first mentoring session",
            "action-owner_agency": str(pw.health.pk),
            "action-owner": str(pw.member.pk),
            **date_fields("action-due_date", future(14)),
        },
    )
    assert response.status_code == 302
    assert Action.objects.get().owner == pw.member

    # Sign before every item is decided: refused with the reason.
    response = chair.post(f"/panels/meetings/{m}/sign/", {"confirm": "on"}, follow=True)
    assert "1 agenda item has no decision or deferral yet." in response.content.decode()
    chair.post(f"/panels/meetings/{m}/items/{pw.item(other).pk}/defer/", {"defer-reason": "Awaiting health records"})

    # Consent, then the plan.
    response = chair.post(f"/panels/cases/{case.pk}/plan/activate/", {"plan-objectives": "Mentoring"}, follow=True)
    assert "Record consent to Channel support before the plan can become active." in response.content.decode()
    response = chair.post(
        f"/panels/cases/{case.pk}/consent/",
        {"purpose": "channel_support", "status": "given", "given_by": "person", "method": "written"},
    )
    assert response.status_code == 400
    assert "For under-18s, consent comes from a parent or guardian" in response.content.decode()
    chair.post(
        f"/panels/cases/{case.pk}/consent/",
        {
            "purpose": "channel_support",
            "status": "given",
            "given_by": "parent_guardian",
            "method": "written",
            "given_by_name": "Mrs Reid",
        },
    )
    assert chair.post(f"/panels/cases/{case.pk}/plan/activate/", {"plan-objectives": "Mentoring"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUPPORT_ACTIVE
    assert Case.objects.get(pk=case.pk).support_plan.status == PlanStatus.ACTIVE

    response = chair.post(f"/panels/meetings/{m}/sign/", {"minutes": "Quorate throughout.", "confirm": "on"})
    assert response.status_code == 302
    meeting = Meeting.objects.get(pk=m)
    assert meeting.is_sealed
    assert meeting.signed_by == pw.chair
    page = chair.get(f"/panels/meetings/{m}/").content.decode()
    assert "Quorate throughout." in page
    assert "Police preferred to wait a cycle." in page
    assert "Build the agenda" not in page

    # After signing: read-only, addenda only.
    response = chair.post(
        f"/panels/meetings/{m}/attendance/{pw.school.pk}/",
        {f"attendance-{pw.school.pk}-present": "yes"},
        follow=True,
    )
    assert "The minutes are signed: record changes as an addendum." in response.content.decode()
    client_for(pw.member).post(f"/panels/meetings/{m}/addenda/", {"addendum-text": "Health attended late."})
    page = client_for(pw.member).get(f"/panels/meetings/{m}/").content.decode()
    assert "Health attended late." in page
    assert "Agreed to adopt; mentoring offered." in page  # the member reads the outcome


def test_schedule_add_move_and_cancel(pw: PanelSitting) -> None:
    chair = client_for(pw.chair)
    url = f"/panels/{pw.panel.pk}/meetings/"
    response = chair.post(url, {"add-reason": "", "add-time": "25:99", **date_fields("add-date", future(2))})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter the reason" in body
    assert "Enter the time as hours and minutes" in body
    response = chair.post(url, {"add-reason": "Extra cases", "add-time": "14:30", **date_fields("add-date", future(2))})
    assert response.status_code == 302
    added = Meeting.objects.get(slot__isnull=True)
    assert timezone.localtime(added.scheduled_at).strftime("%H:%M") == "14:30"
    response = chair.post(
        f"/panels/meetings/{pw.meeting.pk}/move/", {"reason": "Room", "time": "09:00", **date_fields("date", future(5))}
    )
    assert response.status_code == 302
    assert Meeting.objects.get(pk=pw.meeting.pk).moved_reason == "Room"
    response = chair.post(f"/panels/meetings/{added.pk}/cancel/", {"reason": ""})
    assert response.status_code == 400
    chair.post(f"/panels/meetings/{added.pk}/cancel/", {"reason": "No cases"})
    assert Meeting.objects.get(pk=added.pk).status == MeetingStatus.CANCELLED
    page = client_for(pw.member).get(url).content.decode()
    assert "Cancelled: No cases" in page
    assert "Moved: Room" in page
    assert "Add a meeting" not in page
    assert client_for(pw.member).post(url, {"add-reason": "x"}).status_code == 403


def test_assessment_form_groups_factors_and_versions_show_what_changed(
    pw: PanelSitting, on_agenda: dict[str, Any]
) -> None:
    case = on_agenda["open"]
    member = client_for(pw.member)
    url = f"/panels/cases/{case.pk}/assessment/"
    page = member.get(url).content.decode()
    for heading in ("Engagement with a group, cause or ideology", "Intent to cause harm", "Capability to cause harm"):
        assert heading in page
    response = member.post(url, {"classification": "1"})
    assert response.status_code == 400
    assert "Write the summary conclusion" in response.content.decode()
    member.post(url, {**ratings_post(1), "conclusion": "Low", "classification": "1"})
    data = ratings_post(1)
    factor = AssessmentFactor.objects.filter(is_active=True).first()
    data[f"rating_{factor.pk}"] = "3"
    assert member.post(url, {**data, "conclusion": "Escalating", "classification": "2"}).status_code == 302
    page = member.get(f"/panels/cases/{case.pk}/").content.decode()
    assert "Version 2" in page
    assert f"{factor.name}: 1 to 3" in page
    junior = client_for(pw.junior).get(f"/panels/cases/{case.pk}/").content.decode()
    assert "Escalating" not in junior
    assert "1 version is withheld at a higher classification" in junior


def test_interventions_are_added_and_updated(pw: PanelSitting, on_agenda: dict[str, Any]) -> None:
    case = on_agenda["open"]
    chair = client_for(pw.chair)
    response = chair.post(
        f"/panels/cases/{case.pk}/interventions/new/",
        {
            "provider": str(pw.health.pk),
            "kind": "health",
            **date_fields("starts_on", future(10)),
            **date_fields("ends_on", future(5)),
        },
    )
    assert response.status_code == 400
    assert "The end date must be the same as or after the start date" in response.content.decode()
    chair.post(
        f"/panels/cases/{case.pk}/interventions/new/",
        {"provider": str(pw.health.pk), "kind": "ideological_mentoring", "description": "Weekly"},
    )
    intervention = Intervention.objects.get()
    assert client_for(pw.outsider).get(f"/panels/interventions/{intervention.pk}/").status_code == 404
    client_for(pw.member).post(
        f"/panels/interventions/{intervention.pk}/", {"status": "active", "progress_notes": "Engaging well"}
    )
    intervention.refresh_from_db()
    assert intervention.status == "active"
    assert intervention.progress_notes == "Engaging well"
    assert "Engaging well" in chair.get(f"/panels/cases/{case.pk}/").content.decode()


def test_consent_withdrawal_is_prominent(pw: PanelSitting, on_agenda: dict[str, Any]) -> None:
    case = on_agenda["open"]
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.SUPPORT_ACTIVE)
    chair = client_for(pw.chair)
    response = chair.post(
        f"/panels/cases/{case.pk}/consent/",
        {"purpose": "channel_support", "status": "withdrawn", "given_by": "parent_guardian", "method": "verbal"},
        follow=True,
    )
    body = response.content.decode()
    assert "Consent to Channel support has been withdrawn." in body
    assert "decision on exit" in body


# --- Query counts -------------------------------------------------------------------------------------

# None of them grows with the agenda. A change here needs a reason. Every page starts with the frame
# (one query: the user with their devices and unread count, docs/adr/0031) and the meeting.
# Meeting page: agenda_for (one query: the items with their cases, outstanding requests counted, whether
# the viewer reads each case and whether it is decided) and its audit insert; the decisions the viewer
# may read; the items' actions; the attending agencies (each saying whether it counts towards the
# quorum) and their attendance, from which the quorum comes; the people of those agencies; the invited
# attendees; declarations; addenda; the actions the meeting looks back on (carried forward, closed
# since the previous meeting, agreed at it: one query); the cases the chair may add.
MEETING_QUERIES = 14
# The item page (a decision brief) reads that one item: the item (as on the meeting page), its decision,
# its actions; the attending agencies, their attendance (the quorum) and people (the action's owner);
# the invited attendees; for the chair, who may be invited for the item alone (the people, and who of
# them reads the case); the contributions (entries with the withheld count, and the count again when
# there are none) and the read's audit insert; the latest two assessments and their ratings (with
# factors); the consent with the plan; the plan's interventions; the active agencies (the action form).
# The decision form's clearance levels are read only when it is shown (not here: the item is decided).
ITEM_QUERIES = 19
# The pack: the reader's standing on the panel (the pack is for its members), agenda_for (one query,
# no audit of its own), the actions the meeting looks back on, the readable assessments and their
# ratings (with factors), plans and their interventions (with providers), overdue actions, the
# chronology entries' withheld counts, the entries, their documents, and the disclosure's audit insert;
# the PDF the same.
PACK_QUERIES = 14
PACK_PDF_QUERIES = 14


def _many(pw: PanelSitting, n: int) -> None:
    """``n`` cases on the agenda, each with a note, two assessment versions and an intervention."""
    ratings = {f.pk: (1, "evidence") for f in AssessmentFactor.objects.filter(is_active=True)}
    for i in range(n):
        case = pw.case(given_name=f"Person{i}", family_name=f"Family{i}")
        case_services.add_case_note(actor=pw.chair, referral_id=case.pk, text=f"Note {i}", classification=1)
        for _ in range(2):
            services.record_assessment(actor=pw.chair, case_id=case.pk, ratings=ratings, conclusion=f"Case {i}")
        services.add_intervention(actor=pw.chair, case_id=case.pk, provider_id=pw.health.pk, kind="health")
    pw.build()
    pw.start()
    pw.quorate()
    first = AgendaItem.objects.filter(meeting=pw.meeting).order_by("position").first()
    services.record_decision(actor=pw.chair, item_id=first.pk, decision="adopt", next_review_date=future())
    services.add_action(
        actor=pw.chair, case_id=first.case_id, description="x", owner_agency_id=pw.health.pk, due_date=future(3)
    )


def _second_request(client: Any, url: str, queries: int, django_assert_num_queries: Any) -> Any:
    """The page asked for twice, the second time in exactly ``queries`` queries."""
    client.get(url)
    with django_assert_num_queries(queries):
        return client.get(url)


@pytest.mark.parametrize("cases", [3, 12])
def test_meeting_page_query_count_is_pinned(pw: PanelSitting, cases: int, django_assert_num_queries: Any) -> None:
    _many(pw, cases)
    response = _second_request(
        client_for(pw.chair), f"/panels/meetings/{pw.meeting.pk}/", MEETING_QUERIES, django_assert_num_queries
    )
    assert response.content.decode().count(f'href="/panels/meetings/{pw.meeting.pk}/items/') == cases


@pytest.mark.parametrize("cases", [3, 12])
def test_item_page_query_count_is_pinned(pw: PanelSitting, cases: int, django_assert_num_queries: Any) -> None:
    _many(pw, cases)
    item = AgendaItem.objects.filter(meeting=pw.meeting).order_by("position").first()
    url = f"/panels/meetings/{pw.meeting.pk}/items/{item.pk}/"
    response = _second_request(client_for(pw.chair), url, ITEM_QUERIES, django_assert_num_queries)
    assert "Adopt" in response.content.decode()


@pytest.mark.parametrize("cases", [3, 12])
def test_pack_query_count_is_pinned(pw: PanelSitting, cases: int, django_assert_num_queries: Any) -> None:
    _many(pw, cases)
    client = client_for(pw.member)
    response = _second_request(
        client, f"/panels/meetings/{pw.meeting.pk}/pack/", PACK_QUERIES, django_assert_num_queries
    )
    assert response.content.decode().count('<h2 class="govuk-heading-m" id="case-') == cases
    with django_assert_num_queries(PACK_PDF_QUERIES):
        pdf = client.get(f"/panels/meetings/{pw.meeting.pk}/pack.pdf")
    assert pdf.status_code == 200


# --- The pack ---------------------------------------------------------------------------------------


def _inflate(raw: bytes) -> bytes:
    """A PDF stream's bytes as written: ASCII85 and/or Flate decoded (ReportLab's page compression)."""
    data = raw.strip()
    if data.endswith(b"~>"):
        data = base64.a85decode(data[:-2])
    try:
        return zlib.decompress(data)
    except zlib.error:
        return data


def test_the_pack_is_a_watermarked_audited_attachment(pw: PanelSitting, on_agenda: dict[str, Any]) -> None:
    client = client_for(pw.member)
    before = AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=pw.member.pk).count()
    response = client.get(f"/panels/meetings/{pw.meeting.pk}/pack.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="panel-pack-')
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    # The served file carries the reader's watermark on every page (inside its compressed page streams).
    pages = len(re.findall(rb"/Type /Page\b(?!s)", response.content))
    streams = b"".join(
        _inflate(raw) for raw in re.findall(rb"stream\r?\n(.*?)\s*endstream", response.content, flags=re.S)
    )
    watermark = b"(" + pw.member.get_full_name().encode() + b" - "
    assert pages >= 1
    assert streams.count(watermark) == 3 * pages
    # No personal data in the file name or the metadata.
    assert "Opencase" not in response["Content-Disposition"]
    assert pw.member.last_name.encode() not in re.sub(rb"stream.*?endstream", b"", response.content, flags=re.S)
    html = client.get(f"/panels/meetings/{pw.meeting.pk}/pack/")
    assert "no-store" in html["Cache-Control"]
    assert f"Prepared for {pw.member.get_full_name()}" in html.content.decode()
    after = AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=pw.member.pk).count()
    assert after - before == 2


# --- Panel configuration -----------------------------------------------------------------------------


def _panel_form(pw: PanelSitting) -> dict[str, Any]:
    """The /manage/ panel form: the police must attend, health a member agency."""
    return panel_form(pw.chair, [pw.health], name="Eastshire Channel Panel", quorum_required_kinds=["police"])


def test_partnership_admin_configures_a_panel_and_its_meetings_follow(pw: PanelSitting) -> None:
    """A panel made on /manage/ gets its meetings from the cadence at the nightly generation, once."""
    from core.errors import ValidationError
    from panels.tasks import generate_upcoming_meetings
    from partnership import services as partnership_services
    from partnership.models import Panel

    client = client_for(pw.admin)
    url = "/manage/panels/add/"
    assert client.get(url).status_code == 200
    response = client.post(url, _panel_form(pw))
    assert response.status_code == 302, response.content.decode()[:3000]
    panel = Panel.objects.get(name="Eastshire Channel Panel")
    assert panel.quorum_required_kinds == ["police"]
    assert [m.agency for m in panel.memberships.all()] == [pw.health]
    # A named representative belongs to the agency they represent.
    with pytest.raises(ValidationError, match="Representatives must belong to Health"):
        partnership_services.set_panel_members(actor=pw.admin, panel=panel, members={pw.health: [pw.member, pw.chair]})
    partnership_services.set_panel_members(actor=pw.admin, panel=panel, members={pw.health: [pw.member]})
    assert list(panel.memberships.get().representatives.all()) == [pw.member]

    generate_upcoming_meetings()
    slots = list(panel.meetings.order_by("slot").values_list("slot", flat=True))
    assert slots[:4] == [0, 1, 2, 3]
    first = panel.meetings.get(slot=0).scheduled_at
    assert panel.meetings.get(slot=1).scheduled_at - first == dt.timedelta(weeks=6)
    # Saving the panel again, and the next night's run, create nothing twice.
    assert client.post(f"/manage/panels/{panel.pk}/", _panel_form(pw)).status_code == 302
    generate_upcoming_meetings()
    assert list(panel.meetings.order_by("slot").values_list("slot", flat=True)) == slots
    # Chairs and auditors do not configure panels; the admin site (assessment factors) is superusers' only.
    assert client_for(pw.chair).get("/manage/panels/").status_code == 403
    assert client_for(pw.auditor).get("/manage/panels/").status_code == 403
    for who in (pw.admin, pw.chair, pw.auditor):
        assert client_for(who).get("/admin/panels/assessmentfactor/").status_code == 404


def test_a_superuser_sets_named_representatives_at_break_fix(pw: PanelSitting) -> None:
    """The admin's panel screen still refuses a representative from another agency (the service's rule)."""
    from partnership.models import Panel
    from tests.partnership.factories import UserFactory

    superuser = UserFactory(agency=None, roles=[], is_superuser=True)
    client = client_for(superuser)
    first = timezone.localtime() + dt.timedelta(days=2)
    form = {
        "name": "Westshire Channel Panel",
        "is_active": "on",
        "chair": str(pw.chair.pk),
        "deputy_chair": "",
        "cadence_weeks": "6",
        "first_meeting_at_0": first.date().isoformat(),
        "first_meeting_at_1": "10:00:00",
        "meeting_duration_minutes": "120",
        "venue": "",
        "call_link": "",
        "quorum_min_agencies": "3",
        "notice_days_before": "7",
        "papers_days_before": "1",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-agency": str(pw.health.pk),
        "memberships-0-representatives": [str(pw.member.pk), str(pw.chair.pk)],
    }
    response = client.post("/admin/partnership/panel/add/", form)
    assert response.status_code == 200
    assert "Representatives must belong to Health" in response.content.decode()
    assert not Panel.objects.filter(name="Westshire Channel Panel").exists()
    assert (
        client.post(
            "/admin/partnership/panel/add/", {**form, "memberships-0-representatives": [str(pw.member.pk)]}
        ).status_code
        == 302
    )
    panel = Panel.objects.get(name="Westshire Channel Panel")
    assert list(panel.memberships.get().representatives.all()) == [pw.member]
    assert panel.meetings.exists()  # the admin's save generates them at once
    assert client.get("/admin/panels/assessmentfactor/").status_code == 200
