"""DESIGN.md rule 13: an admin never changes their own agency, clearance, roles or active state,
by any route (the configuration pages, the API, services; the admin site is superusers' only), and so never reaches case content by configuring."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from core.errors import PermissionDenied
from partnership import services
from partnership.models import ChangeRequest, Role, User
from tests.conftest import sign_in_verified
from tests.partnership.api_helpers import token_headers
from tests.partnership.config_helpers import second_admin_approval, user_form
from tests.partnership.factories import AdminUserFactory, PoliceAgencyFactory, UserFactory, clearance
from tests.sharing import worlds

pytestmark = pytest.mark.django_db

ELEVATED_ROLES = [Role.PARTNERSHIP_ADMIN, Role.PRACTITIONER, Role.PANEL_CHAIR]


@pytest.fixture
def police_referral():
    police = PoliceAgencyFactory()
    officer = UserFactory(agency=police, clearance=clearance(3), roles=[Role.PRACTITIONER])
    referral, _ = worlds.submit(officer, given_name="Casey", family_name="Hidden", classification=1)
    return police, referral


def _unchanged(admin: User) -> None:
    admin.refresh_from_db()
    assert admin.agency_id is None
    assert admin.clearance.rank == 1
    assert admin.roles == [Role.PARTNERSHIP_ADMIN]
    assert admin.is_active is True


@pytest.mark.parametrize("approval", [True, False], ids=["approval-on", "approval-off"])
def test_an_admin_cannot_elevate_themselves_on_their_own_page(client: Client, police_referral, approval) -> None:
    police, referral = police_referral
    second_admin_approval(approval)
    admin = AdminUserFactory()
    sign_in_verified(client, admin)
    url = f"/manage/people/{admin.pk}/change/"
    response = client.post(
        url,
        user_form(admin, agency=police.pk, clearance=clearance(3).pk, roles=ELEVATED_ROLES, email="me@example.gov.uk"),
    )
    assert response.status_code == 302
    _unchanged(admin)
    assert admin.email == "me@example.gov.uk"  # what they may change about themselves did change
    assert not ChangeRequest.objects.filter(target_user=admin).exists()
    api = Client()
    assert api.get(f"/api/v1/referrals/{referral.pk}/", **token_headers(admin)).status_code == 404


def test_their_own_access_is_not_offered_on_their_own_page_with_the_reason(client: Client) -> None:
    admin = AdminUserFactory()
    other = UserFactory()
    sign_in_verified(client, admin)
    own = client.get(f"/manage/people/{admin.pk}/change/").content.decode()
    for field in ("agency", "clearance", "roles", "is_active"):
        assert f'name="{field}"' not in own
    assert "You cannot change your own agency, clearance, roles" in own
    own_page = client.get(f"/manage/people/{admin.pk}/").content.decode()
    assert "/deactivate/" not in own_page
    assert "/reset_two_factor/" not in own_page
    someone_else = client.get(f"/manage/people/{other.pk}/change/").content.decode()
    for field in ("agency", "clearance", "roles"):
        assert f'name="{field}"' in someone_else
    assert f"/manage/people/{other.pk}/deactivate/" in client.get(f"/manage/people/{other.pk}/").content.decode()


@pytest.mark.parametrize("action", ["deactivate", "reset_two_factor"])
def test_an_admin_cannot_deactivate_themselves_by_posting_the_button(client: Client, action: str) -> None:
    admin = AdminUserFactory()
    sign_in_verified(client, admin)
    response = client.post(f"/manage/people/{admin.pk}/{action}/", follow=True)
    assert response.status_code == 200
    assert "your own" in html.unescape(response.content.decode())
    _unchanged(admin)
    assert client.get("/manage/").status_code == 200  # still signed in, still enrolled


@pytest.mark.parametrize(
    "field",
    ["agency", "clearance", "roles", "is_active"],
)
@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_the_service_refuses_every_change_to_ones_own_access(field: str, who: str) -> None:
    me = AdminUserFactory() if who == "admin" else UserFactory(agency=None, roles=[], is_superuser=True)
    value = {
        "agency": PoliceAgencyFactory(),
        "clearance": clearance(3),
        "roles": [*me.roles, Role.PRACTITIONER],
        "is_active": False,
    }[field]
    before = (me.agency_id, me.clearance_id, list(me.roles), me.is_active)
    second_admin_approval(False)  # not even when nothing waits for a second admin
    with pytest.raises(PermissionDenied, match="your own agency, clearance, roles"):
        services.update_user(actor=me, user=me, changes={field: value})
    me.refresh_from_db()
    assert (me.agency_id, me.clearance_id, list(me.roles), me.is_active) == before


def test_an_admin_may_change_their_own_name_and_email() -> None:
    admin = AdminUserFactory()
    services.update_user(
        actor=admin, user=admin, changes={"email": "new@example.gov.uk", "first_name": "Alex", "roles": admin.roles}
    )
    admin.refresh_from_db()
    assert (admin.email, admin.first_name) == ("new@example.gov.uk", "Alex")


@pytest.mark.parametrize(
    "body",
    [
        {"agency": "POLICE", "clearance_rank": 3, "roles": ELEVATED_ROLES},
        {"agency": "POLICE"},
        {"clearance_rank": 3},
        {"roles": ELEVATED_ROLES},
        {"is_active": False},
    ],
    ids=["everything", "agency", "clearance", "roles", "active"],
)
def test_an_admin_cannot_elevate_themselves_through_the_api(client: Client, police_referral, body) -> None:
    police, referral = police_referral
    admin = AdminUserFactory()
    headers = token_headers(admin)
    body = {key: police.pk if value == "POLICE" else value for key, value in body.items()}
    response = client.patch(f"/api/v1/users/{admin.pk}/", body, content_type="application/json", **headers)
    assert response.status_code == 403
    assert "your own agency, clearance, roles" in response.json()["detail"]
    _unchanged(admin)
    assert client.get(f"/api/v1/referrals/{referral.pk}/", **headers).status_code == 404


def test_the_second_admin_approval_is_no_way_round_it() -> None:
    """An admin asks for a change to a colleague; the colleague it is about cannot approve it."""
    asker, colleague = AdminUserFactory(), AdminUserFactory()
    outcome = services.update_user(actor=asker, user=colleague, changes={"roles": ELEVATED_ROLES})
    assert outcome.pending is not None
    with pytest.raises(PermissionDenied, match="your own access"):
        services.approve_change_request(actor=colleague, change_request=outcome.pending)
    with pytest.raises(PermissionDenied, match="another partnership admin"):
        services.approve_change_request(actor=asker, change_request=outcome.pending)
    colleague.refresh_from_db()
    assert colleague.roles == [Role.PARTNERSHIP_ADMIN]
