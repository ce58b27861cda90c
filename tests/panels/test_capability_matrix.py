"""The panel capability matrix: who x capability x expected (DESIGN.md rule 11).

One world for the module (rolled back at the end): the panel of ``tests.world.PanelSitting``
(council chair; police, council, health and school member agencies) with one case on today's
agenda, owned by a council practitioner who holds no panel role, and one action on it owned by
health. Around it, one person per row:

* the chair of this panel, and its deputy (police, panel chair role);
* the chair of ANOTHER panel, working for a member agency (health) and reading the case;
* panel members of member agencies (health, police);
* for school, the partnership named a representative (a practitioner): the representative sits on
  the panel, and a school panel member who was not named does not;
* people of a member agency with no panel role: a health practitioner, health's SPOC;
* the case owner (no panel role);
* a panel member of an agency that is not on the panel, reading the case through an explicit share;
* a partnership admin and an auditor;
* break-glass only: a panel member of an agency that joined the panel after the agenda was built
  (so it holds no grant on the case), reading the case through a break-glass opening.

The expected answer is ``expected`` below, written from DESIGN.md (rules 8, 9, 11 and the panel
workflow), never read from ``panels.permissions``: the chair of THIS panel runs its business; its
members declare interests, read the pack, see withheld counts, add to signed minutes, assess,
change interventions and add actions; the case owner assesses, records consent, activates the plan
and changes interventions; an action is completed by the chair or its owning agency's SPOC or
panel member. Every power over the case also needs reading the case through the agency's grant:
break-glass reads, never acts. A role held, or an agency's membership, gives nothing by itself.
A refusal about a case the person cannot read at all is NotFound (rule 7), any other PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from core.errors import NotFound, PermissionDenied
from panels import permissions, services
from panels.models import Action, AgendaItem, Meeting
from panels.permissions import PanelCapability as Cap
from partnership.models import AgencyKind, Panel, PanelMembership, Role, User
from sharing import services as sharing_services
from tests.sharing import worlds
from tests.world import PanelSitting, chair_of_another_panel, new_agency, new_user

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Person:
    """What a row's person is, as the world below makes them (stated by hand, not computed)."""

    chair: bool = False  # named chair or deputy of THIS panel, holding the panel chair role
    member: bool = False  # sits on this panel: a named representative, or a panel member of a member agency
    owner: bool = False  # the case's owner
    owning_agency: bool = False  # a SPOC or panel member of the agency that owns the action
    reads: bool = False  # reads the case through their agency's grant (break-glass is not a grant)
    break_glass: bool = False  # reads the case only through their own break-glass opening


ROWS: dict[str, Person] = {
    "chair": Person(chair=True, member=True, reads=True),
    "deputy": Person(chair=True, member=True, reads=True),
    "other_panel_chair": Person(reads=True),
    "health_member": Person(member=True, owning_agency=True, reads=True),
    "police_member": Person(member=True, reads=True),
    "named_representative": Person(member=True, reads=True),
    "unnamed_member": Person(reads=True),
    "health_practitioner": Person(reads=True),
    "health_spoc": Person(owning_agency=True, reads=True),
    "owner": Person(owner=True, reads=True),
    "non_member_agency": Person(reads=True),
    "admin": Person(),
    "auditor": Person(),
    "break_glass_only": Person(member=True, break_glass=True),
}

RUNS_THE_PANEL = {
    Cap.MANAGE_MEETING,
    Cap.BUILD_AGENDA,
    Cap.ADD_TO_AGENDA,
    Cap.START_MEETING,
    Cap.RECORD_ATTENDANCE,
    Cap.INVITE_ATTENDEES,
    Cap.OVERRIDE_QUORUM,
    Cap.SIGN_MINUTES,
}
SITS_ON_THE_PANEL = {Cap.ADD_ADDENDUM, Cap.DECLARE_INTEREST, Cap.READ_PACK, Cap.SEE_WITHHELD_COUNTS}
CHAIR_ON_THE_CASE = {Cap.RECORD_DECISION, Cap.RECORD_CONSENT, Cap.MANAGE_PLAN, Cap.COMPLETE_ACTION}
MEMBERS_ON_THE_CASE = {Cap.RECORD_ASSESSMENT, Cap.MANAGE_INTERVENTIONS, Cap.ADD_ACTION}
OWNER_ON_THE_CASE = {Cap.RECORD_ASSESSMENT, Cap.RECORD_CONSENT, Cap.MANAGE_PLAN, Cap.MANAGE_INTERVENTIONS}


def expected(person: Person) -> set[Cap]:
    allowed: set[Cap] = set()
    if person.chair:
        allowed |= RUNS_THE_PANEL
    if person.member:
        allowed |= SITS_ON_THE_PANEL
    if person.reads:
        if person.chair:
            allowed |= CHAIR_ON_THE_CASE
        if person.member:
            allowed |= MEMBERS_ON_THE_CASE
        if person.owner:
            allowed |= OWNER_ON_THE_CASE
        if person.owning_agency:
            allowed.add(Cap.COMPLETE_ACTION)
    return allowed


@dataclass
class MatrixWorld:
    panel: Panel
    meeting: Meeting
    case: Case
    item: AgendaItem
    action: Action
    people: dict[str, User]

    def target(self, capability: Cap) -> Any:
        if capability is Cap.RECORD_DECISION:
            return AgendaItem.objects.select_related("meeting__panel", "case__referral").get(pk=self.item.pk)
        if capability is Cap.COMPLETE_ACTION:
            return Action.objects.select_related("case__referral", "case__panel").get(pk=self.action.pk)
        if capability in RUNS_THE_PANEL | SITS_ON_THE_PANEL:
            return Panel.objects.get(pk=self.panel.pk)
        return Case.objects.select_related("referral", "panel").get(pk=self.case.pk)


def _build() -> MatrixWorld:
    pw = PanelSitting()
    w = pw
    owner = new_user(w.council, 2, Role.PRACTITIONER)
    case = w.case(author=w.teacher, owner=owner, given_name="Zqmatrix")
    pw.build()
    action = services.add_action(
        actor=pw.chair,
        case_id=case.pk,
        description="Call the family",
        owner_agency_id=w.health.pk,
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    deputy = new_user(w.police, 2, Role.PANEL_CHAIR)
    Panel.objects.filter(pk=pw.panel.pk).update(deputy_chair=deputy)
    other_chair = chair_of_another_panel(w.health)
    named = new_user(w.school, 1, Role.PRACTITIONER)
    unnamed = new_user(w.school, 1, Role.PANEL_MEMBER)
    PanelMembership.objects.get(panel=pw.panel, agency=w.school).representatives.add(named)
    sharing_services.share_with_agency(
        actor=pw.chair, record=case.referral, agency=pw.probation, reason="Probation supervises the person"
    )
    # Fire joins the panel after the agenda was built: it holds no grant on the case.
    fire = new_agency("Fire", AgencyKind.FIRE_AND_RESCUE)
    pw.join_panel(fire)
    fire_member = new_user(fire, 2, Role.PANEL_MEMBER)
    sharing_services.open_break_glass(
        actor=fire_member, record=case.referral, reason="Urgent fire-safety concern at the person's home"
    )
    people = {
        "chair": pw.chair,
        "deputy": deputy,
        "other_panel_chair": other_chair,
        "health_member": pw.member,
        "police_member": pw.police_member,
        "named_representative": named,
        "unnamed_member": unnamed,
        "health_practitioner": w.health_baseline,
        "health_spoc": w.health_spoc,
        "owner": owner,
        "non_member_agency": pw.outsider,
        "admin": pw.admin,
        "auditor": pw.auditor,
        "break_glass_only": fire_member,
    }
    return MatrixWorld(panel=pw.panel, meeting=pw.meeting, case=case, item=pw.item(case), action=action, people=people)


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with worlds.kept_for_the_module(django_db_blocker):
        yield _build()


def test_every_row_has_a_person_and_the_matrix_covers_every_capability(world: MatrixWorld) -> None:
    assert set(world.people) == set(ROWS)
    assert set(Cap) == RUNS_THE_PANEL | SITS_ON_THE_PANEL | CHAIR_ON_THE_CASE | MEMBERS_ON_THE_CASE | OWNER_ON_THE_CASE


@pytest.mark.parametrize("capability", list(Cap))
@pytest.mark.parametrize("row", list(ROWS))
def test_capability(world: MatrixWorld, row: str, capability: Cap) -> None:
    user = User.objects.select_related("agency", "clearance").get(pk=world.people[row].pk)
    target = world.target(capability)
    allowed = capability in expected(ROWS[row])
    assert permissions.can(user, capability, target) is allowed
    person = ROWS[row]
    about_the_case = capability in CHAIR_ON_THE_CASE | MEMBERS_ON_THE_CASE | OWNER_ON_THE_CASE
    if allowed:
        permissions.require(user, capability, target)
    elif about_the_case and not (person.reads or person.break_glass):
        with pytest.raises(NotFound):  # rule 7: a case they may not read does not exist for them
            permissions.require(user, capability, target)
    else:
        with pytest.raises(PermissionDenied):
            permissions.require(user, capability, target)


@pytest.mark.parametrize("capability", sorted(CHAIR_ON_THE_CASE | MEMBERS_ON_THE_CASE | OWNER_ON_THE_CASE))
def test_break_glass_refusals_say_it_reads_only(world: MatrixWorld, capability: Cap) -> None:
    user = User.objects.select_related("agency", "clearance").get(pk=world.people["break_glass_only"].pk)
    with pytest.raises(PermissionDenied, match="Break-glass gives reading only"):
        permissions.require(user, capability, world.target(capability))


def test_a_meeting_answers_like_its_panel(world: MatrixWorld) -> None:
    meeting = Meeting.objects.select_related("panel").get(pk=world.meeting.pk)
    for row, person in ROWS.items():
        user = User.objects.select_related("agency", "clearance").get(pk=world.people[row].pk)
        for capability in RUNS_THE_PANEL | SITS_ON_THE_PANEL:
            assert permissions.can(user, capability, meeting) is (capability in expected(person)), (row, capability)


def test_the_named_chair_without_the_role_or_no_longer_active_runs_nothing(world: MatrixWorld) -> None:
    chair = User.objects.get(pk=world.people["chair"].pk)
    panel = Panel.objects.get(pk=world.panel.pk)
    chair.roles = [Role.PRACTITIONER]
    assert not any(permissions.can(chair, c, panel) for c in RUNS_THE_PANEL)
    chair.roles = [Role.PANEL_CHAIR]
    chair.is_active = False
    assert not any(permissions.can(chair, c, panel) for c in RUNS_THE_PANEL | SITS_ON_THE_PANEL)


def test_an_agency_leaving_the_panel_takes_its_members_powers_with_it(world: MatrixWorld) -> None:
    member = User.objects.select_related("agency", "clearance").get(pk=world.people["police_member"].pk)
    PanelMembership.objects.filter(panel=world.panel, agency_id=member.agency_id).delete()
    panel = Panel.objects.get(pk=world.panel.pk)
    assert not any(permissions.can(member, c, panel) for c in SITS_ON_THE_PANEL)
