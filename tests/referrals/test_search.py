"""Search: the header's box, references, fuzzy names, dates of birth, and nothing about what you may not read.

A record the searcher may not read must give exactly the page a record that does not exist gives: the
same status, the same words, the same count (DESIGN.md rule 7).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection

from core.models import AuditEvent, AuditVerb
from partnership.models import Role
from referrals import search
from tests.pages import error_summary
from tests.world import Partnership, client_for, new_agency

DOB = dt.date(2008, 3, 14)


@pytest.fixture
def world(db: Any) -> Partnership:
    """The standard partnership plus: a colleague of the teacher (school, rank 1); a school practitioner
    cleared to Security Check who refers above Baseline; another agency's practitioner at rank 3; an
    admin and an auditor (rank 3)."""
    world = Partnership()
    housing = new_agency("Housing")
    return world.people(
        colleague=(world.school, 1, Role.PRACTITIONER),
        senior=(world.school, 2, Role.PRACTITIONER),
        outsider=(housing, 3, Role.PRACTITIONER, Role.SPOC),
        admin=(None, 3, Role.PARTNERSHIP_ADMIN),
        auditor=(None, 3, Role.AUDITOR),
    )


def post(user: Any, query: str) -> Any:
    return client_for(user).post("/referrals/search/", {"query": query})


def found(response: Any) -> list[str]:
    """The references the results table links to, in order."""
    assert response.status_code == 200
    return re.findall(
        r'<a class="govuk-link" href="/referrals/(?:cases/)?\d+/">([A-Z]+-\d{4}-\d{6})</a>', _html(response)
    )


def _html(response: Any) -> str:
    return response.content.decode()


def _without_tokens(response: Any) -> str:
    """The page with its per-request CSRF tokens taken out, to compare two pages."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", _html(response))


# --- Reading a query -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("REF-2026-000123", "REF-2026-000123"),
        ("ref-2026-123", "REF-2026-000123"),
        (" case 2026 45 ", "CASE-2026-000045"),
        ("CASE-2026-000045", "CASE-2026-000045"),
    ],
)
def test_references_are_read_however_they_are_typed(typed: str, reference: str) -> None:
    assert search.parse(typed) == search.Terms(reference=reference)


@pytest.mark.parametrize(
    "typed",
    ["14/3/2008", "14/03/2008", "14-3-2008", "14.03.2008", "14 3 2008", "14 March 2008", "14th Mar 2008", "2008-03-14"],
)
def test_dates_of_birth_are_read_in_the_ways_people_type_them(typed: str) -> None:
    assert search.parse(typed) == search.Terms(date_of_birth=DOB)


def test_a_name_and_a_date_of_birth_together() -> None:
    assert search.parse("Jordan Testperson 14/3/2008") == search.Terms(
        date_of_birth=DOB, words=("Jordan", "Testperson")
    )
    assert search.parse("31/2/2008 Jordan") == search.Terms(words=("Jordan",))  # no such day


def test_a_postcode_is_a_postcode() -> None:
    assert search.parse("ns1 4ab") == search.Terms(postcode="NS14AB")


# --- Finding ---------------------------------------------------------------------------------------


def test_a_case_reference_finds_the_case_and_links_to_it(world: Partnership) -> None:
    case = world.case(given_name="Morgan", family_name="Casefinder")
    for typed in (case.reference, case.reference.lower().replace("-", " ")):
        response = post(world.colleague, typed)
        assert found(response) == [case.reference], typed
        assert f'href="/referrals/cases/{case.pk}/"' in _html(response)
    assert found(post(world.colleague, case.referral.reference)) == [case.reference]


def test_a_referral_reference_finds_the_referral(world: Partnership) -> None:
    referral = world.referral(given_name="Robin", family_name="Reffinder")
    response = post(world.colleague, referral.reference)
    assert found(response) == [referral.reference]
    assert f'href="/referrals/{referral.pk}/"' in _html(response)
    assert b"1 result" in response.content


def test_names_are_found_fuzzily_and_best_match_first(world: Partnership) -> None:
    jordan = world.referral(given_name="Jordan", family_name="Testperson")
    smith = world.referral(given_name="Alex", family_name="Smith")
    world.referral(given_name="Sam", family_name="Unrelated")
    assert found(post(world.colleague, "Jordon Testperson")) == [jordan.reference]  # sounds the same
    assert found(post(world.colleague, "jordan")) == [jordan.reference]
    assert found(post(world.colleague, "Smyth")) == [smith.reference]
    assert found(post(world.colleague, "alex SMITH")) == [smith.reference]
    assert found(post(world.colleague, "Jordan Smith")) == []  # every word must match


def test_typing_slips_are_forgiven_where_the_database_has_trigrams(world: Partnership) -> None:
    if not search.trigram_search_available():
        pytest.skip("this PostgreSQL has no pg_trgm (the embedded one): the phonetic match alone answers")
    jordan = world.referral(given_name="Jordan", family_name="Testperson", other_names="Jay Northwood")
    assert found(post(world.colleague, "Jordan Tesperson")) == [jordan.reference]  # a letter missing
    assert found(post(world.colleague, "Jay Northwod")) == [jordan.reference]  # an alias, misspelt


def test_without_trigrams_names_still_match_by_sound(world: Partnership, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "trigram_search_available", lambda: False)
    jordan = world.referral(given_name="Jordan", family_name="Testperson", other_names="Jay Northwood")
    assert found(post(world.colleague, "Jordon Testperson")) == [jordan.reference]
    assert found(post(world.colleague, "Northwood")) == [jordan.reference]  # part of an alias
    assert found(post(world.colleague, "Jordan Tesperson")) == []  # sounds different: only trigrams forgive it


def test_the_migration_enables_trigrams_where_the_server_offers_them(db: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')")
        offered = cursor.fetchone()[0]
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'referrals_person' AND indexname LIKE '%trgm%'"
        )
        indexes = sorted(row[0] for row in cursor.fetchall())
    assert search.trigram_search_available() == offered
    assert indexes == (["person_name_key_trgm_idx", "person_other_names_trgm_idx"] if offered else [])


def test_dates_of_birth_find_and_narrow(world: Partnership) -> None:
    jordan = world.referral(given_name="Jordan", family_name="Testperson", date_of_birth=DOB)
    other = world.referral(given_name="Casey", family_name="Other", date_of_birth=DOB)
    world.referral(given_name="Jordan", family_name="Testperson", date_of_birth=dt.date(2009, 1, 1))
    assert sorted(found(post(world.colleague, "14 March 2008"))) == sorted([jordan.reference, other.reference])
    assert found(post(world.colleague, "Jordan Testperson 14/03/2008")) == [jordan.reference]


def test_a_postcode_finds_people_at_it(world: Partnership) -> None:
    referral = world.referral(given_name="Pat", family_name="Postcode", postcode="NS2 9ZZ")
    assert found(post(world.colleague, "ns29zz")) == [referral.reference]


def test_search_is_audited_with_what_was_shown_never_the_words(world: Partnership) -> None:
    referral = world.referral(given_name="Audrey", family_name="Audited")
    post(world.colleague, "Audrey Audited")
    event = AuditEvent.objects.filter(verb=AuditVerb.SEARCHED).latest("seq")
    assert (event.actor_id, event.details) == (world.colleague.pk, {"ids": [referral.pk]})
    assert "Audited" not in str(event.details)


def test_a_search_needs_two_characters(world: Partnership) -> None:
    response = post(world.colleague, " x ")
    assert response.status_code == 400
    assert error_summary(response) == [("#id_query", "Enter at least 2 characters")]
    response = post(world.colleague, "")
    assert error_summary(response) == [("#id_query", "Enter a reference, name or postcode")]


# --- Nothing about what you may not read ------------------------------------------------------------------


HIDDEN = {"given_name": "Quinn", "family_name": "Hiddenperson", "date_of_birth": dt.date(2007, 5, 6)}


@pytest.mark.parametrize("who", ["outsider", "colleague", "admin", "auditor"])
def test_a_hidden_record_gives_the_page_a_missing_one_gives(world: Partnership, who: str) -> None:
    """Another agency (rank 3), the referring school below the record's clearance, an admin and an auditor:
    searching the record's name, date of birth, or (once it exists) its references, they get the same page
    as before it existed, and the audit trail shows them nothing found."""
    searcher = getattr(world, who)
    queries = ["Quinn Hiddenperson", "Quin Hidenperson", "6/5/2007", "REF-2099-000001", "CASE-2099-000001"]
    before = {query: post(searcher, query) for query in queries}
    case = world.case(author=world.senior, classification=2, **HIDDEN)
    # The references it now has give what a reference nobody has gives.
    missing_reference = post(searcher, "REF-2099-000001")
    for query in queries:
        after = post(searcher, query)
        assert (after.status_code, _without_tokens(after)) == (
            before[query].status_code,
            _without_tokens(before[query]),
        )
    for reference in (case.reference, case.referral.reference):
        after = post(searcher, reference)
        assert after.status_code == 200
        assert _without_tokens(after).replace(reference, "X") == _without_tokens(missing_reference).replace(
            "REF-2099-000001", "X"
        )
        assert b"0 results" in after.content
        assert b"Hiddenperson" not in after.content
    assert all(
        e.details == {"ids": []} for e in AuditEvent.objects.filter(verb=AuditVerb.SEARCHED, actor_id=searcher.pk)
    )
    # The same searches by a reader of the record find it (the test above is not vacuous).
    assert found(post(world.senior, "Quin Hidenperson 6/5/2007")) == [case.reference]
    assert found(post(world.senior, case.reference)) == [case.reference]


def test_the_count_counts_only_what_you_may_read(world: Partnership) -> None:
    shown = world.referral(given_name="Riley", family_name="Countme")
    world.referral(author=world.senior, given_name="Riley", family_name="Countme", classification=2)
    response = post(world.colleague, "Riley Countme")
    assert found(response) == [shown.reference]
    assert b"1 result<" in response.content
    assert len(found(post(world.senior, "Riley Countme"))) == 2


# --- The header --------------------------------------------------------------------------------------------

HEADER_SEARCH = 'class="app-header-search" role="search"'


@pytest.mark.parametrize("who", ["teacher", "officer", "chair", "health_spoc"])
def test_every_case_worker_has_search_in_the_header(world: Partnership, who: str) -> None:
    page = _html(client_for(getattr(world, who)).get("/"))
    assert HEADER_SEARCH in page
    form = page[page.index(HEADER_SEARCH) - 80 : page.index("</form>", page.index(HEADER_SEARCH))]
    assert 'method="post" action="/referrals/search/"' in form
    assert 'name="query"' in form
    assert "csrfmiddlewaretoken" in form


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_people_who_read_no_case_content_have_no_search_box(world: Partnership, who: str) -> None:
    assert HEADER_SEARCH not in _html(client_for(getattr(world, who)).get("/"))


def test_the_search_page_has_its_own_box_not_a_second_one(world: Partnership) -> None:
    page = _html(client_for(world.teacher).get("/referrals/search/"))
    assert HEADER_SEARCH not in page
    assert page.count('name="query"') == 1


@pytest.mark.parametrize("rows", [1, 6])
def test_search_query_count_is_pinned(world: Partnership, rows: int, django_assert_num_queries: Any) -> None:
    for i in range(rows):
        if i % 2:
            world.case(given_name="Jordan", family_name=f"Pinned{i}")
        else:
            world.referral(given_name="Jordan", family_name=f"Pinned{i}")
    client = client_for(world.colleague)
    client.post("/referrals/search/", {"query": "Jordan"})  # warm the session's lazy state
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.post("/referrals/search/", {"query": "Jordan"})
    assert len(found(response)) == rows


SEARCH_QUERIES = 3  # the frame (docs/adr/0031), the page of matches, the audit insert
