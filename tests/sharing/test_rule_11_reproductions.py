"""The holes DESIGN.md rule 11 closes, each as it was reproduced (each of these failed before).

* Any holder of the panel chair role moved cases of panels they do not chair, and closed their requests.
* The screening decision API opened a case owned by someone outside the local authority (the rule
  lived only in the page's list of owners).
* A break-glass reader added case notes and marked chronology entries significant.
* A read of a case's chronology through break-glass was not flagged in the audit trail.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cases import services as case_services
from cases.models import Case, CaseStatus, InformationRequest, RequestStatus
from core.errors import PermissionDenied
from core.models import AuditEvent, AuditVerb
from partnership.models import AgencyKind, Panel, Role
from referrals.models import ChronologyEntry, Referral, ReferralStatus
from sharing import services as sharing_services
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory
from tests.sharing import worlds
from tests.world import Partnership, new_agency, new_panel, new_user

pytestmark = pytest.mark.django_db

REASON = "Called by A&E about an immediate risk tonight"
READ_ONLY = re.escape("Break-glass gives reading only.")


@pytest.fixture
def world() -> Partnership:
    return Partnership()


def _chair_of_another_panel(world: Partnership) -> object:
    """A chair in the police (who read every referral they screen) of a panel the case is not on."""
    chair = new_user(world.police, 3, Role.PANEL_CHAIR)
    new_panel(chair, "Another panel")
    return chair


def test_a_chair_of_another_panel_cannot_move_the_case_or_run_its_requests(world: Partnership, client: Client) -> None:
    case = world.case()
    [request] = case_services.request_information(
        actor=world.chair, case_id=case.pk, agency_ids=[world.health.pk], question="Known?"
    )
    other = _chair_of_another_panel(world)
    assert client.get(f"/api/v1/cases/{case.pk}/", **token_headers(other)).status_code == 200  # they may read it
    with pytest.raises(PermissionDenied):
        case_services.transition_case(actor=other, case_id=case.pk, to_status="discussed", reason="Not my panel")
    for refused in (case_services.chase_request, case_services.close_request):
        with pytest.raises(PermissionDenied):
            refused(actor=other, request_id=request.pk)
    with pytest.raises(PermissionDenied):
        case_services.request_information(actor=other, case_id=case.pk, agency_ids=[world.school.pk], question="Q")
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"status": "discussed", "reason": "Not my panel"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"{case.version}"',
        **token_headers(other),
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INFORMATION_GATHERING
    assert InformationRequest.objects.get(pk=request.pk).status == RequestStatus.OPEN
    # The chair of this case's panel still may.
    case_services.transition_case(actor=world.chair, case_id=case.pk, to_status="discussed", reason="At panel")


def test_a_deputy_chair_of_the_cases_panel_may_move_it(world: Partnership) -> None:
    case = world.case()
    deputy = new_user(world.council, 2, Role.PANEL_CHAIR)
    Panel.objects.filter(pk=world.panel.pk).update(deputy_chair=deputy)
    moved = case_services.transition_case(actor=deputy, case_id=case.pk, to_status="discussed", reason="At panel")
    assert moved.status == CaseStatus.DISCUSSED


@pytest.mark.parametrize(
    "owner",
    [
        lambda w: w.teacher,  # a practitioner, but at a school
        lambda w: UserFactory(agency=w.health, roles=[Role.PANEL_CHAIR]),  # a chair, but in health
        lambda w: UserFactory(agency=w.council, roles=[Role.SPOC]),  # the council, but not a practitioner or chair
        lambda w: UserFactory(agency=w.council, roles=[Role.PRACTITIONER], is_active=False),
    ],
    ids=["school practitioner", "health chair", "council SPOC", "inactive council practitioner"],
)
def test_the_api_cannot_name_a_case_owner_outside_the_local_authority(
    world: Partnership, client: Client, owner
) -> None:
    referral = world.referral()
    version = Referral.objects.get(pk=referral.pk).version
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/screening-decision/",
        {
            "decision": "refer_to_panel",
            "rationale": "Meets the threshold",
            "panel": world.panel.pk,
            "case_owner": owner(world).username,
        },
        content_type="application/json",
        HTTP_IF_MATCH=f'"{version}"',
        **token_headers(world.officer),
    )
    assert response.status_code == 400, response.content
    assert "case_owner" in response.json()
    assert not Case.objects.filter(pk=referral.pk).exists()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED


def test_an_adult_services_practitioner_may_own_a_case(world: Partnership) -> None:
    owner = new_user(new_agency(kind=AgencyKind.ADULT_SERVICES), 1, Role.PRACTITIONER)
    case = world.screen(world.referral(), owner=owner, rationale="Meets the threshold")
    assert Case.objects.get(pk=case.pk).owner == owner


def _break_glass_reader(world: Partnership, case: Case) -> object:
    reader = new_user(new_agency(), 3, Role.PRACTITIONER)
    sharing_services.open_break_glass(actor=reader, record=Referral.objects.get(pk=case.pk), reason=REASON)
    return reader


def test_a_break_glass_reader_cannot_add_a_case_note_or_mark_significance(world: Partnership, client: Client) -> None:
    case = world.case()
    note = case_services.add_case_note(actor=world.chair, referral_id=case.pk, text="Chair's note", classification=1)
    reader = _break_glass_reader(world, case)
    assert client.get(f"/api/v1/cases/{case.pk}/", **token_headers(reader)).status_code == 200
    with pytest.raises(PermissionDenied, match=READ_ONLY):
        case_services.add_case_note(actor=reader, referral_id=case.pk, text="Mine", classification=1)
    with pytest.raises(PermissionDenied, match=READ_ONLY):
        case_services.mark_significant(actor=reader, entry_id=note.pk, significant=True)
    worlds.verified_session(client, reader)
    assert (
        client.post(f"/referrals/cases/{case.pk}/notes/", {"note-text": "Mine", "note-classification": "1"}).status_code
        == 403
    )
    assert (
        client.post(f"/referrals/chronology/entries/{note.pk}/significant/", {"significant": "yes"}).status_code == 403
    )
    assert not ChronologyEntry.objects.filter(created_by=reader).exists()
    assert not ChronologyEntry.objects.get(pk=note.pk).significant


def test_a_case_chronology_read_through_break_glass_is_flagged(world: Partnership, client: Client) -> None:
    case = world.case()
    reader = _break_glass_reader(world, case)
    assert client.get(f"/api/v1/cases/{case.pk}/chronology/", **token_headers(reader)).status_code == 200
    worlds.verified_session(client, reader)
    assert client.get(f"/referrals/cases/{case.pk}/chronology/").status_code == 200
    reads = AuditEvent.objects.filter(actor_id=reader.pk, verb=AuditVerb.RECORD_VIEWED, object_id=str(case.pk))
    assert reads.count() == 2
    assert set(reads.values_list("break_glass", flat=True)) == {True}
    # The chair's own read, through the council's grant, is not flagged.
    assert client.get(f"/api/v1/cases/{case.pk}/chronology/", **token_headers(world.chair)).status_code == 200
    assert not AuditEvent.objects.get(actor_id=world.chair.pk, verb=AuditVerb.RECORD_VIEWED).break_glass
