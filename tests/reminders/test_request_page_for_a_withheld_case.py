"""The SPOC who must see to an information request can open the request itself at their clearance:
what is asked and by when, and nothing of a case withheld from them (DESIGN.md rules 6, 7 and 12).
Everyone else the request is not for still gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cases.models import Case, InformationRequest, RequestStatus
from core.models import AuditEvent, AuditVerb
from partnership.models import Role, User
from tests.conftest import sign_in_verified
from tests.partnership.factories import UserFactory, clearance
from tests.reminders.helpers import T0, travel
from tests.world import new_user

pytestmark = pytest.mark.django_db

QUESTION = "Is the family known to your service?"


@pytest.fixture
def dv_request(world) -> InformationRequest:
    """A Developed Vetting case, with an information request to Health (whose SPOC holds Security Check)."""
    with travel(T0):
        dv_teacher = new_user(world.school, 3, Role.PRACTITIONER)
        User.objects.filter(pk=world.chair.pk).update(clearance=clearance(3))
        world.chair.refresh_from_db()
        case = world.case(author=dv_teacher, classification=3, family_name="Withheldperson")
        [request] = world.ask(case, question=QUESTION, due_date=dt.date(2027, 1, 12))
    return request


def _page(user: User, request: InformationRequest):
    return sign_in_verified(Client(), user).get(f"/referrals/requests/{request.pk}/")


def test_the_requested_agencys_spoc_sees_the_question_and_due_date_and_nothing_of_the_case(world, dv_request):
    response = _page(world.health_spoc, dv_request)
    assert response.status_code == 200
    page = response.content.decode()
    assert QUESTION in page
    assert "12 January 2027" in page
    case = Case.objects.select_related("referral__subject").get(pk=dv_request.case_id)
    for withheld in (case.reference, case.referral.reference, "Withheldperson", case.referral.subject.given_name):
        assert withheld not in page
    assert f"/referrals/cases/{case.pk}/" not in page  # no link to the case or its chronology
    assert 'name="assign-assignee"' not in page  # the services would refuse: not offered
    assert 'name="contribution-text"' not in page
    assert "withheld from you" in page
    # The read is in the audit trail, like every read (rule 10).
    assert AuditEvent.objects.filter(
        actor_id=world.health_spoc.pk,
        verb=AuditVerb.RECORD_VIEWED,
        object_type="cases.informationrequest",
        object_id=str(dv_request.pk),
    ).exists()


def test_nobody_else_who_may_not_read_the_case_finds_the_request(world, dv_request):
    health_admin = UserFactory(agency=world.health, clearance=clearance(3), roles=[Role.PARTNERSHIP_ADMIN])
    for who in (world.health_baseline, world.health_rep, world.council_spoc, health_admin, world.auditor):
        assert _page(who, dv_request).status_code == 404, who.username


def test_the_spoc_cannot_assign_or_answer_a_request_on_a_case_withheld_from_them(world, dv_request):
    client = sign_in_verified(Client(), world.health_spoc)
    base = f"/referrals/requests/{dv_request.pk}"
    assert client.post(f"{base}/assign/", {"assign-assignee": world.health_baseline.pk}).status_code == 404
    answer = {"contribution-text": "We know them well", "contribution-classification": "1"}
    assert client.post(f"{base}/contribution/", answer).status_code == 404
    request = InformationRequest.objects.get(pk=dv_request.pk)
    assert (request.status, request.assigned_to_id) == (RequestStatus.OPEN, None)


def test_on_a_case_they_may_read_the_spoc_still_sees_it_all(world):
    with travel(T0):
        case = world.case()
        [request] = world.ask(case, question=QUESTION, due_date=dt.date(2027, 1, 12))
    page = _page(world.health_spoc, request).content.decode()
    assert case.reference in page
    assert 'name="assign-assignee"' in page
    assert "withheld from you" not in page
