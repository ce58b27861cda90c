"""The header offers a page exactly when the capability it rests on would let the person in.

Navigation lives in the partnership, below the apps it links to, so it names roles itself; these
tests hold each entry to the predicate of the app whose page it is (DESIGN.md rule 11: no button
for what you cannot do)."""

from __future__ import annotations

import pytest

from cases import permissions as case_permissions
from partnership.models import Role
from partnership.navigation import navigation_for
from referrals import permissions as referral_permissions
from sharing import policy
from tests.partnership.factories import (
    AdminUserFactory,
    AgencyFactory,
    AuditorUserFactory,
    PoliceAgencyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [Role.PRACTITIONER, Role.SCREENING_OFFICER, Role.SPOC, Role.PANEL_CHAIR, Role.PANEL_MEMBER]


def _people() -> list:
    police, school = PoliceAgencyFactory(), AgencyFactory()
    people = [UserFactory(agency=agency, roles=[role]) for agency in (police, school) for role in ROLES]
    return [*people, AdminUserFactory(), AuditorUserFactory()]


def _offered(user) -> set[str]:
    return {item["label"] for item in navigation_for(user)}


def test_the_screening_queue_is_offered_to_exactly_the_screening_officers_of_a_screening_agency() -> None:
    for user in _people():
        assert ("Referrals to screen" in _offered(user)) == referral_permissions.is_screening_officer(user), user.roles


def test_the_requests_queue_is_offered_to_exactly_the_spocs() -> None:
    for user in _people():
        assert ("Information requests" in _offered(user)) == case_permissions.is_spoc(user), user.roles


def test_the_case_list_is_offered_to_exactly_the_case_workers() -> None:
    for user in _people():
        assert ("Cases" in _offered(user)) == policy.is_case_worker(user), user.roles
