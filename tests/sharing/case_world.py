"""One case and everyone's relation to it, built through the services, for the capability tests.

The world: a school practitioner refers; the police screen and refer to a panel chaired by the
council, whose practitioner owns the case; probation is a member agency of the panel (granted when
the case went on its agenda); health was sent an information request (assigned to its
practitioner); the referrer shared with youth offending (a share to revoke); the owner wrote a case
note (an entry to mark). Housing has no grant; fire's people hold break-glass openings.

In every one of those agencies there is someone in every role (``ROLES``). Some relations are
personal (the referrer, the case owner, the chair of this panel): ``become`` makes the member that
person for one test (inside the test's savepoint), and ``facts`` says what the test knows about
them for ``tests.sharing.capability_rules``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from cases import services as case_services
from cases.models import Case, InformationRequest
from partnership.models import Agency, AgencyKind, Panel, PanelMembership, Role, User
from referrals import services as referral_services
from referrals.models import ChronologyEntry, Referral
from sharing import services as sharing_services
from sharing.models import Share, ShareBasis
from tests.referrals.factories import submitted_referral
from tests.sharing.capability_rules import Actor
from tests.world import new_agency, new_police, new_user, refer_to_panel

CLASSIFICATION = 2  # every member holds Developed Vetting: clearance is not what these tests are about

RELATIONS = (
    "referring",
    "screening",
    "case_owner",
    "member_agency",
    "requested_agency",
    "unrelated",
    "break_glass_only",
)
ROLES = (
    "practitioner",
    "screening_officer",
    "spoc",
    "chair_of_this_panel",
    "chair_of_another_panel",
    "panel_member",
    "partnership_admin",
    "auditor",
)
ROLE_HELD = {
    "chair_of_this_panel": Role.PANEL_CHAIR,
    "chair_of_another_panel": Role.PANEL_CHAIR,
}
GRANTED = frozenset({"referring", "screening", "case_owner", "member_agency", "requested_agency"})
BREAK_GLASS_REASON = "Called by A&E about an immediate risk tonight"


@dataclass
class World:
    agencies: dict[str, Agency]
    panel: Panel
    case: Case
    request: InformationRequest
    note: ChronologyEntry
    share: Share
    target: Agency  # an agency nobody has shared with or asked yet
    members: dict[tuple[str, str], User] = field(default_factory=dict)
    assignee: User | None = None

    @property
    def referral(self) -> Referral:
        return self.case.referral


def _agencies() -> dict[str, Agency]:
    return {
        "referring": new_agency("Capability school"),
        "screening": new_police("Capability police"),
        "case_owner": new_agency("Capability council", AgencyKind.CHILDRENS_SERVICES),
        "member_agency": new_agency("Capability probation", AgencyKind.PROBATION),
        "requested_agency": new_agency("Capability health", AgencyKind.HEALTH),
        "unrelated": new_agency("Capability housing", AgencyKind.HOUSING),
        "break_glass_only": new_agency("Capability fire", AgencyKind.FIRE_AND_RESCUE),
    }


def _person(agency: Agency, role: str) -> User:
    return new_user(agency, 3, role)


def build() -> World:
    agencies = _agencies()
    author = _person(agencies["referring"], Role.PRACTITIONER)
    officer = _person(agencies["screening"], Role.SCREENING_OFFICER)
    owner = _person(agencies["case_owner"], Role.PRACTITIONER)
    chair = _person(agencies["case_owner"], Role.PANEL_CHAIR)
    soon = timezone.now() + dt.timedelta(days=3)
    panel = Panel.objects.create(name="Capability panel", chair=chair, first_meeting_at=soon)
    referral = submitted_referral(author, given_name="Robin", family_name="Capable", classification=CLASSIFICATION)
    refer_to_panel(referral, officer=officer, panel=panel, owner=owner, rationale="Meets the threshold")
    case = Case.objects.select_related("referral").get(pk=referral.pk)
    PanelMembership.objects.create(panel=panel, agency=agencies["member_agency"])
    sharing_services.grant_by_event(
        record=referral, agency=agencies["member_agency"], basis=ShareBasis.PANEL_MEMBER, actor=chair
    )
    [request] = case_services.request_information(
        actor=owner, case_id=case.pk, agency_ids=[agencies["requested_agency"].pk], question="Known to you?"
    )
    share = referral_services.share_referral(
        actor=author,
        referral_id=referral.pk,
        agency=new_agency("Capability youth offending", AgencyKind.YOUTH_OFFENDING),
        reason="YOT may know the family",
    )
    note = case_services.add_case_note(actor=owner, referral_id=case.pk, text="Owner's note", classification=1)
    target = new_agency("Capability voluntary sector", AgencyKind.VOLUNTARY_SECTOR)
    world = World(agencies, panel, case, request, note, share, target)
    _add_members(world, soon)
    return world


def _add_members(world: World, soon: dt.datetime) -> None:
    for relation, agency in world.agencies.items():
        for role in ROLES:
            user = _person(agency, ROLE_HELD.get(role, role))
            world.members[(relation, role)] = user
            if role == "chair_of_another_panel":
                Panel.objects.create(name=f"Another panel ({relation})", chair=user, first_meeting_at=soon)
            if relation == "break_glass_only" and user.is_case_worker:
                sharing_services.open_break_glass(
                    actor=user, record=world.referral, reason=BREAK_GLASS_REASON, minutes=24 * 60
                )
    world.assignee = world.members[("requested_agency", "practitioner")]
    case_services.assign_request(
        actor=world.members[("requested_agency", "spoc")], request_id=world.request.pk, assignee=world.assignee
    )


def become(world: World, relation: str, role: str) -> User:
    """The member, made the referrer / case owner / chair of this panel when the cell says so."""
    user = world.members[(relation, role)]
    if relation == "referring":
        Referral.objects.filter(pk=world.referral.pk).update(created_by=user)
    if relation == "case_owner":
        Case.objects.filter(pk=world.case.pk).update(owner=user)
    if role == "chair_of_this_panel":
        Panel.objects.filter(pk=world.panel.pk).update(chair=user)
    return user


def facts(world: World, relation: str, role: str) -> Actor:
    user = world.members[(relation, role)]
    return Actor(
        roles=frozenset(user.roles),
        agency_granted=relation in GRANTED,
        screening_agency=relation == "screening",
        requested_agency=relation == "requested_agency",
        author=relation == "referring",
        case_owner=relation == "case_owner",
        named_chair=role == "chair_of_this_panel",
        break_glass=relation == "break_glass_only" and user.is_case_worker,
        assignee=world.assignee is not None and user.pk == world.assignee.pk,
    )
