"""GET, POST /api/v1/users/ and GET, PATCH /api/v1/users/{id}/ as DESIGN.md's API contract says:
partnership admins only (everyone else 403); `id`, `username`, `email`, `full_name`, `agency`
(id or null), `clearance_rank`, `roles`, `is_active`; an admin changing their own agency,
clearance, roles or active state is refused (403); a PATCH answers 200 when applied, 202 when it
waits for a second admin's approval; bad input is 400 with field messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import AuditVerb
from partnership.models import ChangeRequest, Role, User
from tests.conftest import sign_in_verified
from tests.partnership.api_helpers import token_headers
from tests.partnership.config_helpers import chain_verifies, only_event, second_admin_approval
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db

FIELDS = {"id", "username", "email", "full_name", "agency", "clearance_rank", "roles", "is_active"}


def _patch(client: Client, user_id: int, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.patch(f"/api/v1/users/{user_id}/", body, content_type="application/json", **headers)


def _post(client: Client, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post("/api/v1/users/", body, content_type="application/json", **headers)


@pytest.fixture
def admin() -> User:
    return AdminUserFactory()


@pytest.fixture
def person() -> User:
    return UserFactory(
        first_name="Priya", last_name="Shah", clearance=clearance(2), roles=[Role.PRACTITIONER, Role.PANEL_MEMBER]
    )


def test_an_admin_lists_and_reads_users_with_the_contract_fields(client: Client, admin: User, person: User) -> None:
    headers = token_headers(admin)
    listing = client.get("/api/v1/users/", **headers)
    assert listing.status_code == 200
    rows = {row["username"]: row for row in listing.json()}
    assert set(rows) == {admin.username, person.username}
    assert rows[person.username] == {
        "id": person.pk,
        "username": person.username,
        "email": person.email,
        "full_name": "Priya Shah",
        "agency": person.agency_id,
        "clearance_rank": 2,
        "roles": ["panel_member", "practitioner"],
        "is_active": True,
    }
    assert rows[admin.username]["agency"] is None
    detail = client.get(f"/api/v1/users/{person.pk}/", **headers)
    assert detail.status_code == 200
    assert detail.json() == rows[person.username]
    assert client.get("/api/v1/users/999999/", **headers).status_code == 404


@pytest.mark.parametrize("who", ["practitioner of another agency", "auditor", "panel chair", "spoc"])
def test_everyone_but_admins_gets_403(client: Client, person: User, who: str) -> None:
    caller = {
        "practitioner of another agency": lambda: UserFactory(agency=AgencyFactory(), roles=[Role.PRACTITIONER]),
        "auditor": AuditorUserFactory,
        "panel chair": lambda: UserFactory(roles=[Role.PANEL_CHAIR]),
        "spoc": lambda: UserFactory(agency=person.agency, roles=[Role.SPOC]),
    }[who]()
    headers = token_headers(caller)
    before = (person.clearance_id, list(person.roles))
    for response in (
        client.get("/api/v1/users/", **headers),
        client.get(f"/api/v1/users/{person.pk}/", **headers),
        client.get("/api/v1/users/999999/", **headers),
        _post(client, {"username": "sneaky", "roles": [Role.PRACTITIONER]}, headers),
        _patch(client, person.pk, {"clearance_rank": 3}, headers),
        _patch(client, caller.pk, {"clearance_rank": 3, "roles": [Role.PARTNERSHIP_ADMIN]}, headers),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
    person.refresh_from_db()
    assert (person.clearance_id, list(person.roles)) == before
    assert not User.objects.filter(username="sneaky").exists()


def test_anonymous_callers_are_not_authenticated(client: Client, person: User) -> None:
    for response in (
        client.get("/api/v1/users/"),
        client.get(f"/api/v1/users/{person.pk}/"),
        _post(client, {"username": "sneaky"}, {}),
        _patch(client, person.pk, {"is_active": False}, {}),
    ):
        assert response.status_code == 401
        assert "detail" in response.json()
    person.refresh_from_db()
    assert person.is_active is True


def test_a_browser_session_of_an_admin_works_too(client: Client, admin: User, person: User) -> None:
    sign_in_verified(client, admin)
    assert client.get(f"/api/v1/users/{person.pk}/").status_code == 200


def test_a_patch_that_applies_answers_200_and_is_audited(client: Client, admin: User, person: User) -> None:
    body = {"email": "priya.shah@example.gov.uk", "full_name": "Priya K Shah", "roles": [Role.PRACTITIONER]}
    response = _patch(client, person.pk, body, token_headers(admin))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == FIELDS
    assert (data["email"], data["full_name"], data["roles"]) == (
        "priya.shah@example.gov.uk",
        "Priya K Shah",
        ["practitioner"],
    )
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.roles) == ("Priya", "K Shah", ["practitioner"])
    event = only_event(person, AuditVerb.CONFIGURED)
    assert event.actor_id == admin.pk
    assert event.details["before"]["roles"] == ["panel_member", "practitioner"]
    assert event.details["after"]["roles"] == ["practitioner"]
    assert event.details["after"]["email"] == "priya.shah@example.gov.uk"
    assert chain_verifies().startswith("OK")


def test_a_patch_that_raises_access_answers_202_until_a_second_admin_approves(
    client: Client, admin: User, person: User
) -> None:
    response = _patch(client, person.pk, {"clearance_rank": 3, "roles": ["practitioner", "spoc"]}, token_headers(admin))
    assert response.status_code == 202
    data = response.json()
    # Removing panel_member applies at once; the higher clearance and the new role wait.
    assert (data["clearance_rank"], data["roles"]) == (2, ["practitioner"])
    pending = ChangeRequest.objects.get(pk=data["pending_approval"]["id"])
    assert data["pending_approval"]["before"] == {"clearance_rank": 2, "roles": ["practitioner"]}
    assert data["pending_approval"]["after"] == {"clearance_rank": 3, "roles": ["practitioner", "spoc"]}
    assert pending.requested_by == admin
    person.refresh_from_db()
    assert person.clearance.rank == 2


def test_with_approval_off_a_raise_answers_200(client: Client, admin: User, person: User) -> None:
    second_admin_approval(False)
    response = _patch(client, person.pk, {"clearance_rank": 3}, token_headers(admin))
    assert response.status_code == 200
    assert response.json()["clearance_rank"] == 3


def test_an_admin_may_change_their_own_email_but_not_their_access(client: Client, admin: User) -> None:
    headers = token_headers(admin)
    assert _patch(client, admin.pk, {"email": "me@example.gov.uk"}, headers).status_code == 200
    assert _patch(client, admin.pk, {"roles": [Role.PARTNERSHIP_ADMIN, Role.SPOC]}, headers).status_code == 403
    assert _patch(client, admin.pk, {"is_active": False}, headers).status_code == 403
    # Sending back what they already hold changes nothing, so it is not refused.
    assert _patch(client, admin.pk, {"roles": [Role.PARTNERSHIP_ADMIN], "agency": None}, headers).status_code == 200
    admin.refresh_from_db()
    assert (admin.email, admin.roles, admin.is_active) == ("me@example.gov.uk", ["partnership_admin"], True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"clearance_rank": 9}, "clearance_rank"),
        ({"agency": 999999}, "agency"),
        ({"roles": ["wizard"]}, "roles"),
        ({"roles": "practitioner"}, "roles"),
        ({"email": "not an email"}, "email"),
        ({"username": ""}, "username"),
        ({"is_active": "perhaps"}, "is_active"),
    ],
)
def test_bad_input_is_400_with_field_messages(client: Client, admin: User, person: User, body, field) -> None:
    response = _patch(client, person.pk, body, token_headers(admin))
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])


def test_moving_someone_to_an_inactive_agency_is_400(client: Client, admin: User) -> None:
    from partnership import services

    second_admin_approval(False)
    gone = AgencyFactory()
    services.deactivate_agency(agency=gone)
    person = UserFactory(roles=[])
    response = _patch(client, person.pk, {"agency": gone.pk}, token_headers(admin))
    assert response.status_code == 400
    assert list(response.json()) == ["agency"]


def test_an_admin_adds_a_user_whose_access_waits_for_approval(client: Client, admin: User) -> None:
    agency = AgencyFactory()
    body = {
        "username": "new.starter",
        "email": "new.starter@example.gov.uk",
        "full_name": "New Starter",
        "agency": agency.pk,
        "clearance_rank": 2,
        "roles": ["practitioner"],
    }
    response = _post(client, body, token_headers(admin))
    assert response.status_code == 201
    data = response.json()
    person = User.objects.get(username="new.starter")
    assert data["id"] == person.pk
    assert (data["agency"], data["clearance_rank"], data["roles"]) == (agency.pk, None, [])
    assert data["pending_approval"]["after"] == {"clearance_rank": 2, "roles": ["practitioner"]}
    assert not person.has_usable_password()  # they set their own
    assert (person.first_name, person.last_name) == ("New", "Starter")
    assert only_event(person, AuditVerb.CONFIGURED).details["action"] == "created"
    again = _post(client, body, token_headers(admin))
    assert again.status_code == 400
    assert list(again.json()) == ["username"]
