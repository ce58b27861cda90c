"""Screened referrals and open cases, built through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from partnership.models import AgencyKind, Panel, Role, User
from referrals.models import Referral
from tests.partnership.factories import AgencyFactory, PoliceAgencyFactory, UserFactory, clearance
from tests.referrals.factories import submitted_referral


class World:
    """A small partnership: police (screening), council (chair/owner), school (referrer), health."""

    def __init__(self) -> None:
        self.police = PoliceAgencyFactory(name="Police")
        self.council = AgencyFactory(name="Council", kind=AgencyKind.CHILDRENS_SERVICES)
        self.school = AgencyFactory(name="School")
        self.health = AgencyFactory(name="Health", kind=AgencyKind.HEALTH)
        self.officer = UserFactory(agency=self.police, clearance=clearance(3), roles=[Role.SCREENING_OFFICER])
        self.chair = UserFactory(
            agency=self.council, clearance=clearance(2), roles=[Role.PANEL_CHAIR, Role.PRACTITIONER]
        )
        self.teacher = UserFactory(agency=self.school, clearance=clearance(1), roles=[Role.PRACTITIONER])
        self.health_spoc = UserFactory(agency=self.health, clearance=clearance(2), roles=[Role.SPOC])
        self.health_baseline = UserFactory(agency=self.health, clearance=clearance(1), roles=[Role.PRACTITIONER])
        self.panel = Panel.objects.create(
            name="Northshire Channel Panel", chair=self.chair, first_meeting_at=timezone.now() + dt.timedelta(days=3)
        )

    def referral(self, **changes) -> Referral:
        return submitted_referral(self.teacher, **changes)

    def case(self, **changes) -> Case:
        referral = self.referral(**changes)
        case_services.screen_referral(
            actor=self.officer,
            referral_id=referral.pk,
            decision="refer_to_panel",
            rationale="Meets threshold",
            panel=self.panel,
            case_owner=self.chair,
        )
        return Case.objects.get(pk=referral.pk)


def make_world() -> World:
    return World()


__all__ = ["User", "World", "make_world"]
