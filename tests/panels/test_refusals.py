"""Reproductions: powers that came from agency membership or from holding a role anywhere.

Before panel capabilities were decided in ``panels.permissions``, anyone of a member agency counted
as a panel member: Baseline practitioners with no panel role (like the demo's police.bl, council.bl
and health.bl) added addenda to signed minutes, recorded vulnerability assessments, created case
actions through the API and declared interests; and "the chair" meant anyone holding the role.
DESIGN.md rule 11: panel powers need a panel role on THIS panel, and break-glass gives reading only.
Each refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from core.errors import PermissionDenied
from panels import services
from panels.models import Action, Addendum, Assessment, AssessmentFactor, Declaration, Discussion
from partnership.models import AgencyKind, PanelMembership, Role, User
from sharing import services as sharing_services
from tests.world import Api, PanelSitting, chair_of_another_panel, client_for, new_agency, new_user

pytestmark = pytest.mark.django_db


class RefusalWorld(PanelSitting):
    def __init__(self) -> None:
        super().__init__()
        w = self
        # Baseline practitioners of member agencies, with no panel role.
        self.health_bl = w.health_baseline
        self.people(police_bl=(w.police, 1, Role.PRACTITIONER), council_bl=(w.council, 1, Role.PRACTITIONER))
        self.other_chair = chair_of_another_panel(w.health)
        self.open_case = self.case(given_name="Zqopen")
        self.build()

    @property
    def practitioners(self) -> list[User]:
        return [self.health_bl, self.police_bl, self.council_bl]


@pytest.fixture
def rw(db: Any) -> RefusalWorld:
    return RefusalWorld()


def _ratings() -> dict[int, tuple[int, str]]:
    return {f.pk: (1, "evidence") for f in AssessmentFactor.objects.filter(is_active=True)}


def _ratings_post() -> dict[str, str]:
    data = {"conclusion": "Low", "classification": "1"}
    for factor in AssessmentFactor.objects.filter(is_active=True):
        data[f"rating_{factor.pk}"] = "1"
        data[f"evidence_{factor.pk}"] = "evidence"
    return data


def test_a_baseline_practitioner_cannot_add_an_addendum_to_signed_minutes(rw: RefusalWorld) -> None:
    services.defer_item(actor=rw.chair, item_id=rw.item(rw.open_case).pk, reason="Awaiting records")
    rw.start()
    rw.quorate()
    services.sign_minutes(actor=rw.chair, meeting_id=rw.meeting.pk)
    url = f"/panels/meetings/{rw.meeting.pk}/addenda/"
    for practitioner in rw.practitioners:
        with pytest.raises(PermissionDenied):
            services.add_addendum(actor=practitioner, meeting_id=rw.meeting.pk, text="Correction")
        client = client_for(practitioner)
        assert client.post(url, {"addendum-text": "Correction"}).status_code == 403
        assert "Add addendum" not in client.get(f"/panels/meetings/{rw.meeting.pk}/").content.decode()
    assert not Addendum.objects.exists()
    # A panel member may.
    assert "Add addendum" in client_for(rw.member).get(f"/panels/meetings/{rw.meeting.pk}/").content.decode()
    services.add_addendum(actor=rw.member, meeting_id=rw.meeting.pk, text="Health attended late")
    assert Addendum.objects.get().author == rw.member


def test_a_baseline_practitioner_cannot_assess_add_actions_or_declare_interests(rw: RefusalWorld) -> None:
    case = rw.open_case
    action = {
        "description": "Call the family",
        "owner_agency": rw.health.pk,
        "due_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
    }
    for practitioner in rw.practitioners:
        with pytest.raises(PermissionDenied):
            services.record_assessment(actor=practitioner, case_id=case.pk, ratings=_ratings(), conclusion="Low")
        client = client_for(practitioner)
        assert client.get(f"/panels/cases/{case.pk}/").status_code == 200  # they read the case
        assert client.get(f"/panels/cases/{case.pk}/assessment/").status_code == 403
        assert client.post(f"/panels/cases/{case.pk}/assessment/", _ratings_post()).status_code == 403
        response = Api(practitioner).post(f"cases/{case.pk}/actions/", action)
        assert response.status_code == 403, response.content
        assert (
            client.post(f"/panels/meetings/{rw.meeting.pk}/declarations/", {"declaration-text": "x"}).status_code == 403
        )
        with pytest.raises(PermissionDenied):
            services.declare_interest(actor=practitioner, meeting_id=rw.meeting.pk, text="My neighbour")
        page = client.get(f"/panels/cases/{case.pk}/").content.decode()
        assert "Record a new assessment" not in page
        assert "Add an action" not in page
    assert not Assessment.objects.exists()
    assert not Action.objects.exists()
    assert not Declaration.objects.exists()
    # A panel member may do each.
    assert Api(rw.member).post(f"cases/{case.pk}/actions/", action).status_code == 201
    services.record_assessment(actor=rw.member, case_id=case.pk, ratings=_ratings(), conclusion="Low")
    services.declare_interest(actor=rw.member, meeting_id=rw.meeting.pk, text="I know the family")


def test_another_panels_chair_cannot_run_this_panel_or_decide_its_cases(rw: RefusalWorld) -> None:
    item = rw.item(rw.open_case)
    rw.start()
    rw.quorate()
    other = rw.other_chair
    decision = {"decision": "adopt", "next_review_date": (timezone.localdate() + dt.timedelta(days=42)).isoformat()}
    with pytest.raises(PermissionDenied):
        services.record_decision(
            actor=other,
            item_id=item.pk,
            decision="adopt",
            next_review_date=timezone.localdate() + dt.timedelta(days=42),
        )
    assert Api(other).post(f"agenda-items/{item.pk}/decision/", decision).status_code == 403
    client = client_for(other)
    response = client.post(
        f"/panels/meetings/{rw.meeting.pk}/items/{item.pk}/decision/",
        {"decision-decision": "adopt", "decision-classification": "1"},
    )
    assert response.status_code == 403
    for url in (f"/panels/meetings/{rw.meeting.pk}/sign/", f"/panels/meetings/{rw.meeting.pk}/cancel/"):
        assert client.post(url, {"confirm": "on", "reason": "x"}).status_code == 403
    assert "Record decision" not in client.get(f"/panels/meetings/{rw.meeting.pk}/items/{item.pk}/").content.decode()
    assert not Discussion.objects.exists()
    # This panel's chair may.
    assert Api(rw.chair).post(f"agenda-items/{item.pk}/decision/", decision).status_code == 201


def test_break_glass_reads_a_case_but_acts_on_nothing(rw: RefusalWorld) -> None:
    # Fire joins the panel after the agenda was built: its panel member reads the case only by break-glass.
    fire = new_agency("Fire", AgencyKind.FIRE_AND_RESCUE)
    PanelMembership.objects.create(panel=rw.panel, agency=fire)
    fire_member = new_user(fire, 2, Role.PANEL_MEMBER)
    case = rw.open_case
    sharing_services.open_break_glass(
        actor=fire_member, record=case.referral, reason="Urgent fire-safety concern at the person's home"
    )
    client = client_for(fire_member)
    assert client.get(f"/panels/cases/{case.pk}/").status_code == 200
    action = {
        "description": "Home fire-safety visit",
        "owner_agency": fire.pk,
        "due_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
    }
    response = Api(fire_member).post(f"cases/{case.pk}/actions/", action)
    assert response.status_code == 403
    assert "reak-glass" in response.json()["detail"]
    assert client.post(f"/panels/cases/{case.pk}/assessment/", _ratings_post()).status_code == 403
    with pytest.raises(PermissionDenied, match="reak-glass"):
        services.add_intervention(actor=fire_member, case_id=case.pk, provider_id=fire.pk, kind="other")
    assert not Action.objects.exists()
    assert not Assessment.objects.exists()
