from __future__ import annotations

import pytest

from partnership.models import AgencyKind, PanelMembership, Role
from tests.cases.factories import World
from tests.partnership.factories import AgencyFactory, AuditorUserFactory, UserFactory, clearance
from tests.reminders.helpers import T0, travel


class ReminderWorld(World):
    """The case-factories partnership, with panel members and the people reminders go to."""

    def __init__(self) -> None:
        super().__init__()
        w = self
        # Another screening agency, and a police user who does not screen.
        self.regional = AgencyFactory(name="Regional police", kind=AgencyKind.POLICE, screens_referrals=True)
        self.regional_officer = UserFactory(
            agency=self.regional, clearance=clearance(2), roles=[Role.SCREENING_OFFICER]
        )
        self.police_practitioner = UserFactory(agency=w.police, clearance=clearance(2), roles=[Role.PRACTITIONER])
        self.council_spoc = UserFactory(agency=w.council, clearance=clearance(2), roles=[Role.SPOC])
        self.council_worker = UserFactory(agency=w.council, clearance=clearance(2), roles=[Role.PRACTITIONER])
        self.health_rep = UserFactory(agency=w.health, clearance=clearance(2), roles=[Role.PANEL_MEMBER])
        self.auditor = AuditorUserFactory()
        self.admin_bystander = UserFactory(agency=None, roles=[Role.PARTNERSHIP_ADMIN])
        # Health names a representative; the council names none (its SPOC hears); the school has no SPOC.
        health = PanelMembership.objects.create(panel=w.panel, agency=w.health)
        health.representatives.add(self.health_rep)
        PanelMembership.objects.create(panel=w.panel, agency=w.council)
        PanelMembership.objects.create(panel=w.panel, agency=w.school)


@pytest.fixture
def world(db: object) -> ReminderWorld:
    with travel(T0):
        return ReminderWorld()
