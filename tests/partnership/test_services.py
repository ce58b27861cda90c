from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db.models import ProtectedError

from partnership import services
from partnership.models import Agency, AgencyKind, ApiToken, ClearanceLevel
from tests.partnership.factories import AgencyFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db


def test_default_clearance_levels_exist_from_migrations():
    assert list(ClearanceLevel.objects.values_list("rank", "name")) == [
        (1, "Baseline"),
        (2, "Security Check"),
        (3, "Developed Vetting"),
    ]


def test_create_agency_creates_its_own_group():
    agency = services.create_agency(name="Northshire Housing", kind=AgencyKind.HOUSING)
    assert agency.group.name == "Agency: Northshire Housing"
    other = services.create_agency(name="Northshire Fire", kind=AgencyKind.FIRE_AND_RESCUE)
    assert other.group_id != agency.group_id
    assert Group.objects.filter(agency__isnull=False).count() == 2


def test_agency_kind_must_come_from_the_fixed_list():
    with pytest.raises(services.ValidationError):
        services.create_agency(name="Made up", kind="wizards")
    assert not Agency.objects.filter(name="Made up").exists()
    assert not Group.objects.filter(name="Agency: Made up").exists()  # no half-write


def test_renaming_an_agency_renames_its_group():
    agency = AgencyFactory(name="Old name")
    services.update_agency(agency=agency, name="New name", kind=agency.kind, screens_referrals=True, is_active=True)
    agency.refresh_from_db()
    assert agency.group.name == "Agency: New name"
    assert agency.screens_referrals is True


def test_clearance_level_held_by_a_user_cannot_be_deleted():
    UserFactory(clearance=clearance(2))
    level = ClearanceLevel.objects.get(rank=2)
    with pytest.raises(services.ValidationError, match="held by users"):
        services.delete_clearance_level(level=level)
    with pytest.raises(ProtectedError):
        level.delete()
    assert ClearanceLevel.objects.filter(rank=2).exists()


def test_unused_clearance_level_can_be_deleted():
    level = ClearanceLevel.objects.create(rank=4, name="Enhanced")
    services.delete_clearance_level(level=level)
    assert not ClearanceLevel.objects.filter(rank=4).exists()


def test_deactivating_an_agency_keeps_history_and_ends_sessions_and_tokens():
    agency = AgencyFactory()
    user = UserFactory(agency=agency)
    issued = services.issue_api_token(user=user)
    before = user.get_session_auth_hash()
    services.deactivate_agency(agency=agency)
    user.refresh_from_db()
    assert Agency.objects.filter(pk=agency.pk, is_active=False).exists()
    assert user.get_session_auth_hash() != before
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_deactivating_a_user_keeps_the_row_and_ends_sessions():
    user = UserFactory()
    before = user.get_session_auth_hash()
    services.deactivate_user(user=user)
    user.refresh_from_db()
    assert user.is_active is False
    assert user.get_session_auth_hash() != before


def test_api_token_is_stored_hashed():
    user = UserFactory()
    issued = services.issue_api_token(user=user, name="Police RMS")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key not in (token.digest, token.prefix)
    assert token.digest == services.hash_api_token(issued.key)
    assert token.expires_at is not None


def test_inactive_user_gets_no_token():
    user = UserFactory(is_active=False)
    with pytest.raises(services.ValidationError):
        services.issue_api_token(user=user)
