"""Panels API: panels, meetings, agendas, decisions, actions, support plans and consent.

Like the referrals API: unknown ids, other panels' meetings and cases the caller may not
read answer 404; a member who may read but not act gets 403; bad input is a 400 with
field messages; a change not allowed from the current state is a 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case, CaseStatus
from panels import services
from panels.models import Action, ActionStatus, AgendaItem, Discussion
from partnership.models import User
from tests.partnership.api_helpers import token_headers
from tests.world import PanelSitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    return PanelSitting()


@pytest.fixture
def cases(pw: PanelSitting) -> dict[str, Case]:
    open_case = pw.case(given_name="Opencase", family_name="Everyone", date_of_birth=dt.date(2010, 1, 1))
    secret = pw.case(classification=2, given_name="Secretcase", family_name="Security")
    pw.build()
    return {"open": open_case, "secret": secret}


class Api:
    def __init__(self, client: Client, user: User) -> None:
        self.client = client
        self.headers = token_headers(user)

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/{path}", **self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers)


@pytest.fixture
def api(client: Client, pw: PanelSitting) -> Any:
    return lambda name: Api(client, pw.user(name))


def future(days: int = 42) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_panels_lists_only_the_callers_panels(pw: PanelSitting, api: Any) -> None:
    body = api("chair").get("panels/").json()
    assert [p["id"] for p in body] == [pw.panel.pk]
    panel = body[0]
    assert panel["name"] == pw.panel.name
    assert panel["chair"]["username"] == pw.chair.username
    assert panel["cadence_weeks"] == 6
    assert {a["name"] for a in panel["member_agencies"]} == {"Police", "Council", "School", "Health"}
    assert [p["id"] for p in api("member").get("panels/").json()] == [pw.panel.pk]
    for reader in ("outsider", "admin", "auditor"):
        response = api(reader).get("panels/")
        assert response.status_code == 200
        assert response.json() == []
    assert Client().get("/api/v1/panels/").status_code in (401, 403)


def test_meetings_and_meeting_detail(pw: PanelSitting, api: Any) -> None:
    meetings = api("member").get(f"panels/{pw.panel.pk}/meetings/").json()
    assert [m["id"] for m in meetings] == [pw.meeting.pk]
    assert meetings[0]["status"] == "scheduled"
    detail = api("member").get(f"meetings/{pw.meeting.pk}/").json()
    assert detail["meeting"]["id"] == pw.meeting.pk
    assert detail["quorum"]["met"] is False
    assert {row["agency"]["name"] for row in detail["attendance"]} == {"Police", "Council", "School", "Health"}
    for reader in ("outsider", "admin", "auditor"):
        assert api(reader).get(f"panels/{pw.panel.pk}/meetings/").status_code == 404
        assert api(reader).get(f"meetings/{pw.meeting.pk}/").json() == {"detail": "Not found."}
    assert api("chair").get("panels/999999/meetings/").status_code == 404
    assert api("chair").get("meetings/999999/").status_code == 404


def test_agenda_shows_what_the_caller_may_read_and_counts_the_rest(
    pw: PanelSitting, cases: dict[str, Case], api: Any
) -> None:
    member = api("member").get(f"meetings/{pw.meeting.pk}/agenda/").json()
    assert member["withheld"] == 0
    assert [i["case"]["reference"] for i in member["items"]] == [cases["open"].reference, cases["secret"].reference]
    first = member["items"][0]
    assert first["kind"] == "new_case"
    assert first["position"] == 1
    assert first["deferred"] is False
    assert first["outstanding_requests"] == 0
    assert first["decision"] is None
    junior = api("junior").get(f"meetings/{pw.meeting.pk}/agenda/").json()
    assert [i["case"]["id"] for i in junior["items"]] == [cases["open"].pk]
    assert junior["withheld"] == 1
    assert "Secretcase" not in str(junior)
    for reader in ("outsider", "admin", "auditor"):
        assert api(reader).get(f"meetings/{pw.meeting.pk}/agenda/").status_code == 404


def test_build_agenda(pw: PanelSitting, api: Any) -> None:
    case = pw.case()
    assert api("member").post(f"meetings/{pw.meeting.pk}/agenda/build/").status_code == 403
    assert api("outsider").post(f"meetings/{pw.meeting.pk}/agenda/build/").status_code == 404
    assert api("admin").post(f"meetings/{pw.meeting.pk}/agenda/build/").status_code == 404
    response = api("chair").post(f"meetings/{pw.meeting.pk}/agenda/build/")
    assert response.status_code == 200
    assert [i["case"]["id"] for i in response.json()["items"]] == [case.pk]


def test_decisions(pw: PanelSitting, cases: dict[str, Case], api: Any) -> None:
    item = AgendaItem.objects.get(meeting=pw.meeting, case=cases["open"])
    secret_item = AgendaItem.objects.get(meeting=pw.meeting, case=cases["secret"])
    path = f"agenda-items/{item.pk}/decision/"
    adopt = {"decision": "adopt", "notes": "Agreed", "next_review_date": future()}
    response = api("chair").post(path, adopt)
    assert response.status_code == 409
    assert response.json() == {"detail": "Start the meeting before recording decisions."}
    pw.start()
    pw.quorate()
    response = api("chair").post(path, {"decision": "maybe"})
    assert response.status_code == 400
    assert "decision" in response.json()
    response = api("chair").post(path, {"decision": "adopt"})
    assert response.status_code == 400
    assert response.json() == {"next_review_date": ["Give the date of the next review"]}
    response = api("chair").post(path, {"decision": "not_adopt", "next_review_date": "2000-01-01"})
    assert response.status_code == 400
    assert set(response.json()) == {"signposted_to", "next_review_date"}
    assert api("member").post(path, adopt).status_code == 403
    assert api("outsider").post(path, adopt).status_code == 404
    assert api("admin").post(path, adopt).status_code == 404
    assert api("junior").post(f"agenda-items/{secret_item.pk}/decision/", adopt).status_code == 404
    assert api("chair").post("agenda-items/999999/decision/", adopt).status_code == 404
    response = api("chair").post(path, {**adopt, "dissent": "Police disagreed"})
    assert response.status_code == 201
    assert response.json()["decision"] == "adopt"
    assert response.json()["dissent"] == "Police disagreed"
    assert Case.objects.get(pk=cases["open"].pk).status == CaseStatus.ADOPTED
    assert api("chair").post(path, adopt).status_code == 409
    agenda = api("member").get(f"meetings/{pw.meeting.pk}/agenda/").json()
    assert agenda["items"][0]["decision"]["next_review_date"] == future()
    # A decision above a reader's clearance is withheld from them.
    response = api("chair").post(
        f"agenda-items/{secret_item.pk}/decision/",
        {"decision": "not_adopt", "signposted_to": "Early help", "classification": 2},
    )
    assert response.status_code == 201
    assert Discussion.objects.count() == 2


def test_actions(pw: PanelSitting, cases: dict[str, Case], api: Any) -> None:
    case = cases["open"]
    path = f"cases/{case.pk}/actions/"
    action = {"description": "Call the family", "owner_agency": pw.health.pk, "due_date": future(7)}
    response = api("member").post(path, {"description": "", "owner_agency": 999999, "due_date": "2000-01-01"})
    assert response.status_code == 400
    assert "description" in response.json()
    response = api("member").post(path, {**action, "owner_agency": 999999, "due_date": "2000-01-01"})
    assert response.status_code == 400
    assert set(response.json()) == {"owner_agency", "due_date"}
    response = api("member").post(path, {**action, "owner": pw.chair.username})
    assert response.status_code == 400
    assert response.json() == {"owner": ["The owner must belong to the owning agency"]}
    response = api("member").post(path, {**action, "owner": "nobody-here"})
    assert response.status_code == 400
    assert "owner" in response.json()
    response = api("member").post(path, {**action, "owner": pw.member.username, "meeting": pw.meeting.pk})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["owner_agency"]["id"] == pw.health.pk
    assert created["owner"]["username"] == pw.member.username
    assert created["meeting"] == pw.meeting.pk
    assert [a["id"] for a in api("chair").get(path).json()] == [created["id"]]
    for reader in ("outsider", "admin", "auditor"):
        assert api(reader).get(path).status_code == 404
        assert api(reader).post(path, action).status_code == 404
    secret_path = f"cases/{cases['secret'].pk}/actions/"
    assert api("junior").get(secret_path).status_code == 404
    assert api("member").get(secret_path).status_code == 200

    complete = f"actions/{created['id']}/complete/"
    assert api("outsider").post(complete).status_code == 404
    assert api("police_member").post(complete).status_code == 403
    response = api("member").post(complete)
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert Action.objects.get().status == ActionStatus.DONE
    assert api("member").post(complete).status_code == 409
    assert api("member").post("actions/999999/complete/").status_code == 404


def test_support_plan_and_consent(pw: PanelSitting, cases: dict[str, Case], api: Any) -> None:
    case = cases["open"]
    plan = api("member").get(f"cases/{case.pk}/support-plan/").json()
    assert plan == {
        "case": case.pk,
        "status": None,
        "objectives": "",
        "activated_at": None,
        "ended_at": None,
        "consent": "not_sought",
        "interventions": [],
    }
    path = f"cases/{case.pk}/consent/"
    given = {"purpose": "channel_support", "status": "given", "given_by": "parent_guardian", "method": "written"}
    response = api("chair").post(path, {**given, "given_by": "person"})
    assert response.status_code == 400
    assert response.json() == {"given_by": ["For under-18s, consent comes from a parent or guardian"]}
    response = api("chair").post(path, {"purpose": "nonsense", "status": "given"})
    assert response.status_code == 400
    assert "purpose" in response.json()
    assert api("member").post(path, given).status_code == 403
    for reader in ("outsider", "admin", "auditor"):
        assert api(reader).post(path, given).status_code == 404
        assert api(reader).get(path).status_code == 404
        assert api(reader).get(f"cases/{case.pk}/support-plan/").status_code == 404
    response = api("chair").post(path, given)
    assert response.status_code == 201
    assert response.json()["status"] == "given"
    assert [c["status"] for c in api("member").get(path).json()] == ["given"]

    pw.start()
    pw.quorate()
    item = AgendaItem.objects.get(meeting=pw.meeting, case=case)
    services.record_decision(
        actor=pw.chair, item_id=item.pk, decision="adopt", next_review_date=timezone.localdate() + dt.timedelta(days=30)
    )
    services.activate_support_plan(actor=pw.chair, case_id=case.pk, objectives="Mentoring")
    services.add_intervention(actor=pw.chair, case_id=case.pk, provider_id=pw.health.pk, kind="health")
    plan = api("member").get(f"cases/{case.pk}/support-plan/").json()
    assert plan["status"] == "active"
    assert plan["consent"] == "given"
    assert [i["kind"] for i in plan["interventions"]] == ["health"]
    assert api("junior").get(f"cases/{cases['secret'].pk}/support-plan/").status_code == 404


def test_errors_are_json(pw: PanelSitting, api: Any) -> None:
    response = api("chair").client.post(
        f"/api/v1/cases/{pw.case().pk}/consent/",
        data="{not json",
        content_type="application/json",
        **api("chair").headers,
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_the_schema_documents_the_panels_api(client: Client) -> None:
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/v1/panels/",
        "/api/v1/panels/{panel_id}/meetings/",
        "/api/v1/meetings/{meeting_id}/",
        "/api/v1/meetings/{meeting_id}/agenda/",
        "/api/v1/meetings/{meeting_id}/agenda/build/",
        "/api/v1/agenda-items/{item_id}/decision/",
        "/api/v1/cases/{case_id}/actions/",
        "/api/v1/actions/{action_id}/complete/",
        "/api/v1/cases/{case_id}/support-plan/",
        "/api/v1/cases/{case_id}/consent/",
    ):
        assert path in paths, path
