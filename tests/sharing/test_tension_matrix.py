"""Tension reports in the permission and capability matrices: agency relation x clearance x role x surface.

A tension report is a shareable record like a referral, so the same rules (``tests.sharing.rules``,
written from DESIGN.md rules 4-8) say who reads it. One world for the module, built a day in the past
through the services: the council's officer (Developed Vetting) records two reports classified Security
Check (rank 2) in the same week, one ordinary and one originator-only; each is shared with health (no
expiry), with housing (then revoked) and with youth offending (an expiry since passed); probation is
unrelated. Every agency has someone at every clearance (below 1, equal 2, above 3) in every role, and
admins, auditors and superusers have no agency. Each panel-chair member chairs a panel of their own.

Surfaces: the API detail and list, the weekly log, the report's page, ``policy.can``, and being told of
a response action (the reminder's recipients), plus the log's withheld count (rule 6: only reports
granted to the member's agency above their clearance, never another agency's originator-only report).
Capabilities (review, plan the response, share) are asked of the predicates the pages ask and attempted
through the services, and compared with the rules stated below. Denied reading is 404, never 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import NotFound, PermissionDenied
from core.models import AuditEvent, AuditVerb
from intelligence import permissions, reminders, selectors, services
from intelligence.models import Area, ResponseAction, TensionReport
from intelligence.permissions import Capability
from partnership.models import Agency, AgencyKind, Panel, Role
from sharing import policy
from sharing import services as sharing_services
from tests.sharing import rules, worlds
from tests.sharing.worlds import AGENCYLESS_ROLES, ROLES
from tests.world import add_action, link_march, new_agency, new_police, new_user

pytestmark = pytest.mark.django_db

CLASSIFICATION = 2
RELATIONS = ("source", "shared", "revoked", "expired", "unrelated")
CLEARANCES = {"below": 1, "equal": 2, "above": 3}
VARIANTS = ("open", "originator_only")
SURFACES = ("api_detail", "api_list", "weekly_log", "page", "policy_can", "told_of_action")
CAPABILITIES = {
    "review": Capability.REVIEW_TENSION,
    "plan": Capability.PLAN_RESPONSE,
    "share": Capability.SHARE_TENSION,
}


@dataclass
class Report:
    report: TensionReport
    action: ResponseAction
    facts: rules.Record


@dataclass
class World:
    agencies: dict[str, Agency]
    reports: dict[str, Report]
    week: dt.date
    members: dict[worlds.MemberKey, worlds.Member] = field(default_factory=dict)
    chairs: set[int] = field(default_factory=set)


def _build(build_at: dt.datetime) -> World:
    agencies = {
        "source": new_agency("Tension council", AgencyKind.CHILDRENS_SERVICES),
        "shared": new_agency("Tension health", AgencyKind.HEALTH),
        "revoked": new_agency("Tension housing", AgencyKind.HOUSING),
        "expired": new_agency("Tension youth offending", AgencyKind.YOUTH_OFFENDING),
        "unrelated": new_police("Tension probation police"),
    }
    author = new_user(agencies["source"], 3, Role.PRACTITIONER)
    area = Area.objects.create(name="Matrix Ward")
    reports = {}
    for variant in VARIANTS:
        report = services.record_tension_report(
            actor=author,
            occurred_on=timezone.localdate(),
            area=area,
            category="protest",
            level=3,
            trend="rising",
            summary=f"Matrix {variant}",
            classification=CLASSIFICATION,
            originator_only=variant == "originator_only",
        )
        facts = rules.Record(
            pk=report.pk,
            author=author.pk,
            referring_agency=agencies["source"].pk,
            classification=CLASSIFICATION,
            originator_only=variant == "originator_only",
            grants=[rules.Grant(agencies["source"].pk)],
        )
        services.share_tension_report(actor=author, report_id=report.pk, agency=agencies["shared"], reason="Review")
        facts.grants.append(rules.Grant(agencies["shared"].pk))
        revoked = services.share_tension_report(
            actor=author, report_id=report.pk, agency=agencies["revoked"], reason="Housing check"
        )
        services.revoke_tension_share(actor=author, report_id=report.pk, share_id=revoked.pk, reason="Done")
        facts.grants.append(rules.Grant(agencies["revoked"].pk, revoked=True))
        expires = build_at + dt.timedelta(hours=1)
        services.share_tension_report(
            actor=author, report_id=report.pk, agency=agencies["expired"], reason="A week", expires_at=expires
        )
        facts.grants.append(rules.Grant(agencies["expired"].pk, expires_at=expires))
        event = link_march(author, report, lead_agency=agencies["source"], starts_at=build_at + dt.timedelta(days=5))
        action = add_action(
            author, event, owner_agency=agencies["source"], due_date=timezone.localdate() + dt.timedelta(days=3)
        )
        reports[variant] = Report(report=report, action=action, facts=facts)
    members = worlds.everyone(agencies, CLEARANCES)
    chairs = [m.user for (relation, _, role), m in members.items() if relation and role == "panel_chair"]
    for chair in chairs:
        Panel.objects.create(name=f"Panel {chair.pk}", chair=chair, first_meeting_at=build_at)
    week = selectors.week_of(timezone.localdate())
    return World(agencies, reports, week, members=members, chairs={chair.pk for chair in chairs})


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with worlds.kept_for_the_module(django_db_blocker):
        yield worlds.built_in_the_past(_build, dt.timedelta(days=1))


def _api_list(client: Client, headers: dict[str, str]) -> list[int]:
    ids: list[int] = []
    url: str | None = "/api/v1/tension-reports/?page_size=100"
    while url:
        body = client.get(url, **headers).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


def _observe(client: Client, member: worlds.Member, world: World) -> tuple[dict[tuple[str, str], bool], int]:
    user = member.user
    listed = _api_list(client, member.headers)
    log = selectors.weekly_log(viewer=user, week=world.week)
    logged = {r.pk for r in log.reports}
    browser = worlds.verified_session(Client(), user) if policy.is_case_worker(user) else None
    observed = {}
    for variant, row in world.reports.items():
        report = row.report
        status = client.get(f"/api/v1/tension-reports/{report.pk}/", **member.headers).status_code
        assert status in (200, 404), f"{variant}: API detail answered {status}: denied must be 404, never 403"
        viewed = AuditEvent.objects.filter(verb=AuditVerb.RECORD_VIEWED, actor_id=user.pk, object_id=str(report.pk))
        assert viewed.count() == (1 if status == 200 else 0), "every read of a report is audited, once"
        page = browser.get(f"/intelligence/tensions/{report.pk}/").status_code if browser else 404
        assert page in (200, 404), f"{variant}: the page answered {page}"
        told = reminders.ABOUT_RESPONSE.readers(row.action, [user.pk])
        observed |= {
            (variant, "api_detail"): status == 200,
            (variant, "api_list"): report.pk in listed,
            (variant, "weekly_log"): report.pk in logged,
            (variant, "page"): page == 200,
            (variant, "policy_can"): policy.can(user, policy.Action.VIEW, TensionReport.objects.get(pk=report.pk)),
            (variant, "told_of_action"): told == [user.pk],
        }
    return observed, log.withheld


def _withheld(person: rules.Person, record: rules.Record, now: dt.datetime) -> bool:
    """Rule 6: a report granted to the person's agency but above their clearance is counted, never shown;
    another agency's originator-only report does not exist for them at all."""
    if not rules.case_worker(person) or person.rank >= record.classification:
        return False
    if record.originator_only and person.agency != record.referring_agency:
        return False
    return any(g.agency == person.agency and g.live(now) for g in record.grants)


def _expected(member: worlds.Member, world: World) -> tuple[dict[tuple[str, str], bool], int]:
    now = timezone.now()
    reads = {
        (variant, surface): rules.may_read(member.facts, row.facts, now)
        for variant, row in world.reports.items()
        for surface in SURFACES
    }
    withheld = sum(_withheld(member.facts, row.facts, now) for row in world.reports.values())
    return reads, withheld


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("band", CLEARANCES)
@pytest.mark.parametrize("relation", RELATIONS)
def test_matrix(world: World, client: Client, relation: str, band: str, role: str) -> None:
    member = world.members[(relation, band, role)]
    assert _observe(client, member, world) == _expected(member, world)


@pytest.mark.parametrize("role", AGENCYLESS_ROLES)
@pytest.mark.parametrize("band", CLEARANCES)
def test_matrix_without_an_agency(world: World, client: Client, band: str, role: str) -> None:
    member = world.members[(None, band, role)]
    expected = _expected(member, world)
    assert expected == (dict.fromkeys(expected[0], False), 0)
    assert _observe(client, member, world) == expected


# --- capabilities --------------------------------------------------------------------------------------


def _rule(capability: str, member: worlds.Member, world: World, row: Report) -> str:
    """The capability rules, from the module docstring of ``intelligence.permissions`` and DESIGN.md rule 11:
    not readable -> not found; readable -> allowed for the right role and relation, else refused."""
    person = member.facts
    if not rules.may_read(person, row.facts, timezone.now()):
        return "not_found"
    reviewer = "spoc" in person.roles or person.pk in world.chairs
    source = person.agency == row.facts.referring_agency
    allowed = {
        "review": reviewer,
        "plan": source or reviewer,
        "share": person.pk == row.facts.author or (source and "spoc" in person.roles),
    }[capability]
    return "allowed" if allowed else "refused"


def _attempt(capability: str, member: worlds.Member, world: World, row: Report) -> str:
    user, pk = member.user, row.report.pk
    calls = {
        "review": lambda: services.review_tension_report(actor=user, report_id=pk, note="Agreed to monitor"),
        "plan": lambda: services.link_event(
            actor=user,
            report_id=pk,
            title="Vigil",
            starts_at=timezone.now() + dt.timedelta(days=2),
            location="Park",
            lead_agency=world.agencies["source"],
            response_plan="Council leads",
        ),
        "share": lambda: services.share_tension_report(
            actor=user, report_id=pk, agency=world.agencies["unrelated"], reason="They may help"
        ),
    }
    try:
        with worlds.rolled_back():
            calls[capability]()
    except NotFound:
        return "not_found"
    except PermissionDenied:
        return "refused"
    return "allowed"


def _predicate(capability: str, member: worlds.Member, row: Report) -> str:
    report = TensionReport.objects.get(pk=row.report.pk)
    if not policy.can(member.user, policy.Action.VIEW, report):
        return "not_found"
    return "allowed" if permissions.can(member.user, CAPABILITIES[capability], report) else "refused"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relation", RELATIONS)
def test_capability_matrix(world: World, relation: str, role: str) -> None:
    """At equal clearance (clearance is the reading matrix's business): every capability on both reports,
    through the service and the predicate, against the rules."""
    member = world.members[(relation, "equal", role)]
    cells = [(cap, variant) for cap in CAPABILITIES for variant in VARIANTS]
    expected = {cell: _rule(cell[0], member, world, world.reports[cell[1]]) for cell in cells}
    through_services = {cell: _attempt(cell[0], member, world, world.reports[cell[1]]) for cell in cells}
    through_predicates = {cell: _predicate(cell[0], member, world.reports[cell[1]]) for cell in cells}
    assert through_services == expected
    assert through_predicates == expected


# --- break-glass ---------------------------------------------------------------------------------------


def _may_break_glass(person: rules.Person, record: rules.Record) -> bool:
    """DESIGN.md rule 9, as for referrals: a case worker may open a record outside the grants, but its
    classification and (for an originator-only record) its agency still apply."""
    if not rules.case_worker(person) or person.rank < record.classification:
        return False
    return not (record.originator_only and person.agency != record.referring_agency)


def _break_glass_attempt(member: worlds.Member, row: Report) -> str:
    report = TensionReport.objects.get(pk=row.report.pk)
    try:
        with worlds.rolled_back():
            permissions.require(member.user, Capability.BREAK_GLASS, report)
            sharing_services.open_break_glass(actor=member.user, record=report, reason="Urgent call from the police")
    except NotFound:
        return "not_found"
    return "allowed"


BREAK_GLASS_CELLS = worlds.member_keys(RELATIONS, CLEARANCES)


@pytest.mark.parametrize("cell", BREAK_GLASS_CELLS)
def test_break_glass_matrix(world: World, cell: tuple[str | None, str, str]) -> None:
    """Who may open each report by break-glass, through the service the page calls and the predicate;
    a refusal is always "not found" (it says nothing about the report)."""
    member = world.members[cell]
    expected = {
        v: "allowed" if _may_break_glass(member.facts, r.facts) else "not_found" for v, r in world.reports.items()
    }
    through_service = {v: _break_glass_attempt(member, r) for v, r in world.reports.items()}
    through_predicate = {
        v: "allowed"
        if permissions.can(member.user, Capability.BREAK_GLASS, TensionReport.objects.get(pk=r.report.pk))
        else "not_found"
        for v, r in world.reports.items()
    }
    assert through_service == expected
    assert through_predicate == expected


def test_every_capability_on_a_report_is_in_the_matrix() -> None:
    on_reports = {Capability.REVIEW_TENSION, Capability.PLAN_RESPONSE, Capability.SHARE_TENSION}
    assert set(CAPABILITIES.values()) == on_reports == set(permissions.RELATIONS)
    not_on_a_report = {Capability.RECORD_TENSION, Capability.READ_SELF_ASSESSMENT, Capability.EDIT_SELF_ASSESSMENT}
    assert set(Capability) - not_on_a_report == on_reports | {Capability.BREAK_GLASS}  # break-glass: its own matrix
