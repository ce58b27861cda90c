from __future__ import annotations

import pytest

from partnership.models import AgencyKind, PanelMembership, Role
from tests.reminders.helpers import T0, travel
from tests.world import Partnership, new_agency


class ReminderWorld(Partnership):
    """The standard partnership, with panel members and the people reminders go to."""

    def __init__(self) -> None:
        super().__init__()
        # Another screening agency, and a police user who does not screen.
        self.regional = new_agency("Regional police", AgencyKind.POLICE, screens_referrals=True)
        self.people(
            regional_officer=(self.regional, 2, Role.SCREENING_OFFICER),
            police_practitioner=(self.police, 2, Role.PRACTITIONER),
            council_spoc=(self.council, 2, Role.SPOC),
            council_worker=(self.council, 2, Role.PRACTITIONER),
            health_rep=(self.health, 2, Role.PANEL_MEMBER),
            auditor=(None, 1, Role.AUDITOR),
            admin_bystander=(None, 1, Role.PARTNERSHIP_ADMIN),
        )
        # Health names a representative; the council names none (its SPOC hears); the school has no SPOC.
        self.join_panel(self.health, self.council, self.school)
        PanelMembership.objects.get(panel=self.panel, agency=self.health).representatives.add(self.health_rep)


@pytest.fixture
def world(db: object) -> ReminderWorld:
    with travel(T0):
        return ReminderWorld()
