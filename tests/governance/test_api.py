"""GET /api/v1/audit-events/ as DESIGN.md's API contract states it.

Auditors only (everyone else 403, anonymous 401); the trail newest first, cursor-paginated with
no count; filters actor, reference (every event about the record: the referral, its case under
either label, and their children), verb, since, until, break_glass; each event with the
contract's fields and the reference of its record; reading the trail is itself audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from partnership.models import Role, User
from referrals.models import ChronologyEntry
from tests.governance.conftest import BREAK_GLASS_REASON, TrailWorld
from tests.partnership.factories import UserFactory, clearance

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-events/"
LONDON = ZoneInfo("Europe/London")
EVENT_FIELDS = {
    "seq",
    "occurred_at",
    "actor",
    "agency",
    "verb",
    "object_type",
    "object_id",
    "reference",
    "reason",
    "break_glass",
    "details",
}


def get(api: Any, user: Any, query: str = "") -> Any:
    client, headers = api(user)
    return client.get(f"{URL}{query}", **headers)


def every_page(api: Any, user: Any, query: str = "") -> list[dict[str, Any]]:
    client, headers = api(user)
    events: list[dict[str, Any]] = []
    url: str | None = f"{URL}?page_size=100{'&' + query if query else ''}"
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        events += body["results"]
        url = body["next"]
    return events


def events_about(tw: TrailWorld) -> set[int]:
    """DESIGN: every event about the record: the referral, its case (old and new labels) and its
    children (entries, the request, the attachment, the document)."""
    pairs = {
        ("referrals.referral", str(tw.referral.pk)),
        ("cases.case", str(tw.case.pk)),
        ("referrals.case", str(tw.case.pk)),
        ("referrals.attachment", str(tw.attachment.pk)),
        ("cases.informationrequest", str(tw.request.pk)),
        ("cases.entrydocument", str(tw.document.pk)),
    }
    pairs |= {
        ("referrals.chronologyentry", str(pk))
        for pk in ChronologyEntry.objects.filter(referral=tw.referral).values_list("pk", flat=True)
    }
    return {
        seq
        for seq, kind, pk in AuditEvent.objects.values_list("seq", "object_type", "object_id")
        if (kind, pk) in pairs
    }


# --- Who may read it ------------------------------------------------------------------------------


def test_the_auditor_reads_the_trail(tw: TrailWorld, api: Any) -> None:
    response = get(api, tw.auditor)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["results"]
    assert all(set(event) == EVENT_FIELDS for event in body["results"])


@pytest.mark.parametrize("who", ["teacher", "chair", "officer", "health_spoc", "admin", "outsider", "superuser"])
def test_everyone_else_is_refused_with_403(tw: TrailWorld, api: Any, who: str) -> None:
    people = {
        "teacher": tw.w.teacher,  # the practitioner of the record's own agency
        "chair": tw.w.chair,
        "officer": tw.w.officer,
        "health_spoc": tw.w.health_spoc,
        "admin": tw.admin,
        "outsider": tw.outsider,
        "superuser": UserFactory(is_superuser=True, agency=None, clearance=clearance(3), roles=[]),
    }
    client, headers = api(people[who])
    before = AuditEvent.objects.count()
    response = client.get(f"{URL}?reference={tw.case.reference}", **headers)
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert AuditEvent.objects.count() == before


def test_bad_input_from_a_non_auditor_is_still_403(tw: TrailWorld, api: Any) -> None:
    assert get(api, tw.w.chair, "?since=yesterday&verb=nonsense").status_code == 403


def test_anonymous_callers_are_refused_with_401(tw: TrailWorld) -> None:
    response = Client().get(URL)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_an_inactive_auditor_is_refused(tw: TrailWorld, api: Any) -> None:
    auditor = User.objects.get(pk=tw.auditor.pk)
    client, headers = api(auditor)
    auditor.is_active = False
    auditor.save(update_fields=["is_active"])
    assert client.get(URL, **headers).status_code in (401, 403)


# --- What it answers --------------------------------------------------------------------------------


def test_newest_first_with_the_contracts_fields(tw: TrailWorld, api: Any) -> None:
    events = every_page(api, tw.auditor)
    seqs = [event["seq"] for event in events]
    assert seqs == sorted(seqs, reverse=True)
    glass = next(event for event in events if event["verb"] == AuditVerb.BREAK_GLASS)
    assert glass["actor"] == tw.outsider.username
    assert glass["agency"] == "Housing"
    assert glass["object_type"] == "referrals.referral"
    assert glass["object_id"] == str(tw.referral.pk)
    assert glass["reference"] == tw.referral.reference
    assert glass["reason"] == BREAK_GLASS_REASON
    assert glass["break_glass"] is True
    assert glass["details"] == {"minutes": glass["details"]["minutes"]}
    dt.datetime.fromisoformat(glass["occurred_at"])


def test_each_event_names_the_reference_of_its_record(tw: TrailWorld, api: Any) -> None:
    events = every_page(api, tw.auditor)

    def reference_of(object_type: str, object_id: Any, verb: str) -> set[str]:
        return {
            e["reference"]
            for e in events
            if e["object_type"] == object_type and e["object_id"] == str(object_id) and e["verb"] == verb
        }

    assert reference_of("referrals.referral", tw.referral.pk, AuditVerb.SUBMITTED) == {tw.referral.reference}
    assert reference_of("cases.case", tw.case.pk, AuditVerb.RECORD_VIEWED) == {tw.case.reference}
    assert reference_of("referrals.case", tw.case.pk, AuditVerb.RECORD_VIEWED) == {tw.case.reference}
    assert reference_of("cases.informationrequest", tw.request.pk, AuditVerb.CREATED) == {tw.case.reference}
    assert reference_of("referrals.attachment", tw.attachment.pk, AuditVerb.DOWNLOADED) == {tw.referral.reference}
    assert reference_of("cases.entrydocument", tw.document.pk, AuditVerb.DOWNLOADED) == {tw.case.reference}
    assert reference_of("referrals.chronologyentry", tw.contribution.pk, AuditVerb.CREATED) == {tw.case.reference}
    assert reference_of("referrals.referral", tw.other.pk, AuditVerb.SUBMITTED) == {tw.other.reference}
    # Lists, sign-ins and the auditor's own searches are about no one record.
    assert all(e["reference"] == "" for e in events if e["object_id"] == "")


def test_reading_the_trail_is_audited(tw: TrailWorld, api: Any) -> None:
    response = get(api, tw.auditor, f"?reference={tw.case.reference.lower()}&break_glass=true")
    assert response.status_code == 200
    search = AuditEvent.objects.order_by("-seq").first()
    assert search is not None
    assert search.verb == AuditVerb.SEARCHED
    assert search.actor_username == tw.auditor.username
    assert search.object_type == "core.auditevent"
    assert search.details["search"] == {"reference": tw.case.reference, "break_glass": True}
    assert search.details["shown"] == len(response.json()["results"])


# --- Filters ------------------------------------------------------------------------------------------


def test_reference_finds_every_event_about_the_record(tw: TrailWorld, api: Any) -> None:
    expected = events_about(tw)
    found = {event["seq"] for event in every_page(api, tw.auditor, f"reference={tw.referral.reference}")}
    assert found == expected
    kinds = {(e.object_type, e.verb) for e in AuditEvent.objects.filter(seq__in=found)}
    assert {
        ("referrals.referral", AuditVerb.SUBMITTED),
        ("referrals.referral", AuditVerb.BREAK_GLASS),
        ("cases.case", AuditVerb.RECORD_VIEWED),
        ("referrals.case", AuditVerb.RECORD_VIEWED),
        ("referrals.attachment", AuditVerb.DOWNLOADED),
        ("cases.informationrequest", AuditVerb.CREATED),
        ("referrals.chronologyentry", AuditVerb.CREATED),
        ("cases.entrydocument", AuditVerb.DOWNLOADED),
    } <= kinds


def test_the_case_reference_finds_the_same_events(tw: TrailWorld, api: Any) -> None:
    by_case = {e["seq"] for e in every_page(api, tw.auditor, f"reference={tw.case.reference}")}
    assert by_case == events_about(tw)


def test_reference_matches_nothing_of_another_record(tw: TrailWorld, api: Any) -> None:
    found = every_page(api, tw.auditor, f"reference={tw.other.reference}")
    assert found
    assert {(e["object_type"], e["object_id"]) for e in found} == {("referrals.referral", str(tw.other.pk))}
    assert not events_about(tw) & {e["seq"] for e in found}


def test_an_unknown_reference_finds_nothing(tw: TrailWorld, api: Any) -> None:
    response = get(api, tw.auditor, "?reference=REF-1999-999999")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_actor_filter(tw: TrailWorld, api: Any) -> None:
    found = every_page(api, tw.auditor, f"actor={tw.w.health_spoc.username}")
    assert found
    assert {e["actor"] for e in found} == {tw.w.health_spoc.username}
    expected = AuditEvent.objects.filter(actor_username=tw.w.health_spoc.username).count()
    assert len(found) == expected


def test_verb_filter(tw: TrailWorld, api: Any) -> None:
    found = every_page(api, tw.auditor, "verb=downloaded")
    assert {(e["object_type"], e["verb"]) for e in found} == {
        ("referrals.attachment", "downloaded"),
        ("cases.entrydocument", "downloaded"),
    }


def test_break_glass_filter(tw: TrailWorld, api: Any) -> None:
    found = every_page(api, tw.auditor, "break_glass=true")
    assert [(e["verb"], e["actor"], e["reference"]) for e in found] == [
        ("break_glass", tw.outsider.username, tw.referral.reference)
    ]


def test_since_and_until_take_dates_and_datetimes(tw: TrailWorld, api: Any) -> None:
    clerk = UserFactory(agency=tw.w.council, roles=[Role.PANEL_MEMBER])
    for moment in (
        dt.datetime(2025, 12, 31, 23, 30, tzinfo=LONDON),
        dt.datetime(2026, 1, 1, 9, 0, tzinfo=LONDON),
        dt.datetime(2026, 1, 2, 18, 0, tzinfo=LONDON),
        dt.datetime(2026, 1, 3, 0, 0, tzinfo=LONDON),
    ):
        with time_machine.travel(moment, tick=False):
            record_event(actor=clerk, verb=AuditVerb.CHANGED, object_type="panels.meeting", object_id=1)

    def times(query: str) -> list[str]:
        events = every_page(api, tw.auditor, f"actor={clerk.username}&{query}")
        return sorted(
            dt.datetime.fromisoformat(e["occurred_at"]).astimezone(LONDON).strftime("%d %H:%M") for e in events
        )

    assert times("since=2026-01-01&until=2026-01-02") == ["01 09:00", "02 18:00"]
    assert times("since=2026-01-01T10:00:00Z") == ["02 18:00", "03 00:00"]
    assert times("until=2026-01-01T09:00:00Z") == ["01 09:00", "31 23:30"]
    assert times("since=2026-01-02T18:00:00") == ["02 18:00", "03 00:00"]


# --- Bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("until=2026-02-30", "until"),
        ("since=2026-03-02&until=2026-03-01", "until"),
        ("verb=peeked", "verb"),
        ("break_glass=maybe", "break_glass"),
        ("reference=Amira", "reference"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_bad_values_are_400_with_field_messages(tw: TrailWorld, api: Any, query: str, field: str) -> None:
    client, headers = api(tw.auditor)
    before = AuditEvent.objects.count()
    response = client.get(f"{URL}?{query}", **headers)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field]
    assert all(isinstance(message, str) for message in body[field])
    assert AuditEvent.objects.count() == before


def test_every_bad_filter_is_reported_at_once(tw: TrailWorld, api: Any) -> None:
    response = get(api, tw.auditor, "?since=soon&until=later&verb=x")
    assert response.status_code == 400
    assert set(response.json()) == {"since", "until", "verb"}


# --- Pagination and cost -----------------------------------------------------------------------------


def test_pages_follow_on_without_overlap_and_without_a_count(tw: TrailWorld, api: Any) -> None:
    every = [e["seq"] for e in every_page(api, tw.auditor)]
    client, headers = api(tw.auditor)
    pages: list[list[int]] = []
    url: str | None = f"{URL}?page_size=3"
    while url:
        body = client.get(url, **headers).json()
        assert "count" not in body
        pages.append([e["seq"] for e in body["results"]])
        url = body["next"]
    flat = [seq for page in pages for seq in page]
    assert len(flat) == len(set(flat))
    # Each page read is audited after the page was cut, so the first page is older than the reads.
    assert [seq for seq in flat if seq <= every[0]] == every
    assert all(len(page) == 3 for page in pages[:-1])


def test_previous_goes_back_to_the_same_page(tw: TrailWorld, api: Any) -> None:
    client, headers = api(tw.auditor)
    first = client.get(f"{URL}?page_size=4&actor={tw.w.chair.username}", **headers).json()
    second = client.get(first["next"], **headers).json()
    assert f"actor={tw.w.chair.username}" in first["next"]
    back = client.get(second["previous"], **headers).json()
    assert [e["seq"] for e in back["results"]] == [e["seq"] for e in first["results"]]
    assert not {e["seq"] for e in second["results"]} & {e["seq"] for e in first["results"]}


# Pinned: the token lookup, the page (references resolved by subqueries in the same query) and the
# audit insert. A change here needs a reason.
LIST_QUERIES = 3


@pytest.mark.parametrize("extra", [0, 20])
def test_list_query_count_is_pinned(tw: TrailWorld, api: Any, extra: int, django_assert_num_queries: Any) -> None:
    for _ in range(extra):
        record_event(actor=tw.w.chair, verb=AuditVerb.RECORD_VIEWED, obj=tw.case)
    client, headers = api(tw.auditor)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(f"{URL}?page_size=100", **headers)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 10 + extra
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(f"{URL}?reference={tw.case.reference}", **headers).status_code == 200


def test_a_role_change_takes_effect_at_once(tw: TrailWorld, api: Any) -> None:
    auditor = User.objects.get(pk=tw.auditor.pk)
    client, headers = api(auditor)
    assert client.get(URL, **headers).status_code == 200
    auditor.roles = [Role.PRACTITIONER]
    auditor.save(update_fields=["roles"])
    assert client.get(URL, **headers).status_code == 403
