"""The panels tests' one shared world: the case World (police, council chair, school, health) sitting
as a panel, with readers around it, and a meeting held today.

Every panel test builds on this (or on ``tests.cases.factories.make_world`` plus the helpers below)
instead of building its own partnership.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from panels import services
from panels.models import AgendaItem, Meeting
from partnership.models import AgencyKind, Panel, PanelMembership, Role, User
from tests.cases.factories import World, make_world
from tests.conftest import sign_in_verified
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance
from tests.referrals.factories import submitted_referral


def join_panel(world: World) -> World:
    """Police, council, health and school become the panel's member agencies."""
    for agency in (world.police, world.council, world.health, world.school):
        PanelMembership.objects.get_or_create(panel=world.panel, agency=agency)
    return world


def meeting_today(panel: Panel, chair: User, reason: str = "Meets today") -> Meeting:
    """A meeting added for today, so the chair may start it (a meeting never starts before its day)."""
    return services.add_meeting(actor=chair, panel=panel, scheduled_at=timezone.now(), reason=reason)


def hold_quorate(world: World, meeting: Meeting) -> Meeting:
    """Start the meeting and record a quorum under the panel's default rule: the chair (for the
    council) and two more member agencies present."""
    services.start_meeting(actor=world.chair, meeting_id=meeting.pk)
    for agency, attendee in ((world.council, world.chair), (world.health, None), (world.police, None)):
        services.record_attendance(
            actor=world.chair, meeting_id=meeting.pk, agency_id=agency.pk, present=True, attendee=attendee
        )
    return Meeting.objects.get(pk=meeting.pk)


class PanelWorld:
    """The case World sitting as a panel, with readers around it.

    * chair: council, Security Check (rank 2), panel chair
    * member: health, rank 2, panel member; junior: health, rank 1, panel member
    * police_member: police, rank 1, panel member
    * outsider: probation (not on the panel), rank 3, panel member role
    * admin and auditor: no agency, rank 3
    * meeting: the panel's first meeting, today (the chair may start it)
    """

    def __init__(self) -> None:
        self.w: World = join_panel(make_world())
        w = self.w
        self.panel = w.panel
        self.chair = w.chair
        self.probation = AgencyFactory(name="Probation", kind=AgencyKind.PROBATION)
        self.member = UserFactory(agency=w.health, clearance=clearance(2), roles=[Role.PANEL_MEMBER])
        self.junior = UserFactory(agency=w.health, clearance=clearance(1), roles=[Role.PANEL_MEMBER])
        self.police_member = UserFactory(agency=w.police, clearance=clearance(1), roles=[Role.PANEL_MEMBER])
        self.outsider = UserFactory(
            agency=self.probation, clearance=clearance(3), roles=[Role.PANEL_MEMBER, Role.PRACTITIONER]
        )
        self.admin = AdminUserFactory(clearance=clearance(3))
        self.auditor = AuditorUserFactory(clearance=clearance(3))
        self.referrer_sc = UserFactory(agency=w.school, clearance=clearance(2), roles=[Role.PRACTITIONER])
        # The cadence starts today: its first meeting is today's.
        Panel.objects.filter(pk=self.panel.pk).update(first_meeting_at=timezone.now())
        self.panel.refresh_from_db()
        self.meeting = services.generate_meetings(panel=self.panel, until=self.panel.first_meeting_at)[0]

    def case(self, *, classification: int = 1, **changes: Any) -> Case:
        """A case on this panel, referred by the school at ``classification`` and screened by the police."""
        author = self.w.teacher if classification == 1 else self.referrer_sc
        referral = submitted_referral(author, classification=classification, **changes)
        case_services.screen_referral(
            actor=self.w.officer,
            referral_id=referral.pk,
            decision="refer_to_panel",
            rationale="Meets threshold",
            panel=self.panel,
            case_owner=self.chair,
        )
        return Case.objects.get(pk=referral.pk)

    def build(self) -> list[AgendaItem]:
        return services.build_agenda(actor=self.chair, meeting_id=self.meeting.pk)

    def start(self) -> None:
        services.start_meeting(actor=self.chair, meeting_id=self.meeting.pk)

    def quorate(self) -> None:
        """Record the chair, health's member and the police present: quorate under the default rule."""
        for agency, attendee in ((self.w.council, self.chair), (self.w.health, self.member), (self.w.police, None)):
            services.record_attendance(
                actor=self.chair, meeting_id=self.meeting.pk, agency_id=agency.pk, present=True, attendee=attendee
            )

    def item(self, case: Case) -> AgendaItem:
        return AgendaItem.objects.get(meeting=self.meeting, case=case)

    def user(self, name: str) -> User:
        return getattr(self, name)


def client_for(user: User) -> Client:
    return sign_in_verified(Client(), user)


class Api:
    """The panels API as one user calls it, with their token."""

    def __init__(self, user: User) -> None:
        from tests.partnership.api_helpers import token_headers

        self.client = Client()
        self.headers = token_headers(user)

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/{path}", **self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers)
