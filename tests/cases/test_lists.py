"""The case list and the request queue: mine / my agency / all tabs, filters, orders and pages kept in the
query string, and nothing shown or counted that the reader may not read."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, InformationRequest
from partnership.models import AgencyKind, Role
from referrals.models import Referral
from tests.pages import error_summary, pinned_get
from tests.world import Partnership, client_for, new_agency

CASES = "/referrals/cases/"
REQUESTS = "/referrals/requests/"


@pytest.fixture
def world(db: Any) -> Partnership:
    """The standard partnership plus a second council case owner (``colleague``), a health case worker
    (``nurse``, rank 2), another agency's SPOC, an admin and an auditor."""
    world = Partnership()
    return world.people(
        colleague=(world.council, 2, Role.PRACTITIONER),
        nurse=(world.health, 2, Role.PRACTITIONER),
        outsider=(new_agency("Housing", AgencyKind.HOUSING), 3, Role.SPOC, Role.PRACTITIONER),
        admin=(None, 3, Role.PARTNERSHIP_ADMIN),
        auditor=(None, 3, Role.AUDITOR),
    )


def get(user: Any, url: str, **params: str) -> Any:
    return client_for(user).get(url, params)


def cases_on(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return re.findall(r'href="/referrals/cases/\d+/">(CASE-\d{4}-\d{6})</a>', response.content.decode())


def requests_on(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [int(pk) for pk in re.findall(r'href="/referrals/requests/(\d+)/"', response.content.decode())]


def _link(response: Any, rel: str) -> str:
    found = re.search(rf'href="(\?[^"]+)" rel="{rel}"', response.content.decode())
    assert found, f"no {rel} link"
    return found.group(1).replace("&amp;", "&")


# --- The case list -------------------------------------------------------------------------------------


def test_the_tabs_are_mine_my_agency_and_all_i_can_see(world: Partnership) -> None:
    mine = world.case(given_name="Mine")
    colleagues = world.case(owner=world.colleague, given_name="Colleague")
    others = world.case(given_name="Other")
    Case.objects.filter(pk=others.pk).update(owner=world.colleague)
    # The council practitioner refers one too: their agency's, whoever owns it.
    referred = world.case(author=world.colleague, given_name="Referred")
    Case.objects.filter(pk=referred.pk).update(owner=world.chair)
    assert sorted(cases_on(get(world.chair, CASES, tab="mine"))) == sorted([mine.reference, referred.reference])
    assert sorted(cases_on(get(world.colleague, CASES, tab="mine"))) == sorted([colleagues.reference, others.reference])
    assert sorted(cases_on(get(world.chair, CASES, tab="agency"))) == sorted(
        [mine.reference, colleagues.reference, others.reference, referred.reference]
    )
    # The police screened them all: none is police-owned or police-referred, all are visible to them.
    assert cases_on(get(world.officer, CASES, tab="agency")) == []
    assert len(cases_on(get(world.officer, CASES))) == 4
    page = get(world.officer, CASES).content.decode()
    assert 'aria-current="page">All cases I can see</a>' in page
    assert 'href="?tab=mine"' in page
    assert 'href="?tab=agency"' in page


def test_filters_and_orders(world: Partnership) -> None:
    urgent = world.case(urgency="urgent", given_name="Urgent")
    routine = world.case(urgency="routine", owner=world.colleague, given_name="Routine")
    priority = world.case(urgency="priority", given_name="Priority")
    Case.objects.filter(pk=routine.pk).update(status="adopted", opened_at=timezone.now() + dt.timedelta(days=1))
    Referral.objects.filter(pk=routine.pk).update(rag="red")
    officer = world.officer
    assert cases_on(get(officer, CASES, urgency="urgent")) == [urgent.reference]
    assert cases_on(get(officer, CASES, status="adopted")) == [routine.reference]
    assert cases_on(get(officer, CASES, rag="red")) == [routine.reference]
    assert sorted(cases_on(get(officer, CASES, rag="none"))) == sorted([urgent.reference, priority.reference])
    assert cases_on(get(officer, CASES, owner=str(world.colleague.pk))) == [routine.reference]
    assert cases_on(get(officer, CASES, sort="urgency")) == [urgent.reference, priority.reference, routine.reference]
    assert cases_on(get(officer, CASES, sort="opened"))[0] == routine.reference
    assert cases_on(get(officer, CASES)) == [priority.reference, routine.reference, urgent.reference]  # newest change
    page = get(officer, CASES, status="adopted").content.decode()
    assert "Clear filters" in page
    assert cases_on(get(officer, CASES, status="closed")) == []
    assert "No case you can see matches the filters." in get(officer, CASES, status="closed").content.decode()


@pytest.mark.parametrize("sort", ["changed", "urgency", "opened"])
def test_pages_keep_the_tab_filters_and_order(world: Partnership, sort: str) -> None:
    made = [world.case(urgency=("urgent", "routine")[i % 2], given_name=f"Paged{i}") for i in range(23)]
    urgent = {c.reference for c in made if c.referral.urgency == "urgent"}
    everything = {c.reference for c in made}
    seen: list[str] = []
    first = get(world.chair, CASES, tab="mine", sort=sort)
    seen += cases_on(first)
    assert len(seen) == 20
    second = client_for(world.chair).get(CASES + _link(first, "next"))
    assert f"sort={sort}" in _link(first, "next")
    assert "tab=mine" in _link(first, "next")
    seen += cases_on(second)
    assert sorted(seen) == sorted(everything)
    back = client_for(world.chair).get(CASES + _link(second, "prev"))
    assert cases_on(back) == cases_on(first)
    filtered = get(world.chair, CASES, urgency="urgent", sort=sort)
    assert set(cases_on(filtered)) == urgent  # 12, one page


def test_a_filter_not_on_offer_is_an_error_not_a_crash(world: Partnership) -> None:
    world.case()
    for params in ({"status": "nonsense"}, {"owner": "999999"}, {"tab": "theirs"}, {"sort": "name"}):
        response = get(world.chair, CASES, **params)
        assert response.status_code == 400, params
        assert error_summary(response), params
        assert b"CASE-" not in response.content
    assert get(world.chair, CASES, cursor="nonsense").status_code == 400
    assert get(world.chair, CASES, sort="urgency", cursor="bm9uc2Vuc2U=").status_code == 400


def test_no_tab_filter_or_order_shows_a_case_you_may_not_read(world: Partnership) -> None:
    hidden = world.case(author=world.people(sc_teacher=(world.school, 2)).sc_teacher, classification=2)
    world.ask(hidden)  # health is asked: its rank-2 nurse may read it, the rank-1 practitioner may not
    for who in ("health_baseline", "outsider", "admin", "auditor"):
        for params in ({}, {"tab": "mine"}, {"tab": "agency"}, {"owner": str(world.chair.pk)}, {"sort": "urgency"}):
            response = get(getattr(world, who), CASES, **params)
            assert response.status_code == 200, (who, params)
            assert hidden.reference.encode() not in response.content, (who, params)
            assert hidden.referral.subject.family_name.encode() not in response.content
    assert cases_on(get(world.nurse, CASES)) == [hidden.reference]


# --- The request queue -----------------------------------------------------------------------------------


def test_the_request_tabs(world: Partnership) -> None:
    case = world.case()
    [to_health] = world.ask(case)
    [to_police] = world.ask(case, world.police)
    case_services.assign_request(actor=world.health_spoc, request_id=to_health.pk, assignee=world.nurse)
    # The health SPOC's agency queue (the default), the nurse's own, and the chair's: what they manage.
    assert requests_on(get(world.health_spoc, REQUESTS)) == [to_health.pk]
    assert requests_on(get(world.nurse, REQUESTS, tab="mine")) == [to_health.pk]
    assert requests_on(get(world.health_spoc, REQUESTS, tab="mine")) == []
    assert requests_on(get(world.chair, REQUESTS)) == []  # nothing asked of the council
    assert sorted(requests_on(get(world.chair, REQUESTS, tab="all"))) == sorted([to_health.pk, to_police.pk])
    # The health SPOC manages nothing: all they can see is their agency's.
    assert requests_on(get(world.health_spoc, REQUESTS, tab="all")) == [to_health.pk]
    page = get(world.chair, REQUESTS, tab="all").content.decode()
    assert "Health" in page
    assert 'aria-current="page">All requests I can see</a>' in page


def test_request_filters_and_orders(world: Partnership) -> None:
    case = world.case(urgency="urgent")
    other = world.case(urgency="routine")
    [late] = world.ask(case)
    [soon] = world.ask(other)
    [later] = world.ask(other, question="Later")
    today = timezone.localdate()
    InformationRequest.objects.filter(pk=late.pk).update(due_date=today - dt.timedelta(days=1))
    InformationRequest.objects.filter(pk=soon.pk).update(due_date=today + dt.timedelta(days=3))
    InformationRequest.objects.filter(pk=later.pk).update(due_date=today + dt.timedelta(days=30))
    case_services.assign_request(actor=world.health_spoc, request_id=soon.pk, assignee=world.nurse)
    spoc = world.health_spoc
    assert requests_on(get(spoc, REQUESTS)) == [late.pk, soon.pk, later.pk]
    assert requests_on(get(spoc, REQUESTS, sort="due_latest")) == [later.pk, soon.pk, late.pk]
    assert requests_on(get(spoc, REQUESTS, due="overdue")) == [late.pk]
    assert requests_on(get(spoc, REQUESTS, due="week")) == [soon.pk]
    assert requests_on(get(spoc, REQUESTS, urgency="urgent")) == [late.pk]
    assert requests_on(get(spoc, REQUESTS, assignee="none")) == [late.pk, later.pk]
    assert requests_on(get(spoc, REQUESTS, assignee=str(world.nurse.pk))) == [soon.pk]
    assert requests_on(get(spoc, REQUESTS, status="assigned")) == [soon.pk]
    # The overdue warning counts every overdue request the filters keep, on whatever page.
    assert "1 request is overdue" in get(spoc, REQUESTS, sort="due_latest").content.decode()
    case_services.close_request(actor=world.chair, request_id=late.pk, reason="Not needed")
    assert requests_on(get(spoc, REQUESTS)) == [soon.pk, later.pk]  # closed ones only when asked for
    assert requests_on(get(spoc, REQUESTS, status="closed")) == [late.pk]
    assert get(spoc, REQUESTS, assignee=str(world.chair.pk)).status_code == 400  # not one of health's people


def test_no_request_on_a_case_you_may_not_read_is_listed_or_counted(world: Partnership) -> None:
    hidden = world.case(author=world.people(sc_teacher=(world.school, 2)).sc_teacher, classification=2)
    [info_request] = world.ask(hidden)
    InformationRequest.objects.filter(pk=info_request.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    for who in ("health_baseline", "outsider", "admin", "auditor", "teacher"):
        for tab in ("mine", "agency", "all"):
            response = get(getattr(world, who), REQUESTS, tab=tab)
            assert response.status_code == 200
            assert requests_on(response) == [], (who, tab)
            assert b"govuk-warning-text" not in response.content, (who, tab)
    assert requests_on(get(world.nurse, REQUESTS)) == [info_request.pk]


# --- Query counts ----------------------------------------------------------------------------------------

# Pinned, whatever the number of rows: the frame (one query:
# user, devices, unread count; docs/adr/0031), the
# filter's people (owners or the agency's people), the page of rows with everything shown joined, and the
# audit insert; the request queue's rows also carry the count of its overdue requests (a subquery).
FILTERED_CASE_LIST_QUERIES = 4
FILTERED_REQUEST_QUEUE_QUERIES = 4


@pytest.mark.parametrize("rows", [3, 15])
def test_filtered_case_list_query_count_is_pinned(
    world: Partnership, rows: int, django_assert_num_queries: Any
) -> None:
    for i in range(rows):
        world.case(urgency="urgent", given_name=f"Counted{i}")
    client = client_for(world.chair)
    params = {"tab": "mine", "urgency": "urgent", "sort": "urgency"}
    response = pinned_get(client, CASES, FILTERED_CASE_LIST_QUERIES, django_assert_num_queries, params)
    assert len(cases_on(response)) == rows


@pytest.mark.parametrize("rows", [3, 15])
def test_filtered_request_queue_query_count_is_pinned(
    world: Partnership, rows: int, django_assert_num_queries: Any
) -> None:
    case = world.case()
    for i in range(rows):
        world.ask(case, question=f"Question {i}")
    client = client_for(world.chair)
    params = {"tab": "all", "status": "open", "sort": "asked"}
    response = pinned_get(client, REQUESTS, FILTERED_REQUEST_QUEUE_QUERIES, django_assert_num_queries, params)
    assert len(requests_on(response)) == rows
