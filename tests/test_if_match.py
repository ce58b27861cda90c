"""Updates of a versioned record through the API name the version they were made against (issue 10 item 6):
without If-Match they are refused with 428 and a JSON ``detail``, with a stale one 412, and concurrency is
never opt-in. Creating a record (a referral, a share, a contribution) needs no If-Match. A caller who may
not see the record still gets 404 first, whatever headers they send."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.models import Case, CaseStatus
from partnership.models import Role
from referrals.models import Referral, ReferralStatus
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory, clearance
from tests.world import Partnership, new_agency

pytestmark = pytest.mark.django_db

SCREEN_TO_NFA = {"decision": "no_further_action", "rationale": "Below the threshold for Channel."}


@pytest.fixture
def world() -> Partnership:
    return Partnership()


def _post(client: Client, url: str, data: dict[str, Any], user: Any, **headers: str) -> Any:
    return client.post(url, data, content_type="application/json", **token_headers(user), **headers)


def _etag(client: Client, url: str, user: Any) -> str:
    response = client.get(url, **token_headers(user))
    assert response.status_code == 200, response.content
    return str(response["ETag"])


# --- Case transitions ----------------------------------------------------------------------------------


def test_a_transition_without_if_match_is_428_and_changes_nothing(client: Client, world: Partnership) -> None:
    case = world.case()
    response = _post(
        client, f"/api/v1/cases/{case.pk}/transitions/", {"status": "discussed", "reason": "Panel"}, world.chair
    )
    assert response.status_code == 428
    assert response["Content-Type"].startswith("application/json")
    assert "If-Match" in response.json()["detail"]
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == (case.status, case.version)


@pytest.mark.parametrize("header", ["", "  ", "*"])
def test_an_empty_or_wildcard_if_match_is_428(client: Client, world: Partnership, header: str) -> None:
    case = world.case()
    url = f"/api/v1/cases/{case.pk}/transitions/"
    response = _post(client, url, {"status": "discussed", "reason": "Panel"}, world.chair, HTTP_IF_MATCH=header)
    assert response.status_code == 428
    assert Case.objects.get(pk=case.pk).version == case.version


def test_an_if_match_that_is_not_a_version_is_400(client: Client, world: Partnership) -> None:
    case = world.case()
    url = f"/api/v1/cases/{case.pk}/transitions/"
    response = _post(client, url, {"status": "discussed", "reason": "Panel"}, world.chair, HTTP_IF_MATCH='"abc"')
    assert response.status_code == 400
    assert "If-Match" in response.json()


def test_a_transition_with_the_current_etag_applies_and_a_stale_one_is_412(client: Client, world: Partnership) -> None:
    case = world.case()
    url = f"/api/v1/cases/{case.pk}/transitions/"
    etag = _etag(client, f"/api/v1/cases/{case.pk}/", world.chair)
    applied = _post(client, url, {"status": "discussed", "reason": "Panel"}, world.chair, HTTP_IF_MATCH=etag)
    assert applied.status_code == 200, applied.content
    assert applied["ETag"] != etag
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DISCUSSED
    stale = _post(client, url, {"status": "adopted", "reason": "Panel"}, world.chair, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "detail" in stale.json()
    weak = _post(
        client, url, {"status": "adopted", "reason": "Panel"}, world.chair, HTTP_IF_MATCH=f"W/{applied['ETag']}"
    )
    assert weak.status_code == 200, weak.content


def test_someone_who_may_not_see_the_case_gets_404_not_428(client: Client, world: Partnership) -> None:
    case = world.case()
    outsider = UserFactory(agency=new_agency("Housing"), clearance=clearance(3), roles=[Role.PANEL_CHAIR])
    response = _post(client, f"/api/v1/cases/{case.pk}/transitions/", {"status": "discussed", "reason": "x"}, outsider)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# --- The screening decision ----------------------------------------------------------------------------


def test_a_screening_decision_without_if_match_is_428_and_changes_nothing(client: Client, world: Partnership) -> None:
    referral = world.referral()
    response = _post(client, f"/api/v1/referrals/{referral.pk}/screening-decision/", SCREEN_TO_NFA, world.officer)
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    after = Referral.objects.get(pk=referral.pk)
    assert (after.status, after.version) == (ReferralStatus.SUBMITTED, referral.version)


def test_a_screening_decision_with_the_referrals_etag_applies(client: Client, world: Partnership) -> None:
    referral = world.referral()
    etag = _etag(client, f"/api/v1/referrals/{referral.pk}/", world.officer)
    assert etag == f'"{referral.version}"'
    url = f"/api/v1/referrals/{referral.pk}/screening-decision/"
    response = _post(client, url, SCREEN_TO_NFA, world.officer, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ReferralStatus.CLOSED
    assert response["ETag"] == f'"{Referral.objects.get(pk=referral.pk).version}"'


def test_a_screening_decision_with_a_stale_etag_is_412(client: Client, world: Partnership) -> None:
    referral = world.referral()
    url = f"/api/v1/referrals/{referral.pk}/screening-decision/"
    response = _post(client, url, SCREEN_TO_NFA, world.officer, HTTP_IF_MATCH=f'"{referral.version - 1}"')
    assert response.status_code == 412
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED


# --- Creation needs no If-Match ------------------------------------------------------------------------


def test_creating_a_referral_needs_no_if_match_and_answers_its_etag(client: Client, world: Partnership) -> None:
    body = {
        "subject": {"given_name": "Sam", "family_name": "Example", "date_of_birth": "2009-05-01"},
        "concerns": "Watching extremist material at school.",
        "classification": 1,
    }
    response = _post(client, "/api/v1/referrals/", body, world.teacher)
    assert response.status_code == 201, response.content
    assert response["ETag"] == f'"{Referral.objects.get(pk=response.json()["id"]).version}"'


def test_a_share_and_an_information_request_need_no_if_match(client: Client, world: Partnership) -> None:
    case = world.case()
    share = _post(
        client, f"/api/v1/referrals/{case.pk}/shares/", {"agency": world.health.pk, "reason": "Known"}, world.chair
    )
    assert share.status_code == 201, share.content
    asked = _post(
        client,
        f"/api/v1/cases/{case.pk}/information-requests/",
        {"agencies": [world.health.pk], "question": "What do you know?"},
        world.chair,
    )
    assert asked.status_code == 201, asked.content


# --- The published contract ----------------------------------------------------------------------------


def test_the_schema_says_if_match_is_required_on_updates(client: Client) -> None:
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in ("/api/v1/cases/{case_id}/transitions/", "/api/v1/referrals/{referral_id}/screening-decision/"):
        operation = paths[path]["post"]
        [header] = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "If-Match"]
        assert header["required"] is True, path
        assert {"412", "428"} <= set(operation["responses"]), path
    creation = paths["/api/v1/referrals/"]["post"]
    assert not [p for p in creation.get("parameters", []) if p["name"] == "If-Match"]
