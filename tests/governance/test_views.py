"""The auditors' pages: search the trail, export a search, a record's access report and a user's
activity report. Auditors only (everyone else 403, anonymous to sign-in); they show who did what
to which record and when, never what the record says (DESIGN rule 8)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from partnership.models import Role
from tests.governance.conftest import BREAK_GLASS_REASON, CONCERNS, CONTRIBUTION_TEXT, TrailWorld
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SEARCH = "/governance/audit/"
EXPORT = "/governance/audit/export/"


def text_of(response: Any) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).replace(" )", ")")


def table_rows(response: Any) -> list[str]:
    """The text of each row of the events table."""
    html = response.content.decode()
    body = html.split('<h2 class="govuk-heading-m">Events, newest first</h2>', 1)[-1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows[1:]]


def date_fields(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def assert_no_case_content(response: Any, tw: TrailWorld) -> None:
    page = response.content.decode()
    # The screening rationale is the "why" of the decision event (its reason), so the trail carries it.
    for secret in (CONCERNS, CONTRIBUTION_TEXT, "What do you know?", "letter.pdf", "note.txt"):
        assert secret not in page


# --- Who may open them -----------------------------------------------------------------------------


def page_urls(tw: TrailWorld) -> list[str]:
    return [
        SEARCH,
        f"{SEARCH}?reference={tw.case.reference}",
        EXPORT,
        f"/governance/records/{tw.case.reference}/",
        f"/governance/records/{tw.referral.reference}/",
        f"/governance/users/{tw.w.teacher.username}/",
    ]


def test_the_auditor_opens_every_page(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    for url in page_urls(tw):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["teacher", "chair", "health_spoc", "admin"])
def test_everyone_else_is_refused(tw: TrailWorld, signed_in: Any, who: str) -> None:
    user = {"teacher": tw.w.teacher, "chair": tw.w.chair, "health_spoc": tw.w.health_spoc, "admin": tw.admin}[who]
    client = signed_in(user)
    before = AuditEvent.objects.count()
    for url in page_urls(tw):
        response = client.get(url)
        assert response.status_code == 403, url
        assert tw.case.reference not in text_of(response).replace(url, "")
    assert AuditEvent.objects.count() == before


def test_anonymous_visitors_are_sent_to_sign_in(tw: TrailWorld) -> None:
    for url in page_urls(tw):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/sign-in/"), url


def test_the_auditors_navigation_leads_to_the_trail(tw: TrailWorld, signed_in: Any) -> None:
    home = signed_in(tw.auditor).get("/")
    assert f'href="{SEARCH}"' in home.content.decode()
    assert f'href="{SEARCH}"' not in signed_in(tw.admin).get("/").content.decode()


# --- Searching -------------------------------------------------------------------------------------


def test_the_trail_newest_first_with_readable_labels_and_references(tw: TrailWorld, signed_in: Any) -> None:
    response = signed_in(tw.auditor).get(SEARCH)
    rows = table_rows(response)
    assert rows
    glass = next(row for row in rows if "Break-glass access" in row)
    assert tw.outsider.username in glass
    assert "Housing" in glass
    assert tw.referral.reference in glass
    assert "Referral" in glass
    assert "Break-glass" in glass
    assert "HYPERLINK" in glass
    assert any("Downloaded a document" in row and tw.case.reference in row for row in rows)
    assert any("Submitted" in row and tw.other.reference in row for row in rows)
    seqs = [int(re.search(r"#(\d+)", row).group(1)) for row in rows]  # type: ignore[union-attr]
    assert seqs == sorted(seqs, reverse=True)
    assert_no_case_content(response, tw)
    assert "Khan" not in response.content.decode()


def test_search_by_person_finds_their_records_events(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    response = client.get(SEARCH, {"given_name": "amira", "family_name": "KHAN"})
    assert response.status_code == 200
    page = text_of(response)
    assert f"{tw.case.reference} (referral {tw.referral.reference})" in page
    rows = table_rows(response)
    assert rows
    assert all(tw.case.reference in row or tw.referral.reference in row for row in rows)
    assert not any(tw.other.reference in row for row in rows)
    search = AuditEvent.objects.order_by("-seq").first()
    assert search is not None
    assert search.verb == AuditVerb.SEARCHED
    assert search.details["search"] == {"person_referrals": [tw.referral.pk]}
    assert "Amira" not in json.dumps(search.details)
    assert "Khan" not in json.dumps(search.details)
    assert_no_case_content(response, tw)


def test_search_by_a_person_nobody_referred(tw: TrailWorld, signed_in: Any) -> None:
    response = signed_in(tw.auditor).get(SEARCH, {"family_name": "Nobody"})
    assert response.status_code == 200
    assert "No referral is held for a person with these names." in text_of(response)
    assert table_rows(response) == []


def test_search_by_reference_user_agency_verb_and_break_glass(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    by_reference = table_rows(client.get(SEARCH, {"reference": tw.other.reference}))
    assert by_reference
    assert all(tw.other.reference in row for row in by_reference)
    by_user = table_rows(client.get(SEARCH, {"actor": tw.w.health_spoc.username}))
    assert by_user
    assert all(tw.w.health_spoc.username in row for row in by_user)
    by_agency = table_rows(client.get(SEARCH, {"agency": tw.outsider.agency_id}))
    assert len(by_agency) == 1
    assert "Break-glass access" in by_agency[0]
    by_verb = table_rows(client.get(SEARCH, {"verb": AuditVerb.DOWNLOADED}))
    assert len(by_verb) == 2
    assert all("Downloaded a document" in row for row in by_verb)
    glass = table_rows(client.get(SEARCH, {"break_glass": "on"}))
    assert len(glass) == 1
    assert tw.outsider.username in glass[0]


def test_search_by_date_range(tw: TrailWorld, signed_in: Any) -> None:
    clerk = UserFactory(agency=tw.w.council, roles=[Role.PANEL_MEMBER])
    for day in (1, 2, 3):
        with time_machine.travel(dt.datetime(2026, 3, day, 12, 0, tzinfo=LONDON), tick=False):
            record_event(actor=clerk, verb=AuditVerb.CHANGED, object_type="panels.meeting", object_id=day)
    query = {
        "actor": clerk.username,
        **date_fields("since", dt.date(2026, 3, 2)),
        **date_fields("until", dt.date(2026, 3, 2)),
    }
    rows = table_rows(signed_in(tw.auditor).get(SEARCH, query))
    assert len(rows) == 1
    assert "2 Mar 2026" in rows[0]
    assert "Panel meeting 2" in rows[0]


def test_bad_search_input_is_400_with_an_error_summary(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    bad_date = client.get(SEARCH, {"since_day": "31", "since_month": "2", "since_year": "2026"})
    assert bad_date.status_code == 400
    assert "govuk-error-summary" in bad_date.content.decode()
    assert "must be a real date" in text_of(bad_date)
    backwards = client.get(
        SEARCH, {**date_fields("since", dt.date(2026, 3, 2)), **date_fields("until", dt.date(2026, 3, 1))}
    )
    assert backwards.status_code == 400
    assert "must be the same as or after its start" in text_of(backwards)
    reference = client.get(SEARCH, {"reference": "Amira"})
    assert reference.status_code == 400
    assert "Enter a reference like" in text_of(reference)
    assert client.get(SEARCH, {"cursor": "nonsense"}).status_code == 400


def test_pages_keep_the_search_and_do_not_overlap(tw: TrailWorld, signed_in: Any) -> None:
    clerk = UserFactory(agency=tw.w.council, roles=[Role.PANEL_MEMBER])
    for n in range(55):
        record_event(actor=clerk, verb=AuditVerb.RECORD_VIEWED, obj=tw.case, details={"n": n})
    client = signed_in(tw.auditor)
    first = client.get(SEARCH, {"actor": clerk.username})
    nexts = re.findall(r'href="(\?[^"]*)" rel="next"', first.content.decode())
    assert len(nexts) == 1
    assert f"actor={clerk.username}" in nexts[0]
    second = client.get(SEARCH + nexts[0].replace("&amp;", "&"))
    first_rows, second_rows = table_rows(first), table_rows(second)
    assert (len(first_rows), len(second_rows)) == (50, 5)
    seqs = [re.search(r"#(\d+)", row).group(1) for row in first_rows + second_rows]  # type: ignore[union-attr]
    assert len(set(seqs)) == 55
    assert 'rel="prev"' in second.content.decode()


# Pinned. Every page: the frame (one query: the user with their devices and unread count, docs/adr/0031);
# the agency options of the form; the page of events (references resolved in the same query);
# the audit insert. A change here needs a reason.
SEARCH_QUERIES = 4


@pytest.mark.parametrize("extra", [0, 30])
def test_search_query_count_is_pinned(
    tw: TrailWorld, signed_in: Any, extra: int, django_assert_num_queries: Any
) -> None:
    for _ in range(extra):
        record_event(actor=tw.w.chair, verb=AuditVerb.RECORD_VIEWED, obj=tw.request)
    client = signed_in(tw.auditor)
    client.get(SEARCH)
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(SEARCH)
    assert len(table_rows(response)) >= min(50, 10 + extra)
    with django_assert_num_queries(SEARCH_QUERIES):
        assert client.get(SEARCH, {"reference": tw.case.reference}).status_code == 200


# Record access report: the frame (1), the record's references, the line per person, the page
# of events and the audit insert. User activity: the frame (1), the user, the counts by verb,
# the records touched and their references, the page of events and the audit insert.
RECORD_ACCESS_QUERIES = 5
USER_ACTIVITY_QUERIES = 7


@pytest.mark.parametrize("extra", [0, 30])
def test_report_query_counts_are_pinned(
    tw: TrailWorld, signed_in: Any, extra: int, django_assert_num_queries: Any
) -> None:
    readers = [UserFactory(agency=tw.w.health, roles=[Role.PRACTITIONER]) for _ in range(extra // 10)]
    for n in range(extra):
        record_event(actor=readers[n % len(readers)], verb=AuditVerb.RECORD_VIEWED, obj=tw.request)
        record_event(actor=tw.w.chair, verb=AuditVerb.RECORD_VIEWED, object_type="panels.meeting", object_id=n)
    client = signed_in(tw.auditor)
    client.get(SEARCH)
    with django_assert_num_queries(RECORD_ACCESS_QUERIES):
        assert client.get(f"/governance/records/{tw.case.reference}/").status_code == 200
    with django_assert_num_queries(USER_ACTIVITY_QUERIES):
        assert client.get(f"/governance/users/{tw.w.chair.username}/").status_code == 200


# --- Export ------------------------------------------------------------------------------------------


def test_export_is_a_csv_of_the_search_with_formulas_escaped(tw: TrailWorld, signed_in: Any) -> None:
    response = signed_in(tw.auditor).get(EXPORT, {"reference": tw.referral.reference})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows
    assert all(row["Reference"] in (tw.referral.reference, tw.case.reference) for row in rows)
    glass = next(row for row in rows if row["Verb"] == AuditVerb.BREAK_GLASS)
    assert glass["Reason"] == "'" + BREAK_GLASS_REASON
    assert glass["Break-glass"] == "Yes"
    assert glass["Action"] == "Break-glass access"
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    body = response.content.decode()
    assert CONCERNS not in body
    assert CONTRIBUTION_TEXT not in body


def test_export_is_audited(tw: TrailWorld, signed_in: Any) -> None:
    response = signed_in(tw.auditor).get(EXPORT, {"break_glass": "on"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    exported = AuditEvent.objects.order_by("-seq").first()
    assert exported is not None
    assert (exported.verb, exported.actor_username, exported.object_type) == (
        AuditVerb.EXPORTED,
        tw.auditor.username,
        "core.auditevent",
    )
    assert exported.details["search"] == {"break_glass": True}
    assert exported.details["shown"] == len(rows) == 1
    assert exported.details["truncated"] is False


def test_a_bad_export_is_400(tw: TrailWorld, signed_in: Any) -> None:
    assert signed_in(tw.auditor).get(EXPORT, {"reference": "nonsense"}).status_code == 400


# --- Reports -----------------------------------------------------------------------------------------


def test_record_access_report_lists_who_read_or_changed_it(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    response = client.get(f"/governance/records/{tw.referral.reference}/")
    assert response.status_code == 200
    page = text_of(response)
    people_table = page.split("Events, newest first")[0]
    for user in (tw.w.teacher, tw.w.officer, tw.w.chair, tw.w.health_spoc, tw.outsider):
        assert user.username in people_table
    outsider = re.search(rf"\b{tw.outsider.username} Housing 0 0 (\d+)", page)
    assert outsider is not None
    assert outsider.group(1) == "1"
    assert tw.other.reference not in page
    assert_no_case_content(response, tw)
    report = AuditEvent.objects.order_by("-seq").first()
    assert report is not None
    assert report.verb == AuditVerb.SEARCHED
    assert report.details["report"] == "record_access"
    assert report.details["referral"] == tw.referral.pk


def test_the_case_reference_gives_the_same_report(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    by_case = table_rows(client.get(f"/governance/records/{tw.case.reference}/"))
    by_referral = table_rows(client.get(f"/governance/records/{tw.referral.reference}/"))
    assert len(by_case) == len(by_referral) > 5


@pytest.mark.parametrize("reference", ["REF-1999-000001", "CASE-1999-000001", "nonsense"])
def test_an_unknown_record_is_404(tw: TrailWorld, signed_in: Any, reference: str) -> None:
    assert signed_in(tw.auditor).get(f"/governance/records/{reference}/").status_code == 404


def test_user_activity_report(tw: TrailWorld, signed_in: Any) -> None:
    response = signed_in(tw.auditor).get(f"/governance/users/{tw.w.health_spoc.username}/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Health" in page
    assert "Created" in page
    assert tw.case.reference in page
    assert tw.other.reference not in page
    assert_no_case_content(response, tw)
    report = AuditEvent.objects.order_by("-seq").first()
    assert report is not None
    assert report.details["report"] == "user_activity"


def test_user_activity_includes_failed_sign_ins_under_an_unknown_username(tw: TrailWorld, signed_in: Any) -> None:
    Client().post("/account/sign-in/", {"username": "ghost", "password": "not the password"})
    response = signed_in(tw.auditor).get("/governance/users/ghost/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Nobody signs in with this username now" in page
    assert "Failed sign-in" in page


def test_any_username_typed_at_sign_in_gets_a_working_link(tw: TrailWorld, signed_in: Any) -> None:
    odd = "a/b?c=1#d e"
    Client().post("/account/sign-in/", {"username": odd, "password": "not the password"})
    client = signed_in(tw.auditor)
    search = client.get(SEARCH, {"verb": AuditVerb.LOGIN_FAILED})
    assert search.status_code == 200
    links = re.findall(r'href="(/governance/users/[^"]+)"', search.content.decode())
    assert links
    report = client.get(links[0])
    assert report.status_code == 200
    assert odd in report.content.decode().replace("&amp;", "&").replace("&#x27;", "'")
