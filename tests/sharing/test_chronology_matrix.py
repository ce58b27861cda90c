"""The chronology permission matrix: entry kind x reader's relation x clearance x role.

One case is built through the services for the whole module (inside a
transaction rolled back at the end; each test runs in its own savepoint):

* a school practitioner refers (Baseline); police Prevent (the screening
  agency) records a screening note at Security Check and a deconfliction check
  at Security Check (originator-only by default), then refers to the panel with
  a council chair as case owner;
* the chair asks health and housing for information: health's SPOC returns a
  contribution at Security Check with a releasable summary, housing's SPOC a
  Baseline contribution (no summary is allowed below Security Check);
* the chair adds case notes at ranks 1, 2 and 3 and an originator-only note;
* probation has no access at all;
* in every agency, a user at every clearance (1, 2, 3) in every role.

For each (entry kind, relation, clearance, role) the test reads the chronology
through the API (``GET /api/v1/cases/{id}/chronology/``, unfiltered and filtered
to the entry's agency and type) and through ``case_selectors.export_chronology``
(the CSV/PDF export), and checks the entry is shown in full, shown as its
releasable summary only, counted in ``withheld``, absent (not counted), or that
the whole chronology is 404, exactly as ``expected`` (below) says. The expected
answer is computed from the facts recorded while building the world and an
independent statement of DESIGN.md rules 4-8 (``tests.sharing.rules``), never
from ``sharing.policy``. Each reader's observations are made once and cached.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case
from core.errors import NotFound
from partnership.models import Agency, Role
from referrals import services as referral_services
from referrals.models import ChronologyEntry
from tests.referrals.factories import submitted_referral
from tests.sharing import rules, worlds
from tests.world import ask, new_panel, new_user, refer_to_panel

pytestmark = pytest.mark.django_db

KINDS = (
    "screening_note",
    "deconfliction",
    "contribution_summary",
    "contribution_baseline",
    "case_note_1",
    "case_note_2",
    "case_note_3",
    "case_note_originator_only",
)
RELATIONS = ("same", "other", "none")
RANKS = (1, 2, 3)
ROLES = ("practitioner", "spoc", "panel_chair", "partnership_admin", "auditor")
AGENCIES = ("school", "police", "council", "health", "housing", "probation")
# Which agency authors each kind; "other" readers come from the referring school (access, authors none of these).
AUTHOR_AGENCY = {
    "screening_note": "police",
    "deconfliction": "police",
    "contribution_summary": "health",
    "contribution_baseline": "housing",
    "case_note_1": "council",
    "case_note_2": "council",
    "case_note_3": "council",
    "case_note_originator_only": "council",
}
OTHER_AGENCY = "school"
NO_ACCESS_AGENCY = "probation"


@dataclass(frozen=True)
class EntryFacts:
    """What the test knows about one chronology entry (recorded when it was written)."""

    pk: int
    agency: int
    entry_type: str
    classification: int
    originator_only: bool
    body: str
    summary: str
    occurred_at: dt.datetime


@dataclass
class World:
    agencies: dict[str, Agency]
    case: Case
    record: rules.Record
    kinds: dict[str, EntryFacts]
    entries: list[EntryFacts]  # every entry of the chronology, ours and the automatic ones
    members: dict[worlds.MemberKey, worlds.Member] = field(default_factory=dict)
    observed: dict[tuple[str, int, str], Observation] = field(default_factory=dict)


# --- the oracle (DESIGN.md rules 4-8, stated independently of sharing.policy) ------------------


def expected(person: rules.Person, record: rules.Record, entry: EntryFacts, now: dt.datetime) -> str:
    """'404' (no chronology at all), 'absent', 'withheld', 'summary' or 'full'."""
    if not rules.may_read(person, record, now):
        return "404"
    if entry.originator_only and person.agency != entry.agency:
        return "absent"  # does not exist for them: not shown, not counted (rule 7)
    if person.rank >= entry.classification:
        return "full"
    return "summary" if entry.summary else "withheld"


# --- building the world -----------------------------------------------------------------------


def _facts(entry: ChronologyEntry) -> EntryFacts:
    return EntryFacts(
        pk=entry.pk,
        agency=entry.owning_agency_id,
        entry_type=entry.entry_type,
        classification=entry.classification,
        originator_only=entry.originator_only,
        body=entry.body,
        summary=entry.releasable_summary,
        occurred_at=entry.occurred_at,
    )


def _build() -> World:
    agencies = worlds.chronology_agencies("Chrono", police="Chrono police Prevent")
    teacher = new_user(agencies["school"], 1, Role.PRACTITIONER)
    officer = new_user(agencies["police"], 3, Role.SCREENING_OFFICER)
    chair = new_user(agencies["council"], 3, Role.PANEL_CHAIR, Role.PRACTITIONER)
    health_spoc = new_user(agencies["health"], 3, Role.SPOC)
    housing_spoc = new_user(agencies["housing"], 3, Role.SPOC)
    panel = new_panel(chair, "Chrono panel")

    referral = submitted_referral(teacher, classification=1)
    kinds: dict[str, ChronologyEntry] = {}
    screening_note = functools.partial(referral_services.record_screening_note, actor=officer, referral_id=referral.pk)
    kinds["screening_note"] = screening_note(text="BODY screening note: known to school.", classification=2)
    kinds["deconfliction"] = screening_note(
        text="BODY deconfliction: no live operation.", classification=2, deconfliction=True
    )
    assert kinds["deconfliction"].originator_only, "a deconfliction check is originator-only by default"
    case = refer_to_panel(referral, officer=officer, panel=panel, owner=chair)
    requests = ask(chair, case, agencies["health"], agencies["housing"])
    by_agency = {r.agency_id: r for r in requests}
    kinds["contribution_summary"] = case_services.return_contribution(
        actor=health_spoc,
        request_id=by_agency[agencies["health"].pk].pk,
        text="BODY health contribution: detailed clinical history.",
        classification=2,
        releasable_summary="SUMMARY health: known to services, engaging.",
    )
    kinds["contribution_baseline"] = case_services.return_contribution(
        actor=housing_spoc,
        request_id=by_agency[agencies["housing"].pk].pk,
        text="BODY housing contribution: tenancy stable.",
        classification=1,
    )
    case_note = functools.partial(case_services.add_case_note, actor=chair, referral_id=referral.pk)
    for rank in RANKS:
        kinds[f"case_note_{rank}"] = case_note(text=f"BODY case note at rank {rank}.", classification=rank)
    kinds["case_note_originator_only"] = case_note(
        text="BODY originator-only case note.", classification=1, originator_only=True
    )
    for kind, entry in kinds.items():
        assert entry.owning_agency_id == agencies[AUTHOR_AGENCY[kind]].pk, kind

    record = rules.Record(
        pk=referral.pk,
        author=teacher.pk,
        referring_agency=agencies["school"].pk,
        classification=1,
        grants=[
            rules.Grant(agencies["school"].pk),  # referring agency, on submit
            rules.Grant(agencies["police"].pk),  # screening agency
            rules.Grant(agencies["council"].pk),  # case owner's agency
            rules.Grant(agencies["health"].pk),  # information request
            rules.Grant(agencies["housing"].pk),  # information request
        ],
    )
    world = World(
        agencies=agencies,
        case=case,
        record=record,
        kinds={kind: _facts(entry) for kind, entry in kinds.items()},
        entries=[_facts(e) for e in ChronologyEntry.objects.filter(referral=referral)],
    )
    world.members = worlds.everyone(agencies, {rank: rank for rank in RANKS}, ROLES, agencyless_roles=())
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with worlds.kept_for_the_module(django_db_blocker):
        yield worlds.built_in_the_past(lambda _: _build(), dt.timedelta(hours=1))


# --- observing ----------------------------------------------------------------------------------


@dataclass
class View:
    """One reading of the chronology: None when it answered 404."""

    status: int
    raw: bytes = b""
    entries: list[dict[str, Any]] = field(default_factory=list)
    withheld: int = 0


@dataclass
class Observation:
    api: View
    export: View
    filtered: dict[tuple[int, str], View] = field(default_factory=dict)


def _api(client: Client, member: worlds.Member, case_id: int, query: str = "") -> View:
    response = client.get(f"/api/v1/cases/{case_id}/chronology/{query}", **member.headers)
    assert response.status_code in (200, 404), f"answered {response.status_code}: denied must be 404, never 403"
    if response.status_code != 200:
        return View(status=response.status_code, raw=response.content)
    body = response.json()
    return View(status=200, raw=response.content, entries=body["entries"], withheld=body["withheld"])


def _export(member: worlds.Member, world: World) -> View:
    try:
        case = case_selectors.access_case(viewer=member.user, case_id=world.case.pk, audit=False)
    except NotFound:
        return View(status=404)
    chronology = case_selectors.export_chronology(viewer=member.user, referral=case.referral, fmt="csv")
    entries = [{"id": item.entry.pk, "text": item.text, "summary_only": not item.full} for item in chronology.items]
    return View(status=200, raw=json.dumps(entries).encode(), entries=entries, withheld=chronology.withheld)


def observe(client: Client, world: World, key: tuple[str, int, str]) -> Observation:
    if key not in world.observed:
        member = world.members[key]
        world.observed[key] = Observation(api=_api(client, member, world.case.pk), export=_export(member, world))
    return world.observed[key]


def observe_slice(client: Client, world: World, key: tuple[str, int, str], entry: EntryFacts) -> View:
    """The chronology filtered to the entry's agency and type (cached per reader and slice)."""
    observation = world.observed[key]
    slice_key = (entry.agency, entry.entry_type)
    if slice_key not in observation.filtered:
        query = f"?agency={entry.agency}&entry_type={entry.entry_type}"
        observation.filtered[slice_key] = _api(client, world.members[key], world.case.pk, query)
    return observation.filtered[slice_key]


def outcome(view: View, entry: EntryFacts) -> str:
    """What the reader got for one entry (counting is checked separately, against the oracle's totals)."""
    if view.status == 404:
        return "404"
    shown = [row for row in view.entries if row["id"] == entry.pk]
    if not shown:
        return "absent or withheld"
    assert len(shown) == 1
    row = shown[0]
    if row["summary_only"]:
        assert row["text"] == entry.summary, "a summary-only entry shows its releasable summary"
        return "summary"
    assert row["text"] == entry.body, "a full entry shows its full text"
    return "full"


def _reader_key(kind: str, relation: str) -> str:
    return {"same": AUTHOR_AGENCY[kind], "other": OTHER_AGENCY, "none": NO_ACCESS_AGENCY}[relation]


# --- the matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rank", RANKS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_chronology_matrix(world: World, client: Client, kind: str, relation: str, rank: int, role: str) -> None:
    key = (_reader_key(kind, relation), rank, role)
    member = world.members[key]
    entry = world.kinds[kind]
    now = timezone.now()
    want = expected(member.facts, world.record, entry, now)
    observation = observe(client, world, key)

    for surface, view in (("api", observation.api), ("export", observation.export)):
        got = outcome(view, entry)
        assert got == ("absent or withheld" if want in ("absent", "withheld") else want), (surface, got, want)
        if want in ("404", "absent", "withheld", "summary"):
            assert entry.body.encode() not in view.raw, f"{surface}: the full text leaked"
        if want in ("404", "absent"):
            assert entry.summary == "" or entry.summary.encode() not in view.raw

    # The count: exactly the entries the oracle withholds, on the whole chronology and on the entry's own slice.
    sliced = observe_slice(client, world, key, entry)
    if want == "404":
        assert sliced.status == 404
        return
    all_expected = {e.pk: expected(member.facts, world.record, e, now) for e in world.entries}
    for view in (observation.api, observation.export):
        assert view.withheld == sum(1 for v in all_expected.values() if v == "withheld")
        assert [row["id"] for row in view.entries] == [
            e.pk
            for e in sorted(world.entries, key=lambda e: (e.occurred_at, e.pk))
            if all_expected[e.pk] in ("full", "summary")
        ], "exactly the visible entries, oldest first"
    in_slice = [e for e in world.entries if (e.agency, e.entry_type) == (entry.agency, entry.entry_type)]
    assert sliced.withheld == sum(1 for e in in_slice if all_expected[e.pk] == "withheld")
    assert sorted(row["id"] for row in sliced.entries) == sorted(
        e.pk for e in in_slice if all_expected[e.pk] in ("full", "summary")
    )


def test_the_matrix_covers_every_outcome(world: World) -> None:
    """The world is rich enough: every outcome occurs for some (kind, relation, rank, role)."""
    now = timezone.now()
    seen = {
        expected(world.members[(_reader_key(k, rel), r, role)].facts, world.record, world.kinds[k], now)
        for k in KINDS
        for rel in RELATIONS
        for r in RANKS
        for role in ROLES
    }
    assert seen == {"404", "absent", "withheld", "summary", "full"}


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("rank", RANKS)
def test_csv_export_page(world: World, client: Client, agency: str, rank: int) -> None:
    """The CSV download page carries the reader's own view: full text, summary, or nothing."""
    member = world.members[(agency, rank, "practitioner")]
    worlds.verified_session(client, member.user)
    response = client.get(reverse("cases:case_chronology_export", args=[world.case.pk, "csv"]))
    now = timezone.now()
    if not rules.may_read(member.facts, world.record, now):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode()
    for entry in world.kinds.values():
        want = expected(member.facts, world.record, entry, now)
        assert (entry.body in text) == (want == "full"), (entry, want)
        if entry.summary and want == "summary":
            assert entry.summary in text, (entry, want)
        if entry.summary and want in ("absent", "withheld"):
            assert entry.summary not in text, (entry, want)
