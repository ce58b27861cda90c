"""The panel pack differs between readers exactly as the sharing rules say.

Two attendees of the same meeting: a health panel member with Security Check
(rank 2) and a police panel member with Baseline (rank 1). The EXPECTED pack
for each is computed from an independent statement of the rules
(tests/sharing/rules.py for the records, ``child_view`` below for what is
inside them) applied to facts recorded while the world was built: never from
sharing.policy or the grant tables. The product's pack (the selector, the
printable page and the PDF) must match it exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from panels import selectors, services
from panels.models import AssessmentFactor
from panels.pack_pdf import render_pack_pdf
from partnership.models import User
from referrals.models import ChronologyEntry
from tests.sharing import rules
from tests.world import PanelSitting, client_for

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Child:
    """What the test knows about a record inside a case (an assessment or a chronology entry)."""

    pk: int
    case: int
    classification: int
    agency: int
    originator_only: bool = False
    summary: str = ""
    marker: str = ""


def child_view(person: rules.Person, parent_readable: bool, child: Child) -> str:
    """Rule 6 and originator-only, for what is inside a record the person can read.

    "full", "summary" (the releasable summary only), "withheld" (counted, never shown) or "absent".
    """
    if not parent_readable or not rules.case_worker(person):
        return "absent"
    if child.originator_only and person.agency != child.agency:
        return "absent"
    if person.rank >= child.classification:
        return "full"
    return "summary" if child.summary else "withheld"


def person(user: User) -> rules.Person:
    return rules.Person(pk=user.pk, agency=user.agency_id, rank=user.clearance.rank, roles=frozenset(user.roles))


def _ratings(level: int) -> dict[int, tuple[int, str]]:
    return {f.pk: (level, "evidence") for f in AssessmentFactor.objects.filter(is_active=True)}


def _significant(entry: ChronologyEntry) -> None:
    """The pack carries significant entries; who may mark one is the cases app's rule, not this test's."""
    ChronologyEntry.objects.filter(pk=entry.pk).update(significant=True)


class PackWorld:
    def __init__(self) -> None:
        pw = self.pw = PanelSitting()
        w = pw
        self.readers = {"health_sc": pw.member, "police_bl": pw.police_member}
        self.records: dict[int, rules.Record] = {}
        self.assessments: list[Child] = []
        self.entries: list[Child] = []
        # Every agency that gains access by an event: the referrer (school), the screener (police),
        # the case owner (council) and, once on the agenda, every member agency.
        events = [w.school, w.police, w.council, w.health]
        self.open_case = self._case(1, "Zqopen", events)
        self.secret_case = self._case(2, "Zqsecret", events)
        self.meeting = pw.meeting
        pw.build()
        for case in (self.open_case, self.secret_case):
            self._assess(case, 1, f"Zqassess1c{case.pk}")
        self._assess(self.open_case, 2, "Zqassess2sc")
        self._note(self.open_case, pw.chair, 2, "Zqnotesc")
        self._note(self.open_case, pw.chair, 1, "Zqnotebl")
        self._note(self.open_case, pw.member, 1, "Zqhealthonly", originator_only=True)
        self._note(self.secret_case, pw.member, 2, "Zqsecretnote")
        [request] = pw.ask(self.open_case, question="Known to you?")
        entry = pw.answer(request, "Zqclinical details", 2, releasable_summary="Zqreleasable known to health")
        _significant(entry)
        # Facts about every significant entry (the services add some of their own: referral, screening).
        for e in ChronologyEntry.objects.filter(
            significant=True, referral_id__in=[self.open_case.pk, self.secret_case.pk]
        ):
            self.entries.append(
                Child(
                    pk=e.pk,
                    case=e.referral_id,
                    classification=e.classification,
                    agency=e.owning_agency_id,
                    originator_only=e.originator_only,
                    summary=e.releasable_summary,
                    marker=e.body.split()[0] if e.body.startswith("Zq") else "",
                )
            )

    def _case(self, classification: int, name: str, agencies: list[Any]) -> Case:
        case = self.pw.case(classification=classification, given_name=name, family_name="Person")
        author = case.referral.created_by
        self.records[case.pk] = rules.Record(
            pk=case.pk,
            author=author.pk,
            referring_agency=author.agency_id,
            classification=classification,
            grants=[rules.Grant(agency=a.pk) for a in agencies],
        )
        return case

    def _assess(self, case: Case, classification: int, marker: str) -> None:
        assessment = services.record_assessment(
            actor=self.pw.chair,
            case_id=case.pk,
            ratings=_ratings(classification),
            conclusion=marker,
            classification=classification,
        )
        self.assessments.append(
            Child(
                pk=assessment.pk,
                case=case.pk,
                classification=classification,
                agency=self.pw.chair.agency_id,
                marker=marker,
            )
        )

    def _note(self, case: Case, author: User, classification: int, marker: str, originator_only: bool = False) -> None:
        entry = case_services.add_case_note(
            actor=author,
            referral_id=case.pk,
            text=marker,
            classification=classification,
            originator_only=originator_only,
        )
        _significant(entry)

    # --- the expected pack, from the rules ---------------------------------------------------------

    def expected(self, user: User) -> dict[str, Any]:
        reader, now = person(user), timezone.now()
        readable = [
            pk for pk in (self.open_case.pk, self.secret_case.pk) if rules.may_read(reader, self.records[pk], now)
        ]
        cases = {}
        for pk in readable:
            shown = [a for a in self.assessments if a.case == pk and child_view(reader, True, a) == "full"]
            latest = max(shown, key=lambda a: a.pk, default=None)
            views = {e.pk: child_view(reader, True, e) for e in self.entries if e.case == pk}
            cases[pk] = {
                "latest_assessment": latest.pk if latest else None,
                "entries": {k: v for k, v in views.items() if v in ("full", "summary")},
                "withheld": sum(1 for v in views.values() if v == "withheld"),
            }
        return {"cases": cases, "withheld": 2 - len(readable)}

    @staticmethod
    def actual(pack: selectors.PanelPack) -> dict[str, Any]:
        return {
            "cases": {
                c.case.pk: {
                    "latest_assessment": c.latest_assessment.pk if c.latest_assessment else None,
                    "entries": {i.entry.pk: "full" if i.full else "summary" for i in c.chronology.items},
                    "withheld": c.chronology.withheld,
                }
                for c in pack.cases
            },
            "withheld": pack.withheld,
        }

    def visible_markers(self, user: User) -> tuple[set[str], set[str]]:
        """Markers (unique words) the reader's pack must show, and those it must not."""
        expected = self.expected(user)
        shown: set[str] = set()
        for _pk, case in expected["cases"].items():
            if case["latest_assessment"]:
                shown.add(next(a.marker for a in self.assessments if a.pk == case["latest_assessment"]))
            for entry_pk, view in case["entries"].items():
                entry = next(e for e in self.entries if e.pk == entry_pk)
                if view == "full" and entry.marker:
                    shown.add(entry.marker)
                if view == "summary":
                    shown.add(entry.summary.split()[0])
        everything = {a.marker for a in self.assessments} | {e.marker for e in self.entries if e.marker}
        everything |= {e.summary.split()[0] for e in self.entries if e.summary}
        names = {"Zqopen", "Zqsecret"}
        shown |= {
            n for n, pk in (("Zqopen", self.open_case.pk), ("Zqsecret", self.secret_case.pk)) if pk in expected["cases"]
        }
        # An older assessment is never in the pack: only the latest readable one.
        return shown, (everything | names) - shown


@pytest.fixture
def world(db: Any) -> PackWorld:
    return PackWorld()


def test_the_two_packs_match_the_rules_and_differ(world: PackWorld) -> None:
    packs = {}
    for name, user in world.readers.items():
        pack = selectors.panel_pack_for(viewer=user, meeting=world.meeting)
        assert PackWorld.actual(pack) == world.expected(user), name
        packs[name] = PackWorld.actual(pack)
    health, police = packs["health_sc"], packs["police_bl"]
    # Sanity: the world really separates the two readers in each dimension.
    assert set(health["cases"]) == {world.open_case.pk, world.secret_case.pk}
    assert set(police["cases"]) == {world.open_case.pk}
    assert police["withheld"] == 1
    open_health, open_police = health["cases"][world.open_case.pk], police["cases"][world.open_case.pk]
    assert open_health["latest_assessment"] != open_police["latest_assessment"]  # v2 is Security Check
    assert "summary" in open_police["entries"].values()  # the contribution's releasable summary
    assert len(open_health["entries"]) > len(open_police["entries"])  # health's own note, SC notes


@pytest.mark.parametrize("reader", ["health_sc", "police_bl"])
def test_the_printable_pack_and_the_pdf_show_exactly_that(world: PackWorld, reader: str) -> None:
    user = world.readers[reader]
    shown, hidden = world.visible_markers(user)
    html = client_for(user).get(f"/panels/meetings/{world.meeting.pk}/pack/").content.decode()
    for marker in shown:
        assert marker in html, (reader, marker)
    for marker in hidden:
        assert marker not in html, (reader, marker)
    pdf = render_pack_pdf(selectors.panel_pack_for(viewer=user, meeting=world.meeting), compress=False)
    for marker in shown:
        assert marker.encode() in pdf, (reader, marker)
    for marker in hidden:
        assert marker.encode() not in pdf, (reader, marker)


def test_the_pdf_is_watermarked_on_every_page_and_its_metadata_names_nobody(world: PackWorld) -> None:
    user = world.readers["health_sc"]
    pack = selectors.panel_pack_for(viewer=user, meeting=world.meeting)
    pdf = render_pack_pdf(pack, compress=False)
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    assert pages >= 2
    name = user.get_full_name().encode()
    stamp = timezone.localtime(pack.generated_at).strftime("%d %b %Y %H:%M").encode()
    watermark = name + b" - " + stamp
    # Three diagonal copies of the watermark on every page.
    assert pdf.count(b"(" + watermark + b")") == 3 * pages
    info = re.search(rb"/Author \((.*?)\).*?/Title \((.*?)\)", pdf, re.S)
    assert info is not None
    assert info.groups() == (b"Convene", b"Panel pack")
    metadata = re.sub(rb"stream.*?endstream", b"", pdf, flags=re.S)
    for personal in (name, user.last_name.encode(), b"Zqopen", world.open_case.reference.encode()):
        assert personal not in metadata


def test_outsiders_get_no_pack(world: PackWorld) -> None:
    for name in ("outsider", "admin", "auditor"):
        client: Client = client_for(world.pw.user(name))
        assert client.get(f"/panels/meetings/{world.meeting.pk}/pack/").status_code == 404
        assert client.get(f"/panels/meetings/{world.meeting.pk}/pack.pdf").status_code == 404


def test_reading_the_pack_is_recorded_as_a_disclosure(world: PackWorld) -> None:
    from core.models import AuditEvent, AuditVerb

    user = world.readers["police_bl"]
    client_for(user).get(f"/panels/meetings/{world.meeting.pk}/pack.pdf")
    event = AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=user.pk).latest("seq")
    assert event.details == {"panel_pack": [world.open_case.pk], "withheld": 1, "actions": []}
    assert event.object_id == str(world.meeting.pk)


_ = dt
