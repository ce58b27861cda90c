"""Tension reports in the auditors' pages: the trail searched by a TEN- reference finds the report, its
event and its response action (and nothing of another report), each row named by the reference and a
readable label; the record access report names exactly who read or changed it; the CSV carries the
reference; a break-glass opening of a report waits in the review queue under its reference. Tension
reports are about no person: subject access does not take their reference."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from intelligence import selectors as tension_selectors
from intelligence import services as tension_services
from intelligence.models import Area, ResponseAction, TensionEvent, TensionReport
from partnership.models import Role, User
from sharing import services as sharing_services
from tests.world import Partnership, add_action, link_march, new_agency, new_auditor, new_user

pytestmark = pytest.mark.django_db

SUMMARY = "Leaflets calling for a march past the mosque"
REASON = "Police asked us about tonight's march at the mosque"


@dataclass
class TensionTrail:
    """``report`` (recorded by ``author`` of the council, shared with health) was read once by
    ``reader`` (health SPOC) and once under break-glass by ``opener`` (probation); ``author`` linked an
    event and a response action to it. ``other`` is another report (the teacher's), read by its author
    only: it must never match."""

    w: Partnership
    author: User
    reader: User
    opener: User
    auditor: User
    report: TensionReport
    event: TensionEvent
    action: ResponseAction
    other: TensionReport


def _record(actor: User, area: Area, summary: str) -> TensionReport:
    return tension_services.record_tension_report(
        actor=actor,
        occurred_on=timezone.localdate(),
        area=area,
        category="protest",
        level=3,
        trend="rising",
        summary=summary,
        classification=1,
    )


@pytest.fixture
def tt(db: Any) -> TensionTrail:
    w = Partnership()
    area = Area.objects.create(name="North Ward")
    author = new_user(w.council, 2, Role.PRACTITIONER)
    opener = new_user(new_agency("Probation"), 3, Role.PRACTITIONER)
    report = _record(author, area, SUMMARY)
    tension_services.share_tension_report(actor=author, report_id=report.pk, agency=w.health, reason="Weekly review")
    tension_selectors.access_report(viewer=w.health_spoc, report_id=report.pk)
    event = link_march(
        author,
        report,
        starts_at=timezone.now() + dt.timedelta(days=3),
        location="High Street",
        lead_agency=w.police,
        response_plan="Police lead, council briefs the mosque",
    )
    action = add_action(
        author,
        event,
        description="Brief the mosque committee",
        owner_agency=w.council,
        due_date=timezone.localdate() + dt.timedelta(days=2),
    )
    sharing_services.open_break_glass(actor=opener, record=report, reason=REASON)
    tension_selectors.access_report(viewer=opener, report_id=report.pk)
    other = _record(w.teacher, area, "Graffiti on the bus shelter")
    tension_selectors.access_report(viewer=w.teacher, report_id=other.pk)
    return TensionTrail(w, author, w.health_spoc, opener, new_auditor(3), report, event, action, other)


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).replace(" )", ")")


def event_rows(response: Any) -> list[str]:
    """The text of each body row of the page's last table (the events, or the queue's openings)."""
    body = response.content.decode().rsplit("<tbody", 1)[-1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def about(tt: TensionTrail) -> set[tuple[str, str]]:
    """What the world wrote about the report, its event and its action, spelled out here."""
    return {
        ("intelligence.tensionreport", str(tt.report.pk)),
        ("intelligence.tensionevent", str(tt.event.pk)),
        ("intelligence.responseaction", str(tt.action.pk)),
    }


def test_the_trail_searched_by_the_reference_finds_the_report_its_event_and_action(tt: TensionTrail, api: Any) -> None:
    client, headers = api(tt.auditor)
    body = client.get("/api/v1/audit-events/", {"reference": tt.report.reference.lower()}, **headers).json()
    found = body["results"]
    assert {(e["object_type"], e["object_id"]) for e in found} == about(tt)
    assert {e["reference"] for e in found} == {tt.report.reference}
    by_whom = {(e["actor"], e["verb"]) for e in found}
    assert (tt.reader.username, AuditVerb.RECORD_VIEWED) in by_whom
    assert (tt.opener.username, AuditVerb.BREAK_GLASS) in by_whom
    assert not [e for e in found if e["object_id"] == str(tt.other.pk) and e["object_type"].startswith("intel")]


def test_the_search_page_names_each_row_by_its_reference_and_a_readable_label(tt: TensionTrail, signed_in: Any) -> None:
    response = signed_in(tt.auditor).get("/governance/audit/", {"reference": tt.report.reference})
    assert response.status_code == 200
    rows = event_rows(response)
    assert rows
    assert all(tt.report.reference in row for row in rows)
    page = text_of(response)
    for label in ("Tension report", "Tension event and response plan", "Response action"):
        assert label in page
    assert "intelligence.tension" not in page
    assert tt.other.reference not in page
    assert SUMMARY not in page  # the trail, never the report's content


def test_a_bad_reference_is_a_field_error_naming_the_tension_format(tt: TensionTrail, api: Any) -> None:
    client, headers = api(tt.auditor)
    response = client.get("/api/v1/audit-events/", {"reference": "TEN-twenty"}, **headers)
    assert response.status_code == 400
    assert "TEN-2026-000012" in response.json()["reference"][0]


def test_the_access_report_names_exactly_who_read_or_changed_the_report(tt: TensionTrail, signed_in: Any) -> None:
    response = signed_in(tt.auditor).get(f"/governance/records/{tt.report.reference}/")
    assert response.status_code == 200
    page = text_of(response)
    people = page.split("Events, newest first")[0]
    assert f"{tt.reader.username} Health 1 0 0" in people  # one read, no change
    opened = re.search(rf"\b{tt.opener.username} Probation 1 0 (\d+)", people)
    assert opened is not None
    assert opened.group(1) == "2"  # the opening and the read under it
    author = re.search(rf"\b{tt.author.username} Council 0 (\d+) 0", people)
    assert author is not None
    assert int(author.group(1)) >= 4  # recorded, shared, linked the event, added the action
    listed = set(
        re.findall(r'href="/governance/users/([^/"]+)/"', response.content.decode().split("Events, newest")[0])
    )
    assert listed == {tt.author.username, tt.reader.username, tt.opener.username}
    assert tt.w.teacher.username not in people
    assert "tension report, the events it links to" in page
    audited = AuditEvent.objects.filter(verb=AuditVerb.SEARCHED, actor_id=tt.auditor.pk).get()
    assert audited.details["report"] == "record_access"
    assert audited.details["tension_report"] == tt.report.pk


@pytest.mark.parametrize("reference", ["TEN-1999-000001", "TEN-"])
def test_a_tension_reference_that_names_nothing_is_not_found(tt: TensionTrail, signed_in: Any, reference: str) -> None:
    assert signed_in(tt.auditor).get(f"/governance/records/{reference}/").status_code == 404


def test_the_export_carries_the_reference_and_label(tt: TensionTrail, signed_in: Any) -> None:
    response = signed_in(tt.auditor).get("/governance/audit/export/", {"reference": tt.report.reference})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert {(r["Object type"], r["Object id"]) for r in rows} == about(tt)
    assert {r["Reference"] for r in rows} == {tt.report.reference}
    assert {r["Record type"] for r in rows} == {"Tension report", "Tension event and response plan", "Response action"}


def test_the_opening_waits_in_the_review_queue_under_its_reference(tt: TensionTrail, signed_in: Any) -> None:
    client = signed_in(tt.auditor)
    rows = [row for row in event_rows(client.get("/governance/break-glass/")) if tt.opener.username in row]
    assert len(rows) == 1
    assert tt.report.reference in rows[0]
    opening = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS, actor_id=tt.opener.pk)
    detail = text_of(client.get(f"/governance/break-glass/{opening.pk}/"))
    assert tt.report.reference in detail
    assert "Tension report" in detail
    assert "march at the mosque" in detail  # the opener's reason
    assert SUMMARY not in detail


def test_the_user_activity_report_names_the_report_touched(tt: TensionTrail, signed_in: Any) -> None:
    page = text_of(signed_in(tt.auditor).get(f"/governance/users/{tt.reader.username}/"))
    assert tt.report.reference in page
    assert "Tension report" in page


def test_subject_access_does_not_take_a_tension_reference(tt: TensionTrail, signed_in: Any) -> None:
    assert signed_in(tt.auditor).get(f"/governance/subject-access/{tt.report.reference}/").status_code in (403, 404)


# Pinned as for a referral (tests/governance/test_views.py): the frame (one query: the user with
# their devices and unread count, docs/adr/0031); for the search, the form's agency options, the page of events with
# their references and the audit insert; for the access report, the report's reference, the line per
# person, the page of events and the audit insert.
SEARCH_QUERIES = 4
RECORD_ACCESS_QUERIES = 5


@pytest.mark.parametrize("readers", [0, 6])
def test_the_search_and_the_access_report_cost_a_fixed_number_of_queries(
    tt: TensionTrail, signed_in: Any, readers: int, django_assert_num_queries: Any
) -> None:
    for _ in range(readers):
        reader = new_user(tt.w.health, 1, Role.PRACTITIONER)
        tension_selectors.access_report(viewer=reader, report_id=tt.report.pk)
        record_event(actor=reader, verb=AuditVerb.RECORD_VIEWED, obj=tt.action)
    client = signed_in(tt.auditor)
    client.get("/governance/audit/")
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/governance/audit/", {"reference": tt.report.reference})
    assert len(event_rows(response)) >= 8 + 2 * readers
    with django_assert_num_queries(RECORD_ACCESS_QUERIES):
        response = client.get(f"/governance/records/{tt.report.reference}/")
    assert response.content.decode().count('href="/governance/users/') >= 3 + readers
