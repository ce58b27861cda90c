"""Partnership admins configure everything in the admin; nobody else gets in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from partnership import services
from partnership.models import Agency, ClearanceLevel, Role, User
from tests.conftest import sign_in_verified
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return sign_in_verified(client, AdminUserFactory())


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([Role.PARTNERSHIP_ADMIN], 200),
        ([Role.AUDITOR], 200),
        ([Role.PRACTITIONER], 404),
        ([Role.PANEL_CHAIR], 404),
        ([Role.SPOC], 404),
    ],
)
def test_admin_index_by_role(client, roles, expected):
    sign_in_verified(client, UserFactory(roles=roles))
    assert client.get("/admin/").status_code == expected


def test_admin_needs_two_factor(client):
    from tests.partnership.factories import PASSWORD, enrol_totp

    admin = AdminUserFactory()
    enrol_totp(admin)
    client.post("/account/sign-in/", {"username": admin.username, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")


def test_anonymous_admin_goes_to_the_service_sign_in(client):
    response = client.get("/admin/", follow=False)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith("/account/sign-in/")


def test_auditor_cannot_configure_the_partnership(client):
    sign_in_verified(client, AuditorUserFactory())
    assert client.get("/admin/partnership/agency/").status_code == 403
    assert client.get("/admin/partnership/user/").status_code == 403


def test_admin_adds_an_agency_and_its_group_is_created(admin_client):
    response = admin_client.post(
        "/admin/partnership/agency/add/",
        {"name": "Northshire Housing", "kind": "housing", "is_active": "on"},
    )
    assert response.status_code == 302, response.content
    agency = Agency.objects.get(name="Northshire Housing")
    assert agency.group == Group.objects.get(name="Agency: Northshire Housing")


def test_admin_sees_a_clear_error_for_a_bad_agency(admin_client):
    response = admin_client.post("/admin/partnership/agency/add/", {"name": "", "kind": "wizards"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"name", "kind"}


def test_admin_deactivates_an_agency_and_its_users_sessions_end(client, admin_client):
    agency = AgencyFactory()
    member = UserFactory(agency=agency)
    member_client = sign_in_verified(type(client)(), member)
    response = admin_client.post(
        f"/admin/partnership/agency/{agency.pk}/change/",
        {"name": agency.name, "kind": agency.kind},  # is_active unticked
    )
    assert response.status_code == 302, response.content
    agency.refresh_from_db()
    assert agency.is_active is False
    assert member_client.get("/").status_code == 302
    assert User.objects.filter(pk=member.pk).exists()


def test_admin_cannot_delete_an_agency(admin_client):
    agency = AgencyFactory()
    assert admin_client.get(f"/admin/partnership/agency/{agency.pk}/delete/").status_code == 403


def test_admin_cannot_delete_a_clearance_level_in_use(admin_client):
    UserFactory(clearance=clearance(3))
    level = ClearanceLevel.objects.get(rank=3)
    response = admin_client.post(f"/admin/partnership/clearancelevel/{level.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the "cannot delete" page, listing the protected users
    assert b"Cannot delete" in response.content or b"protected" in response.content
    assert ClearanceLevel.objects.filter(pk=level.pk).exists()


def test_admin_gives_a_user_roles_and_clearance(admin_client):
    # A partnership that has not asked for a second admin's approval (test_approvals.py has that).
    services.update_partnership_settings(actor=None, changes={"second_admin_approval": False})
    agency = AgencyFactory()
    user = UserFactory(agency=agency, roles=[Role.PRACTITIONER])
    response = admin_client.post(
        f"/admin/partnership/user/{user.pk}/change/",
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "agency": agency.pk,
            "clearance": clearance(2).pk,
            "roles": [Role.SPOC, Role.PANEL_MEMBER],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert sorted(user.roles) == ["panel_member", "spoc"]
    assert user.clearance.rank == 2


def test_admin_deactivating_a_user_ends_their_session(client, admin_client):
    user = UserFactory()
    user_client = sign_in_verified(type(client)(), user)
    response = admin_client.post(
        f"/admin/partnership/user/{user.pk}/change/",
        {
            "username": user.username,
            "agency": user.agency_id,
            "clearance": user.clearance_id,
            "roles": user.roles,
        },
    )
    assert response.status_code == 302
    assert user_client.get("/").status_code == 302
