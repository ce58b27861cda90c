"""The permission matrix: agency relation x clearance x role x surface x originator-only.

One world is built through the services for the whole module (inside a
transaction rolled back at the end; each test runs in its own savepoint):

* a referring agency whose practitioner (Developed Vetting) submits two
  referrals classified Security Check (rank 2), one ordinary and one
  originator-only, each with an attachment at rank 2;
* the screening agency (granted on submission);
* an agency shared with (no expiry), one shared with and then revoked, one
  shared with an expiry that has since passed (the world is built a day in the
  past; the tidy task never runs, so expiry alone must stop the grant), and an
  unrelated agency;
* in every agency, a user at every clearance (below = 1, equal = 2, above = 3)
  in every role; and admins, auditors and superusers without an agency.

Each test is one (relation, clearance, role) and checks both referrals through
every surface (API detail, API list, search, attachment download, policy.can),
comparing a {(variant, surface): answer} table with the expected one, so a
failure names exactly the cells that differ. The pages have their own tests: the
referral page for every row, and the caseload and search pages for a sample of
rows. A missing page route fails the page tests.
The expected answer comes from ``tests.sharing.rules`` (DESIGN.md rules 4-8),
never from the code under test. Denied means 404 on the API detail and the page
(never 403) and absent from lists and search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from partnership.models import Agency, Role
from referrals.models import Attachment, Referral
from sharing import services as sharing_services
from tests.conftest import sign_in_verified
from tests.sharing import rules, worlds
from tests.sharing.worlds import AGENCYLESS_ROLES, ROLES
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.django_db

CLASSIFICATION = 2
RELATIONS = ("referring", "screening", "shared", "revoked", "expired", "unrelated")
CLEARANCES = {"below": CLASSIFICATION - 1, "equal": CLASSIFICATION, "above": CLASSIFICATION + 1}
VARIANTS = ("open", "originator_only")
SURFACES = ("api_detail", "api_list", "search", "download", "policy_can")


@dataclass
class Case:
    referral: Referral
    attachment: Attachment
    facts: rules.Record


@dataclass
class World:
    agencies: dict[str, Agency]
    cases: dict[str, Case]
    members: dict[worlds.MemberKey, worlds.Member] = field(default_factory=dict)


def _build(build_at: dt.datetime) -> World:
    agencies = {
        "referring": new_agency("Matrix referring school"),
        "screening": new_police("Matrix police Prevent"),
        "shared": new_agency("Matrix health trust"),
        "revoked": new_agency("Matrix housing"),
        "expired": new_agency("Matrix youth offending"),
        "unrelated": new_agency("Matrix probation"),
    }
    author = new_user(agencies["referring"], 3, Role.PRACTITIONER)
    cases = {}
    for variant in VARIANTS:
        referral, attachment = worlds.submit(
            author,
            given_name="Casey",
            family_name=f"Matrix{variant.replace('_', '')}",
            classification=CLASSIFICATION,
            originator_only=variant == "originator_only",
            attachment_classification=CLASSIFICATION,
        )
        assert attachment is not None
        facts = rules.Record(
            pk=referral.pk,
            author=author.pk,
            referring_agency=agencies["referring"].pk,
            classification=CLASSIFICATION,
            originator_only=variant == "originator_only",
            grants=[rules.Grant(agencies["referring"].pk), rules.Grant(agencies["screening"].pk)],
        )
        sharing_services.share_with_agency(
            actor=author, record=referral, agency=agencies["shared"], reason="Health input needed"
        )
        facts.grants.append(rules.Grant(agencies["shared"].pk))
        revoked = sharing_services.share_with_agency(
            actor=author, record=referral, agency=agencies["revoked"], reason="Housing check"
        )
        sharing_services.revoke_share(actor=author, record=referral, share_id=revoked.pk, reason="No longer needed")
        facts.grants.append(rules.Grant(agencies["revoked"].pk, revoked=True))
        expires = build_at + dt.timedelta(hours=1)
        sharing_services.share_with_agency(
            actor=author, record=referral, agency=agencies["expired"], reason="YOT view for a week", expires_at=expires
        )
        facts.grants.append(rules.Grant(agencies["expired"].pk, expires_at=expires))
        cases[variant] = Case(referral=referral, attachment=attachment, facts=facts)

    return World(agencies=agencies, cases=cases, members=worlds.everyone(agencies, CLEARANCES))


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    media = tmp_path_factory.mktemp("matrix-media")
    with worlds.kept_for_the_module(django_db_blocker), override_settings(MEDIA_ROOT=str(media)):
        yield worlds.built_in_the_past(_build, dt.timedelta(days=1))


def _observe(client: Client, member: worlds.Member, world: World) -> dict[tuple[str, str], bool]:
    """What the member gets through every surface, for each referral: True when it is there for them."""
    user = member.user
    listed = worlds.api_list_ids(client, member.headers)
    audited = AuditEvent.objects.filter(verb=AuditVerb.LIST_VIEWED, actor_id=user.pk).values_list("details", flat=True)
    assert sorted(i for d in audited for i in d["ids"]) == sorted(listed), "lists audit the ids they returned"
    found = worlds.search_ids(user, "Casey")  # both referrals' subjects are called Casey

    observed = {}
    for variant, case in world.cases.items():
        referral = case.referral
        status = worlds.api_detail_status(client, member.headers, referral.pk)
        assert status in (200, 404), f"{variant}: API detail answered {status}: denied must be 404, never 403"
        viewed = AuditEvent.objects.filter(verb=AuditVerb.RECORD_VIEWED, actor_id=user.pk, object_id=str(referral.pk))
        assert viewed.count() == (1 if status == 200 else 0), "every read of case content is audited, once"
        assert not viewed.filter(break_glass=True).exists()
        observed |= {
            (variant, "api_detail"): status == 200,
            (variant, "api_list"): referral.pk in listed,
            (variant, "search"): referral.pk in found,
            (variant, "download"): worlds.can_download(user, case.attachment.pk),
            (variant, "policy_can"): worlds.policy_can_view(user, referral),
        }
    return observed


def _expected(member: worlds.Member, world: World) -> dict[tuple[str, str], bool]:
    now = timezone.now()
    return {
        (variant, surface): rules.may_read(member.facts, case.facts, now)
        for variant, case in world.cases.items()
        for surface in SURFACES
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("band", CLEARANCES)
@pytest.mark.parametrize("relation", RELATIONS)
def test_matrix(world: World, client: Client, relation: str, band: str, role: str) -> None:
    """One row of the matrix: both referrals (ordinary, originator-only) through every surface.

    A failure names the (variant, surface) pairs whose answer differs from the rules'.
    """
    member = world.members[(relation, band, role)]
    assert _observe(client, member, world) == _expected(member, world)


@pytest.mark.parametrize("role", AGENCYLESS_ROLES)
@pytest.mark.parametrize("band", CLEARANCES)
def test_matrix_without_an_agency(world: World, client: Client, band: str, role: str) -> None:
    member = world.members[(None, band, role)]
    expected = _expected(member, world)
    assert set(expected.values()) == {False}
    assert _observe(client, member, world) == expected


PAGE_WHO = worlds.member_keys(RELATIONS, CLEARANCES)


@pytest.mark.parametrize(("relation", "band", "role"), PAGE_WHO)
def test_matrix_referral_page(world: World, client: Client, relation: str | None, band: str, role: str) -> None:
    """The page surface: GET /referrals/<id>/ with a two-factor-verified session, both variants."""
    assert worlds.page_route_exists(worlds.REFERRAL_PAGE), "the referral page route /referrals/<id>/ is missing"
    member = world.members[(relation, band, role)]
    worlds.verified_session(client, member.user)
    now = timezone.now()
    observed, expected = {}, {}
    for variant, case in world.cases.items():
        expected[variant] = rules.may_read(member.facts, case.facts, now)
        response = client.get(worlds.REFERRAL_PAGE.format(pk=case.referral.pk))
        assert response.status_code in (200, 404), f"{variant}: the page answered {response.status_code}"
        observed[variant] = response.status_code == 200
        if response.status_code == 404:
            assert case.referral.reference.encode() not in response.content
            assert case.referral.subject.family_name.encode() not in response.content
    assert observed == expected


LIST_PAGE_WHO = [
    (relation, "equal", role) for relation in RELATIONS for role in ("practitioner", "partnership_admin")
] + [(None, "above", "auditor")]


@pytest.mark.parametrize(("relation", "band", "role"), LIST_PAGE_WHO)
def test_matrix_list_pages(world: World, client: Client, relation: str | None, band: str, role: str) -> None:
    """The caseload page and the search page (by POST) show a referral exactly when the rules list it."""
    for route in ("/referrals/caseload/", "/referrals/search/"):
        assert worlds.page_route_exists(route), f"the page route {route} is missing"
    member = world.members[(relation, band, role)]
    worlds.verified_session(client, member.user)
    caseload = client.get("/referrals/caseload/")
    search = client.post("/referrals/search/", {"query": "Casey"})
    assert (caseload.status_code, search.status_code) == (200, 200)
    now = timezone.now()
    for variant, case in world.cases.items():
        expected = rules.may_list(member.facts, case.facts, now)
        reference = case.referral.reference.encode()
        assert (reference in caseload.content, reference in search.content) == (expected, expected), variant


def test_referral_page_through_the_real_sign_in(world: World, client: Client) -> None:
    """The fast verified session used above is what the real sign-in journey gives."""
    assert worlds.page_route_exists(worlds.REFERRAL_PAGE), "the referral page route /referrals/<id>/ is missing"
    reader = world.members[("shared", "equal", "practitioner")].user
    sign_in_verified(client, reader)
    assert client.get(worlds.REFERRAL_PAGE.format(pk=world.cases["open"].referral.pk)).status_code == 200
    assert client.get(worlds.REFERRAL_PAGE.format(pk=world.cases["originator_only"].referral.pk)).status_code == 404


def test_the_matrix_world_has_both_answers(world: World) -> None:
    """Guard against a vacuous matrix: the oracle says yes and no across the world."""
    now = timezone.now()
    answers = {rules.may_read(m.facts, c.facts, now) for m in world.members.values() for c in world.cases.values()}
    assert answers == {True, False}
    readers = {key for key, m in world.members.items() if rules.may_read(m.facts, world.cases["open"].facts, now)}
    assert readers == {
        (relation, band, role)
        for relation in ("referring", "screening", "shared")
        for band in ("equal", "above")
        for role in ("practitioner", "screening_officer", "spoc", "panel_chair", "panel_member")  # rule 8
    }
