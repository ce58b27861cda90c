"""What people may do on a panel (DESIGN.md rule 11), decided once and built on ``sharing.policy``.

Two standings on a panel carry its powers, and a role held anywhere in the partnership gives neither:

* its **chair**: the person the partnership named as chair (or deputy chair) of THIS panel, who holds
  the panel chair role. The chair of another panel is nobody here.
* its **members**: the chair, and for each member agency either the representatives the partnership
  named for it or, where it named none, that agency's people holding the panel member role. Working
  for a member agency gives no power by itself.

Both need an active case worker of an active agency (``policy.is_case_worker``): admins and auditors
run no panel. A power over a case also needs the person to read the case through their agency's
grant (``policy.reads_through_grant``): a break-glass opening lets its holder read, never act. The
case owner (named by screening) shares some case powers with the panel, as each rule below says.

Services call ``require``; selectors, views and pages call ``can`` (or read a ``Standing`` once
and pass it in) to show or hide what a person may do. No other panels module names a role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.db.models import Count, Q, QuerySet

from cases.models import Case
from core.errors import PermissionDenied
from panels.models import Action, AgendaItem, Invitation, Meeting
from partnership.models import Panel, PanelMembership, Role, User
from sharing import policy
from sharing.policy import Viewer


class PanelCapability(StrEnum):
    MANAGE_MEETING = "manage_meeting"  # add, move or cancel a meeting
    BUILD_AGENDA = "build_agenda"  # build, reorder, defer
    ADD_TO_AGENDA = "add_to_agenda"
    START_MEETING = "start_meeting"
    RECORD_ATTENDANCE = "record_attendance"
    INVITE_ATTENDEES = "invite_attendees"  # invite people to the meeting, or a guest to one item
    RECORD_DECISION = "record_decision"
    OVERRIDE_QUORUM = "override_quorum"
    SIGN_MINUTES = "sign_minutes"
    ADD_ADDENDUM = "add_addendum"
    DECLARE_INTEREST = "declare_interest"
    READ_PACK = "read_pack"
    SEE_WITHHELD_COUNTS = "see_withheld_counts"
    RECORD_ASSESSMENT = "record_assessment"
    RECORD_CONSENT = "record_consent"
    MANAGE_PLAN = "manage_plan"  # activate the support plan
    MANAGE_INTERVENTIONS = "manage_interventions"  # add and update the plan's interventions
    ADD_ACTION = "add_action"
    COMPLETE_ACTION = "complete_action"


Target = Panel | Meeting | Case | AgendaItem | Action
"""What a capability is asked about: a panel or meeting (the panel's business), a case, an agenda
item (a decision on its case) or an action."""


@dataclass(frozen=True)
class Standing:
    """What one person is to one panel."""

    chair: bool = False
    member: bool = False


NO_STANDING = Standing()


def is_chair_of(user: Viewer | None, panel: Panel) -> bool:
    """The named chair or deputy of this panel, holding the panel chair role (no query)."""
    return bool(
        user is not None
        and policy.is_case_worker(user)
        and Role.PANEL_CHAIR in user.roles
        and user.pk in (panel.chair_id, panel.deputy_chair_id)
    )


def _is_member_of(user: Viewer, panel: Panel) -> bool:
    """One query: the user's agency's membership of the panel, and whether it names representatives."""
    if user.agency_id is None:
        return False
    row = (
        PanelMembership.objects.filter(panel_id=panel.pk, agency_id=user.agency_id)
        .annotate(
            named=Count("representatives", distinct=True),
            is_named=Count("representatives", filter=Q(representatives__pk=user.pk), distinct=True),
        )
        .values_list("named", "is_named")
        .first()
    )
    if row is None:
        return False
    named, is_named = row
    return bool(is_named) if named else Role.PANEL_MEMBER in user.roles


def standing_on(user: Viewer | None, panel: Panel) -> Standing:
    """The user's standing on the panel: at most one query."""
    if user is None or not policy.is_case_worker(user):
        return NO_STANDING
    if is_chair_of(user, panel):
        return Standing(chair=True, member=True)
    return Standing(member=_is_member_of(user, panel))


def reads_case(user: Viewer | None, case: Case) -> bool:
    """Reads the case through their agency's grant at their clearance; a break-glass opening does not count."""
    return user is not None and policy.reads_through_grant(user, case.referral)


def is_case_owner(user: Viewer | None, case: Case) -> bool:
    return bool(user is not None and policy.is_case_worker(user) and case.owner_id == user.pk)


def _panel_of(target: Target) -> Panel:
    if isinstance(target, Panel):
        return target
    if isinstance(target, Meeting):
        return target.panel
    if isinstance(target, AgendaItem):
        return target.meeting.panel
    if isinstance(target, Action):
        return target.case.panel
    return target.panel


def _home_panel_id(target: Target) -> int:
    """The panel the target belongs to, by id (no query)."""
    if isinstance(target, Panel):
        return int(target.pk)
    if isinstance(target, Meeting | Case):
        return target.panel_id
    if isinstance(target, AgendaItem):
        return target.meeting.panel_id
    return target.case.panel_id


def _case_of(target: Target) -> Case | None:
    if isinstance(target, Case):
        return target
    if isinstance(target, AgendaItem | Action):
        return target.case
    return None


class Facts:
    """What the predicates ask about one person and one target, each looked up once when first asked.

    A caller that already knows the person's standing on the target's panel, or whether they read
    its case, passes it in and saves the query.
    """

    def __init__(
        self, user: Viewer, target: Target, *, standing: Standing | None = None, reads: bool | None = None
    ) -> None:
        self.user = user
        self.target = target
        self.case = _case_of(target)
        if standing is not None:
            self.__dict__["standing"] = standing
        if reads is not None:
            self.__dict__["reads"] = reads

    @cached_property
    def standing(self) -> Standing:
        return standing_on(self.user, _panel_of(self.target))

    @cached_property
    def reads(self) -> bool:
        """Reads the target's case by grant (False when the target is no case)."""
        return self.case is not None and reads_case(self.user, self.case)

    @property
    def case_here(self) -> bool:
        """The target's case belongs to the panel in question and the user reads it by grant."""
        return self.case is not None and self.case.panel_id == _home_panel_id(self.target) and self.reads

    @property
    def owner(self) -> bool:
        return self.case is not None and is_case_owner(self.user, self.case)


# --- One predicate per capability ---------------------------------------------------------------------


def _chair(facts: Facts) -> bool:
    """The panel's business: its meetings, agenda, attendance, quorum and minutes."""
    return facts.standing.chair


def _member(facts: Facts) -> bool:
    """Members' part in a meeting: declarations, addenda, the pack and the withheld counts."""
    return facts.standing.member


def _chair_reading_the_case(facts: Facts) -> bool:
    """A decision on a case of the chair's panel that the chair reads by grant."""
    return facts.standing.chair and facts.case_here


def _member_reading_the_case(facts: Facts) -> bool:
    return facts.standing.member and facts.case_here


def _owner_or_member_reading_the_case(facts: Facts) -> bool:
    return facts.case_here and (facts.owner or facts.standing.member)


def _owner_or_chair_reading_the_case(facts: Facts) -> bool:
    return facts.case_here and (facts.owner or facts.standing.chair)


def _action_holder(facts: Facts) -> bool:
    """An action is completed by the chair, its named owner, or its owning agency's SPOC or panel member."""
    target = facts.target
    if not isinstance(target, Action) or not facts.case_here:
        return False
    if facts.standing.chair or target.owner_id == facts.user.pk:
        return True
    if facts.user.agency_id != target.owner_agency_id:
        return False
    return policy.is_agency_spoc(facts.user.roles) or facts.standing.member


PREDICATES = {
    PanelCapability.MANAGE_MEETING: _chair,
    PanelCapability.BUILD_AGENDA: _chair,
    PanelCapability.ADD_TO_AGENDA: _chair,
    PanelCapability.START_MEETING: _chair,
    PanelCapability.RECORD_ATTENDANCE: _chair,
    PanelCapability.INVITE_ATTENDEES: _chair,
    PanelCapability.RECORD_DECISION: _chair_reading_the_case,
    PanelCapability.OVERRIDE_QUORUM: _chair,
    PanelCapability.SIGN_MINUTES: _chair,
    PanelCapability.ADD_ADDENDUM: _member,
    PanelCapability.DECLARE_INTEREST: _member,
    PanelCapability.READ_PACK: _member,
    PanelCapability.SEE_WITHHELD_COUNTS: _member,
    PanelCapability.RECORD_ASSESSMENT: _owner_or_member_reading_the_case,
    PanelCapability.RECORD_CONSENT: _owner_or_chair_reading_the_case,
    PanelCapability.MANAGE_PLAN: _owner_or_chair_reading_the_case,
    PanelCapability.MANAGE_INTERVENTIONS: _owner_or_member_reading_the_case,
    PanelCapability.ADD_ACTION: _member_reading_the_case,
    PanelCapability.COMPLETE_ACTION: _action_holder,
}

REFUSALS = {
    PanelCapability.MANAGE_MEETING: "Only the panel's chair or deputy can add, move or cancel its meetings.",
    PanelCapability.BUILD_AGENDA: "Only the panel's chair or deputy can change the agenda.",
    PanelCapability.ADD_TO_AGENDA: "Only the panel's chair or deputy can add a case to the agenda.",
    PanelCapability.START_MEETING: "Only the panel's chair or deputy can start the meeting.",
    PanelCapability.RECORD_ATTENDANCE: "Only the panel's chair or deputy can record attendance.",
    PanelCapability.INVITE_ATTENDEES: "Only the panel's chair or deputy can invite people to the meeting.",
    PanelCapability.RECORD_DECISION: "Only the chair or deputy of this case's panel can record its decision.",
    PanelCapability.OVERRIDE_QUORUM: "Only the panel's chair or deputy can record a quorum override.",
    PanelCapability.SIGN_MINUTES: "Only the panel's chair or deputy can sign the minutes.",
    PanelCapability.ADD_ADDENDUM: "Only the panel's members can add to its minutes.",
    PanelCapability.DECLARE_INTEREST: "Only the panel's members can declare an interest at its meetings.",
    PanelCapability.READ_PACK: "The panel pack is for the panel's members.",
    PanelCapability.SEE_WITHHELD_COUNTS: "Only the panel's members see what is withheld.",
    PanelCapability.RECORD_ASSESSMENT: "Only the case owner or the panel's members can assess.",
    PanelCapability.RECORD_CONSENT: "Only the case owner or the panel's chair records consent.",
    PanelCapability.MANAGE_PLAN: "Only the case owner or the panel's chair activates the plan.",
    PanelCapability.MANAGE_INTERVENTIONS: "Only the case owner or the panel's members can change interventions.",
    PanelCapability.ADD_ACTION: "Only the panel's members can record actions.",
    PanelCapability.COMPLETE_ACTION: "Only the owning agency or the panel's chair can complete this action.",
}


def can(
    user: Viewer | None,
    capability: PanelCapability,
    target: Target,
    *,
    standing: Standing | None = None,
    reads: bool | None = None,
) -> bool:
    if user is None or not policy.is_case_worker(user):
        return False
    return PREDICATES[capability](Facts(user, target, standing=standing, reads=reads))


def require(user: Viewer, capability: PanelCapability, target: Target) -> None:
    """PermissionDenied (403) when the user may not. About a case: NotFound (404) when the case does
    not exist for them, and "Break-glass gives reading only." when they read it only that way
    (``policy.require_capability``). Whether they may open the meeting at all is the caller's first
    question (``panels.selectors``)."""
    allowed = can(user, capability, target)
    case = _case_of(target)
    if case is not None:
        policy.require_capability(user, case.referral, allowed=allowed, refusal=REFUSALS[capability])
    elif not allowed:
        raise PermissionDenied(REFUSALS[capability])


# --- How much of a meeting a person reaches --------------------------------------------------------------


def reaches_whole_meeting(user: Viewer | None, panel: Panel) -> bool:
    """The panel's chair or deputy, or anyone of a member agency: the whole meeting (each item still
    only when they read its case). One query at most."""
    if user is None or not policy.is_case_worker(user):
        return False
    if user.pk in (panel.chair_id, panel.deputy_chair_id):
        return True
    agency_id = user.agency_id
    return agency_id is not None and PanelMembership.objects.filter(panel_id=panel.pk, agency_id=agency_id).exists()


def guest_items(user: Viewer | None, meeting: Meeting, *, standing: Standing | None = None) -> frozenset[int] | None:
    """None when the user reaches the whole meeting; else the agenda items they are invited to as a
    guest (a non-member agency or an intervention provider invited for one item), and nothing else of
    the meeting exists for them: no other item, name or count. At most two queries (none for the chair)."""
    if standing is not None and (standing.chair or standing.member):
        return None
    if reaches_whole_meeting(user, meeting.panel):
        return None
    if user is None or not policy.is_case_worker(user):
        return frozenset()
    return frozenset(
        Invitation.objects.filter(meeting_id=meeting.pk, person_id=user.pk, item__isnull=False).values_list(
            "item_id", flat=True
        )
    )


def reads_pack(user: Viewer | None, meeting: Meeting, *, standing: Standing, guest: frozenset[int] | None) -> bool:
    """The pack is for the panel's members, and for a guest their item's papers alone."""
    return can(user, PanelCapability.READ_PACK, meeting.panel, standing=standing) or bool(guest)


# --- Who may be named ---------------------------------------------------------------------------------


def possible_chairs() -> QuerySet[User]:
    """People the partnership may name as a panel's chair or deputy: active, with an agency, holding the role."""
    return User.objects.filter(is_active=True, agency__isnull=False, roles__contains=[Role.PANEL_CHAIR])


def may_attend(person: Any) -> bool:
    """Someone who can be invited, or recorded as attending for their agency: an active case worker."""
    return policy.is_case_worker(person)
