"""Random chronologies: what ``chronology_for`` shows agrees with ``policy.can`` and with the rules.

Each example builds a case through the services (a school refers, police screen
it to the panel, a council chair owns it and asks some of health and housing
for information; probation never has access), then writes random entries by
random agencies (classification 1-3, sometimes originator-only, sometimes with
a releasable summary), and draws random readers (agency, clearance, roles).
For every reader who can open the case, the chronology must:

* show in full only entries ``policy.can(reader, VIEW, entry)`` allows and
  ``policy.reads_in_full`` confirms, and show every entry ``can`` allows;
* show as a summary only entries with a releasable summary, above the reader's
  clearance, and never originator-only entries of another agency;
* never carry the full text of an entry it does not show in full;
* count in ``withheld`` exactly the hidden above-clearance entries without a
  summary that are not originator-only entries of another agency.

The expected answers come from ``tests.sharing.rules`` and the ``expected``
oracle below, never from ``sharing.policy``. Each example is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case
from core.errors import NotFound
from partnership.models import Role
from referrals import selectors
from referrals import services as referral_services
from referrals.models import ChronologyEntry, EntryType
from sharing import policy
from tests.partnership.factories import UserFactory, clearance
from tests.referrals.factories import submitted_referral
from tests.sharing import rules, worlds
from tests.world import new_panel, new_user, refer_to_panel

pytestmark = pytest.mark.django_db

AGENCIES = ("school", "police", "council", "health", "housing", "probation")
ENTRY_TYPES = (EntryType.CASE_NOTE, EntryType.SCREENING_NOTE, EntryType.DECONFLICTION, EntryType.CONTRIBUTION)
ALL_ROLES = [str(role) for role in Role]


@dataclass(frozen=True)
class EntrySpec:
    agency: str
    entry_type: str
    classification: int
    originator_only: bool
    summary: bool


@dataclass(frozen=True)
class ReaderSpec:
    agency: str
    rank: int
    roles: frozenset[str]


entry_specs = st.builds(
    EntrySpec,
    agency=st.sampled_from(AGENCIES),
    entry_type=st.sampled_from(ENTRY_TYPES),
    classification=st.integers(1, 3),
    originator_only=st.booleans(),
    summary=st.booleans(),
)
reader_specs = st.builds(
    ReaderSpec,
    agency=st.sampled_from(AGENCIES),
    rank=st.integers(1, 3),
    roles=st.frozensets(st.sampled_from(ALL_ROLES), min_size=0, max_size=2),
)


def expected(person: rules.Person, entry: ChronologyEntry) -> str:
    """For a reader who can open the case: 'absent', 'withheld', 'summary' or 'full'.

    Stated from DESIGN.md rules 4-8 on the facts of the entry, independently of sharing.policy.
    """
    if entry.originator_only and person.agency != entry.owning_agency_id:
        return "absent"
    if person.rank >= entry.classification:
        return "full"
    return "summary" if entry.releasable_summary else "withheld"


def _build_case(requested: frozenset[str]) -> tuple[dict[str, Any], Case, rules.Record, dict[str, Any]]:
    agencies = worlds.chronology_agencies("Hypo", police="Hypo police")
    teacher = new_user(agencies["school"], 1, Role.PRACTITIONER)
    officer = new_user(agencies["police"], 3, Role.SCREENING_OFFICER)
    chair = new_user(agencies["council"], 3, Role.PANEL_CHAIR)
    panel = new_panel(chair, "Hypo panel")
    referral = submitted_referral(teacher, classification=1)
    case = refer_to_panel(referral, officer=officer, panel=panel, owner=chair)
    if requested:
        case_services.request_information(
            actor=chair, case_id=case.pk, agency_ids=[agencies[a].pk for a in sorted(requested)], question="Anything?"
        )
    access = {"school", "police", "council", *requested}
    record = rules.Record(
        pk=referral.pk,
        author=teacher.pk,
        referring_agency=agencies["school"].pk,
        classification=1,
        grants=[rules.Grant(agencies[a].pk) for a in sorted(access)],
    )
    authors = {
        name: UserFactory(agency=agency, clearance=clearance(3), roles=[Role.PRACTITIONER])
        for name, agency in agencies.items()
    }
    return agencies, case, record, authors


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    requested=st.frozensets(st.sampled_from(("health", "housing"))),
    specs=st.lists(entry_specs, min_size=1, max_size=10),
    readers=st.lists(reader_specs, min_size=1, max_size=4),
)
def test_chronology_agrees_with_policy_and_rules(
    db: Any, requested: frozenset[str], specs: list[EntrySpec], readers: list[ReaderSpec]
) -> None:
    with worlds.rolled_back():
        agencies, case, record, authors = _build_case(requested)
        for n, spec in enumerate(specs):
            referral_services.add_entry(
                actor=authors[spec.agency],
                referral=case.referral,
                entry_type=spec.entry_type,
                title=f"Entry {n}",
                body=f"FULLTEXT-{n}-{spec.agency}",
                classification=spec.classification,
                originator_only=spec.originator_only,
                releasable_summary=f"SUMMARY-{n}" if spec.summary else "",
            )
        entries = list(ChronologyEntry.objects.filter(referral=case.referral).order_by("occurred_at", "id"))
        now = timezone.now()

        for spec in readers:
            user = UserFactory(agency=agencies[spec.agency], clearance=clearance(spec.rank), roles=sorted(spec.roles))
            person = rules.Person(pk=user.pk, agency=agencies[spec.agency].pk, rank=spec.rank, roles=spec.roles)
            try:
                opened = case_selectors.access_case(viewer=user, case_id=case.pk, audit=False)
            except NotFound:
                assert not rules.may_read(person, record, now), spec
                continue
            assert rules.may_read(person, record, now), spec

            chronology = selectors.chronology_for(viewer=user, referral=opened.referral, audit=False)
            want = {e.pk: expected(person, e) for e in entries}
            by_pk = {e.pk: e for e in entries}

            shown = [item.entry.pk for item in chronology.items]
            assert shown == [e.pk for e in entries if want[e.pk] in ("full", "summary")], (spec, want)
            for item in chronology.items:
                entry = by_pk[item.entry.pk]
                allowed = policy.can(user, policy.Action.VIEW, entry)
                if item.full:
                    assert want[entry.pk] == "full", (spec, entry.pk)
                    assert allowed, f"entry {entry.pk} shown in full but policy.can denies it"
                    assert policy.reads_in_full(user, entry)
                    assert item.text == entry.body
                else:
                    assert want[entry.pk] == "summary", (spec, entry.pk)
                    assert not policy.reads_in_full(user, entry)
                    assert entry.releasable_summary
                    assert item.text == entry.releasable_summary
                    assert not (entry.originator_only and entry.owning_agency_id != user.agency_id)
                    assert entry.body not in item.text
            full_ids = {item.entry.pk for item in chronology.items if item.full}
            for entry in entries:
                if policy.can(user, policy.Action.VIEW, entry):
                    assert entry.pk in full_ids, f"policy.can allows entry {entry.pk} but it is not shown in full"
            assert chronology.withheld == sum(1 for v in want.values() if v == "withheld"), (spec, want)
