"""The one builder of the partnerships the tests run in.

Everything is made through the real services (agencies through ``partnership.services``, referrals
and cases through the referral and case services), so grants and audit events are real.

* The pieces: ``new_agency`` and ``new_police``, ``new_user`` (an agency, a clearance rank and
  roles), ``new_admin`` and ``new_auditor``, ``new_panel``, ``chair_of_another_panel``,
  ``refer_to_panel`` (screen a referral onto a panel, which opens its case), ``ask``
  (information requests), and ``link_march`` and ``add_action`` (an event a tension report
  warns of, and an agency's part in the response).
* ``Partnership``: the standard small partnership most suites start from (police who screen, a
  council chair who owns cases, a school that refers, health), with ``people`` for whoever a suite
  needs besides, and ``referral`` / ``case`` for records in it.
* ``PanelSitting``: the partnership sitting as a panel, with readers around it and a meeting today.

A suite states only what is particular to it: ``Partnership().people(outsider=(housing, 3,
Role.SPOC))`` adds a user called ``outsider`` of housing at rank 3 holding the SPOC role.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, InformationRequest
from intelligence import services as intelligence_services
from intelligence.models import ResponseAction, TensionEvent, TensionReport
from panels import services as panel_services
from panels.models import AgendaItem, Meeting
from partnership.models import Agency, AgencyKind, Panel, PanelMembership, Role, User
from referrals.models import ChronologyEntry, Referral
from tests.conftest import sign_in_verified
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import AgencyFactory, PoliceAgencyFactory, UserFactory, clearance
from tests.referrals.factories import submitted_referral

PANEL_NAME = "Northshire Channel Panel"
OTHER_PANEL_NAME = "Southshire Channel Panel"

# --- the pieces ------------------------------------------------------------------------------------------


def new_agency(name: str | None = None, kind: AgencyKind = AgencyKind.EDUCATION, **extra: Any) -> Agency:
    """An agency (the factory names it when ``name`` is None); ``screens_referrals=True`` for a screener.
    It has a current data-sharing agreement unless ``agreement=False``."""
    return AgencyFactory(kind=kind, **({"name": name} if name else {}), **extra)


def new_police(name: str | None = None) -> Agency:
    """A police force, which screens referrals."""
    return PoliceAgencyFactory(**({"name": name} if name else {}))


def new_user(agency: Agency | None, rank: int = 1, *roles: str, **extra: Any) -> User:
    """A user of ``agency`` (or of none) cleared to ``rank``, holding ``roles`` (a practitioner when none)."""
    return UserFactory(agency=agency, clearance=clearance(rank), roles=list(roles or [Role.PRACTITIONER]), **extra)


def new_admin(rank: int = 1) -> User:
    return new_user(None, rank, Role.PARTNERSHIP_ADMIN)


def new_auditor(rank: int = 1) -> User:
    return new_user(None, rank, Role.AUDITOR)


def new_panel(chair: User, name: str = PANEL_NAME, *, first_meeting_at: dt.datetime | None = None) -> Panel:
    """A panel chaired by ``chair``, first meeting in three days unless said otherwise."""
    first = first_meeting_at or timezone.now() + dt.timedelta(days=3)
    return Panel.objects.create(name=name, chair=chair, first_meeting_at=first)


def chair_of_another_panel(agency: Agency, rank: int = 2, *roles: str, name: str = OTHER_PANEL_NAME) -> User:
    """The chair (a panel chair and practitioner, unless ``roles`` say) of another panel, meeting now."""
    chair = new_user(agency, rank, *(roles or (Role.PANEL_CHAIR, Role.PRACTITIONER)))
    new_panel(chair, name, first_meeting_at=timezone.now())
    return chair


def refer_to_panel(
    referral: Referral, *, officer: User, panel: Panel, owner: User, rationale: str = "Meets threshold"
) -> Case:
    """Screen ``referral`` onto ``panel`` with ``owner`` as case owner: the case it opens."""
    decision = {"decision": "refer_to_panel", "rationale": rationale, "panel": panel, "case_owner": owner}
    case_services.screen_referral(actor=officer, referral_id=referral.pk, **decision)
    return Case.objects.get(pk=referral.pk)


def ask(
    actor: User, case: Case | int, *agencies: Agency, question: str = "What do you know?", **extra: Any
) -> list[InformationRequest]:
    """``actor`` asks each of ``agencies`` for what they know about the case."""
    case_id = case if isinstance(case, int) else case.pk
    return case_services.request_information(
        actor=actor, case_id=case_id, agency_ids=[a.pk for a in agencies], question=question, **extra
    )


def link_march(actor: User, report: TensionReport, **changes: Any) -> TensionEvent:
    """An event linked to ``report`` by ``actor``: a march on the square with the police leading the
    response, unless ``changes`` say otherwise (``lead_agency`` and ``starts_at`` are for the caller)."""
    fields: dict[str, Any] = {"title": "March", "location": "Square", "response_plan": "Police lead", **changes}
    return intelligence_services.link_event(actor=actor, report_id=report.pk, **fields)


def add_action(actor: User, event: TensionEvent, **changes: Any) -> ResponseAction:
    """A part of the response to ``event`` (briefing staff, owned by nobody in particular, unless
    ``changes`` say otherwise; ``owner_agency`` and ``due_date`` are for the caller)."""
    fields: dict[str, Any] = {"description": "Brief staff", "owner": None, **changes}
    return intelligence_services.add_response_action(actor=actor, event_id=event.pk, **fields)


def client_for(user: User) -> Client:
    """A browser signed in as ``user`` through the real sign-in pages."""
    return sign_in_verified(Client(), user)


class Api:
    """The API as one user calls it, with their token."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.headers = token_headers(user)

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1/{path}", **self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers)


# --- the standard partnership ----------------------------------------------------------------------------


class Partnership:
    """A small partnership: police (screening), council (chair and case owner), school (referrer), health.

    * officer: police, Developed Vetting (rank 3), screening officer
    * chair: council, Security Check (rank 2), panel chair and practitioner, chairs ``panel``
    * teacher: school, Baseline (rank 1), practitioner
    * health_spoc: health, rank 2, SPOC; health_baseline: health, rank 1, practitioner
    """

    def __init__(self) -> None:
        self.police = new_police("Police")
        self.council = new_agency("Council", AgencyKind.CHILDRENS_SERVICES)
        self.school = new_agency("School")
        self.health = new_agency("Health", AgencyKind.HEALTH)
        self.officer = new_user(self.police, 3, Role.SCREENING_OFFICER)
        self.chair = new_user(self.council, 2, Role.PANEL_CHAIR, Role.PRACTITIONER)
        self.teacher = new_user(self.school, 1, Role.PRACTITIONER)
        self.health_spoc = new_user(self.health, 2, Role.SPOC)
        self.health_baseline = new_user(self.health, 1, Role.PRACTITIONER)
        self.panel = new_panel(self.chair)

    def people(self, **specs: tuple[Any, ...]) -> Self:
        """Add a user per ``name=(agency, rank, *roles)``, in order, as attributes of the world."""
        for name, (of, rank, *roles) in specs.items():
            setattr(self, name, new_user(of, rank, *roles))
        return self

    def agencies(self, **specs: tuple[Any, ...]) -> Self:
        """Add an agency per ``name=(agency name, kind)``, in order, as attributes of the world."""
        for name, spec in specs.items():
            setattr(self, name, new_agency(*spec))
        return self

    def join_panel(self, *agencies: Agency) -> Self:
        """Police, council, health and school (or ``agencies``) become the panel's member agencies."""
        for member in agencies or (self.police, self.council, self.health, self.school):
            PanelMembership.objects.get_or_create(panel=self.panel, agency=member)
        return self

    def referral(self, author: User | None = None, **changes: Any) -> Referral:
        """A referral submitted by ``author`` (the teacher unless said)."""
        return submitted_referral(author or self.teacher, **changes)

    def case(self, *, author: User | None = None, owner: User | None = None, **changes: Any) -> Case:
        """A case on the panel: referred by ``author`` (the teacher), screened by the police officer,
        owned by ``owner`` (the chair)."""
        return self.screen(self.referral(author, **changes), owner=owner)

    def screen(self, referral: Referral, *, owner: User | None = None, rationale: str = "Meets threshold") -> Case:
        """The police officer refers ``referral`` to the panel, owned by ``owner`` (the chair)."""
        return refer_to_panel(
            referral, officer=self.officer, panel=self.panel, owner=owner or self.chair, rationale=rationale
        )

    def ask(self, case: Case | int, *agencies: Agency, **extra: Any) -> list[InformationRequest]:
        """The chair asks ``agencies`` (health unless said) about the case."""
        return ask(self.chair, case, *(agencies or (self.health,)), **extra)

    def answer(
        self, request: InformationRequest, text: str, classification: int = 1, *, by: User | None = None, **extra: Any
    ) -> ChronologyEntry:
        """Health's SPOC (or ``by``) returns a contribution to ``request``."""
        return case_services.return_contribution(
            actor=by or self.health_spoc, request_id=request.pk, text=text, classification=classification, **extra
        )


def meeting_today(panel: Panel, chair: User, reason: str = "Meets today") -> Meeting:
    """A meeting added for today, so the chair may start it (a meeting never starts before its day)."""
    return panel_services.add_meeting(actor=chair, panel=panel, scheduled_at=timezone.now(), reason=reason)


def hold_quorate(world: Partnership, meeting: Meeting, health_attendee: User | None = None) -> Meeting:
    """Start the meeting and record a quorum under the panel's default rule: the chair (for the
    council) and two more member agencies (health, the police) present."""
    panel_services.start_meeting(actor=world.chair, meeting_id=meeting.pk)
    attend(world, meeting, health_attendee)
    return Meeting.objects.get(pk=meeting.pk)


def attend(world: Partnership, meeting: Meeting, health_attendee: User | None = None) -> None:
    for present, attendee in ((world.council, world.chair), (world.health, health_attendee), (world.police, None)):
        panel_services.record_attendance(
            actor=world.chair, meeting_id=meeting.pk, agency_id=present.pk, present=True, attendee=attendee
        )


class PanelSitting(Partnership):
    """The partnership sitting as a panel (police, council, health and school its members), with readers
    around it.

    * member: health, rank 2, panel member; junior: health, rank 1, panel member
    * police_member: police, rank 1, panel member
    * outsider: probation (not on the panel), rank 3, panel member and practitioner
    * admin and auditor: no agency, rank 3
    * referrer_sc: school, rank 2, practitioner (the referrer of cases above Baseline)
    * meeting: the panel's first meeting, today (the chair may start it)
    """

    def __init__(self) -> None:
        super().__init__()
        self.join_panel()
        self.probation = new_agency("Probation", AgencyKind.PROBATION)
        self.people(
            member=(self.health, 2, Role.PANEL_MEMBER),
            junior=(self.health, 1, Role.PANEL_MEMBER),
            police_member=(self.police, 1, Role.PANEL_MEMBER),
            outsider=(self.probation, 3, Role.PANEL_MEMBER, Role.PRACTITIONER),
            admin=(None, 3, Role.PARTNERSHIP_ADMIN),
            auditor=(None, 3, Role.AUDITOR),
            referrer_sc=(self.school, 2, Role.PRACTITIONER),
        )
        # The cadence starts today: its first meeting is today's.
        Panel.objects.filter(pk=self.panel.pk).update(first_meeting_at=timezone.now())
        self.panel.refresh_from_db()
        self.meeting = panel_services.generate_meetings(panel=self.panel, until=self.panel.first_meeting_at)[0]

    def case(self, *, classification: int = 1, **changes: Any) -> Case:  # type: ignore[override]
        """A case on this panel, referred by the school at ``classification`` and screened by the police."""
        author = changes.pop("author", None) or (self.teacher if classification == 1 else self.referrer_sc)
        return super().case(author=author, classification=classification, **changes)

    def build(self) -> list[AgendaItem]:
        return panel_services.build_agenda(actor=self.chair, meeting_id=self.meeting.pk)

    def start(self) -> None:
        panel_services.start_meeting(actor=self.chair, meeting_id=self.meeting.pk)

    def quorate(self) -> None:
        """Record the chair, health's member and the police present: quorate under the default rule."""
        attend(self, self.meeting, self.member)

    def item(self, case: Case) -> AgendaItem:
        return AgendaItem.objects.get(meeting=self.meeting, case=case)

    def user(self, name: str) -> User:
        user: User = getattr(self, name)
        return user
