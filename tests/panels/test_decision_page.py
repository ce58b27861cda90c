"""The item page informs the decision within the reader's sharing rules, the pack carries every
visible contribution (significant ones emphasised, never the only ones), and only the case owner
and the case's panel chair mark significance."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cases import services as case_services
from core.errors import NotFound, PermissionDenied
from panels import selectors, services
from panels.models import AssessmentFactor, ConsentGiver, ConsentMethod, ConsentPurpose, ConsentStatus
from partnership.models import Role
from referrals.models import ChronologyEntry
from tests.world import PanelSitting, client_for, new_agency

pytestmark = pytest.mark.django_db

BODY = "Known to CAMHS since 2024; detailed history of self-harm."
SUMMARY = "Health holds relevant information; ask the health representative."
PLAIN = "Attends the GP surgery regularly."


def _ratings(level: int) -> dict[int, tuple[int, str]]:
    return {f.pk: (level, "evidence") for f in AssessmentFactor.objects.filter(is_active=True)}


@pytest.fixture
def dw(db: Any) -> PanelSitting:
    world = PanelSitting()
    world.people(owner=(world.council, 2, Role.PRACTITIONER), colleague=(world.council, 2, Role.PRACTITIONER))
    world.case_ = world.case(concerns="Sharing extremist material with classmates.", owner=world.owner)
    first, second = world.ask(world.case_)[0], None
    world.secret = world.answer(first, BODY, classification=2, releasable_summary=SUMMARY)
    second = world.ask(world.case_)[0]
    world.plain = world.answer(second, PLAIN)
    case_services.mark_significant(actor=world.owner, entry_id=world.secret.pk, significant=True)
    services.record_assessment(actor=world.chair, case_id=world.case_.pk, ratings=_ratings(1), conclusion="Low risk")
    services.record_assessment(actor=world.chair, case_id=world.case_.pk, ratings=_ratings(2), conclusion="Risk rising")
    services.record_consent(
        actor=world.chair,
        case_id=world.case_.pk,
        purpose=ConsentPurpose.CHANNEL_SUPPORT,
        status=ConsentStatus.GIVEN,
        given_by=ConsentGiver.PARENT_GUARDIAN,
        given_by_name="Parent",
        method=ConsentMethod.WRITTEN,
    )
    world.build()
    return world


def _item_page(dw: PanelSitting, reader: Any) -> str:
    response = client_for(reader).get(f"/panels/meetings/{dw.meeting.pk}/items/{dw.item(dw.case_).pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_item_page_sets_out_the_concerns_contributions_assessment_consent_and_plan(dw: PanelSitting) -> None:
    page = _item_page(dw, dw.member)  # health, Security Check: reads both contributions in full
    assert "Sharing extremist material with classmates." in page
    assert BODY in page
    assert PLAIN in page
    assert "Significant" in page
    assert "Risk rising" in page  # the latest version
    assert "What changed since version 1" in page
    assert "Given" in page  # consent
    assert "No support plan yet" in page


def test_a_contribution_above_the_readers_clearance_shows_its_summary_only(dw: PanelSitting) -> None:
    page = _item_page(dw, dw.junior)  # health, Baseline
    assert SUMMARY in page
    assert BODY not in page
    assert PLAIN in page
    assert "(releasable summary" in page


def test_the_pack_carries_every_visible_contribution_and_emphasises_the_significant(dw: PanelSitting) -> None:
    pack = selectors.panel_pack_for(viewer=dw.member, meeting=dw.meeting)
    [entry] = pack.cases
    shown = {i.entry.pk: i.entry.significant for i in entry.chronology.items}
    assert shown[dw.plain.pk] is False  # not significant, still in the pack
    assert shown[dw.secret.pk] is True
    html = client_for(dw.member).get(f"/panels/meetings/{dw.meeting.pk}/pack/").content.decode()
    assert PLAIN in html
    assert BODY in html
    items = re.findall(r"<li>(.*?)</li>", html, flags=re.S)
    [plain] = [i for i in items if PLAIN in i]
    [secret] = [i for i in items if BODY in i]
    assert ">Significant<" not in plain
    assert ">Significant<" in secret
    junior = selectors.panel_pack_for(viewer=dw.junior, meeting=dw.meeting)
    [seen] = [i for i in junior.cases[0].chronology.items if i.entry.pk == dw.secret.pk]
    assert not seen.full
    assert seen.text == SUMMARY


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("owner", True),
        ("chair", True),
        ("colleague", False),  # the owner's own agency, reads the case: not theirs to mark
        ("member", False),  # another agency on the panel, reads the entry in full
        ("admin", False),
    ],
)
def test_only_the_case_owner_and_the_chair_mark_significance(dw: PanelSitting, who: str, allowed: bool) -> None:
    person = dw.user(who)
    entry = dw.plain
    if allowed:
        case_services.mark_significant(actor=person, entry_id=entry.pk, significant=True)
        assert ChronologyEntry.objects.get(pk=entry.pk).significant
        return
    refused = NotFound if who == "admin" else PermissionDenied
    with pytest.raises(refused):
        case_services.mark_significant(actor=person, entry_id=entry.pk, significant=True)
    assert not ChronologyEntry.objects.get(pk=entry.pk).significant


def test_the_chair_of_another_panel_marks_nothing(dw: PanelSitting) -> None:
    elsewhere = new_agency("Elsewhere Council")
    dw.people(other_chair=(elsewhere, 3, Role.PANEL_CHAIR, Role.PRACTITIONER))
    with pytest.raises(NotFound):  # their agency reads nothing of the case
        case_services.mark_significant(actor=dw.other_chair, entry_id=dw.plain.pk, significant=True)
