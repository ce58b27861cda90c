"""Configuring agencies, clearance levels and people: partnership admins do it on /manage/, through the
audited services; the admin site is the superusers' break-fix tool (test_admin_site.py) and its
screens go through the same services, so what they refuse it refuses too."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from partnership import services
from partnership.models import Agency, ClearanceLevel, Role, User
from tests.conftest import sign_in_verified
from tests.pages import error_summary
from tests.partnership.config_helpers import second_admin_approval, user_form
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    """A partnership admin, on the configuration pages."""
    return sign_in_verified(client, AdminUserFactory())


@pytest.fixture
def superuser_client() -> Client:
    """A superuser, on the admin site (break-fix)."""
    return sign_in_verified(Client(), UserFactory(agency=None, roles=[], is_superuser=True))


def test_auditor_cannot_configure_the_partnership(client: Client) -> None:
    sign_in_verified(client, AuditorUserFactory())
    assert client.get("/manage/agencies/").status_code == 403
    assert client.get("/manage/people/").status_code == 403
    assert client.get("/admin/partnership/agency/").status_code == 404


def test_admin_adds_an_agency_and_its_group_is_created(admin_client: Client) -> None:
    response = admin_client.post(
        "/manage/agencies/add/", {"name": "Northshire Housing", "kind": "housing", "is_active": "on"}
    )
    assert response.status_code == 302, response.content
    agency = Agency.objects.get(name="Northshire Housing")
    assert agency.group == Group.objects.get(name="Agency: Northshire Housing")


def test_admin_sees_a_clear_error_for_a_bad_agency(admin_client: Client) -> None:
    response = admin_client.post("/manage/agencies/add/", {"name": "", "kind": "wizards"})
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_name", "#id_kind"]
    assert not Agency.objects.filter(kind="wizards").exists()


def test_admin_deactivates_an_agency_and_its_users_sessions_end(admin_client: Client) -> None:
    agency = AgencyFactory()
    member = UserFactory(agency=agency)
    member_client = sign_in_verified(Client(), member)
    response = admin_client.post(
        f"/manage/agencies/{agency.pk}/",
        {"name": agency.name, "kind": agency.kind},  # is_active unticked
    )
    assert response.status_code == 302, response.content
    agency.refresh_from_db()
    assert agency.is_active is False
    assert member_client.get("/").status_code == 302
    assert User.objects.filter(pk=member.pk).exists()


def test_an_agency_is_never_deleted(admin_client: Client, superuser_client: Client) -> None:
    agency = AgencyFactory()
    assert admin_client.post(f"/manage/agencies/{agency.pk}/delete/").status_code == 404  # no such page
    assert superuser_client.get(f"/admin/partnership/agency/{agency.pk}/delete/").status_code == 403
    assert Agency.objects.filter(pk=agency.pk).exists()


def test_a_clearance_level_in_use_cannot_be_deleted_even_at_break_fix(superuser_client: Client) -> None:
    UserFactory(clearance=clearance(3))
    level = ClearanceLevel.objects.get(rank=3)
    response = superuser_client.post(f"/admin/partnership/clearancelevel/{level.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the "cannot delete" page, listing the protected users
    assert b"Cannot delete" in response.content or b"protected" in response.content
    assert ClearanceLevel.objects.filter(pk=level.pk).exists()


def test_admin_gives_a_user_roles_and_clearance(admin_client: Client) -> None:
    # A partnership that has not asked for a second admin's approval (test_approvals.py has that).
    services.update_partnership_settings(actor=None, changes={"second_admin_approval": False})
    agency = AgencyFactory()
    user = UserFactory(agency=agency, roles=[Role.PRACTITIONER])
    response = admin_client.post(
        f"/manage/people/{user.pk}/change/",
        user_form(user, clearance=clearance(2).pk, roles=[Role.SPOC, Role.PANEL_MEMBER]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert sorted(user.roles) == ["panel_member", "spoc"]
    assert user.clearance.rank == 2


def test_admin_deactivating_a_user_ends_their_session(admin_client: Client) -> None:
    user = UserFactory()
    user_client = sign_in_verified(Client(), user)
    assert admin_client.post(f"/manage/people/{user.pk}/deactivate/").status_code == 302
    assert user_client.get("/").status_code == 302


def test_break_fix_changes_to_a_user_go_through_the_service(superuser_client: Client) -> None:
    """The admin's user screen still asks the services: roles given, clearance raised, sessions ended."""
    second_admin_approval(False)
    user = UserFactory(roles=[Role.PRACTITIONER])
    user_client = sign_in_verified(Client(), user)
    response = superuser_client.post(
        f"/admin/partnership/user/{user.pk}/change/",
        user_form(user, clearance=clearance(2).pk, roles=[Role.SPOC], is_active=None),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.roles, user.clearance.rank, user.is_active) == ([Role.SPOC], 2, False)
    assert user_client.get("/").status_code == 302
