from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from partnership import services
from partnership.models import Agency, ApiToken, Role
from tests.partnership.factories import AdminUserFactory, AgencyFactory, PoliceAgencyFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {services.issue_api_token(user=user).key}"}


def test_me_describes_the_caller(client):
    user = UserFactory(clearance=clearance(2), roles=[Role.SPOC, Role.PANEL_MEMBER])
    response = client.get("/api/v1/me/", **auth(user))
    assert response.status_code == 200
    assert response.json() == {
        "username": user.username,
        "agency": {"id": user.agency.id, "name": user.agency.name},
        "clearance": {"rank": 2, "name": "Security Check"},
        "roles": ["panel_member", "spoc"],
    }


def test_me_for_an_admin_without_agency(client):
    admin = AdminUserFactory()
    body = client.get("/api/v1/me/", **auth(admin)).json()
    assert body["agency"] is None
    assert body["roles"] == ["partnership_admin"]


def test_agencies_lists_active_agencies_with_screening_flag(client):
    police = PoliceAgencyFactory(name="A Police")
    school = AgencyFactory(name="B School")
    gone = AgencyFactory(name="C Gone")
    services.deactivate_agency(agency=gone)
    user = UserFactory(agency=school)
    response = client.get("/api/v1/agencies/", **auth(user))
    assert response.status_code == 200
    assert response.json() == [
        {"id": police.id, "name": "A Police", "kind": "police", "screening": True},
        {"id": school.id, "name": "B School", "kind": "education", "screening": False},
    ]


def test_clearance_levels(client):
    body = client.get("/api/v1/clearance-levels/", **auth(UserFactory())).json()
    assert body == [
        {"rank": 1, "name": "Baseline"},
        {"rank": 2, "name": "Security Check"},
        {"rank": 3, "name": "Developed Vetting"},
    ]


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/agencies/", "/api/v1/clearance-levels/"])
def test_anonymous_gets_json_401(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token not-a-real-token", "Token \u00e9"])
def test_bad_token_headers_are_401(client, header):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_revoked_and_expired_tokens_are_refused(client):
    user = UserFactory()
    issued = services.issue_api_token(user=user)
    services.revoke_api_token(token=issued.token)
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {issued.key}").status_code == 401
    expired = services.issue_api_token(user=user)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {expired.key}").status_code == 401


def test_token_of_a_deactivated_agency_is_refused(client):
    user = UserFactory()
    headers = auth(user)
    Agency.objects.filter(pk=user.agency_id).update(is_active=False)
    assert client.get("/api/v1/me/", **headers).status_code == 401


def test_token_auth_costs_one_query(client, django_assert_num_queries):
    headers = auth(UserFactory())
    with django_assert_num_queries(1):
        assert client.get("/api/v1/me/", **headers).status_code == 200


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here/", **auth(UserFactory()))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_malformed_json_is_a_400_not_a_500(client):
    response = client.post("/api/v1/me/", data="{not json", content_type="application/json", **auth(UserFactory()))
    assert response.status_code in (400, 405)
    assert "detail" in response.json()


def test_openapi_schema_and_reference_page(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/me/", "/api/v1/agencies/", "/api/v1/clearance-levels/"):
        assert path in paths
    docs = client.get("/api/schema/docs/")
    assert docs.status_code == 200


def test_issue_api_token_command_prints_a_working_token(client, capsys):
    user = UserFactory()
    call_command("issue_api_token", user.username)
    key = capsys.readouterr().out.strip()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").json()["username"] == user.username


def test_health_endpoints(client):
    assert client.get("/healthz/live").status_code == 200
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
