"""The live record of a meeting as one viewer may see it, and what they may do there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from cases.lifecycle import OPEN
from cases.models import Case
from core.errors import NotFound, id_or_not_found
from panels import lifecycle
from panels.models import (
    Action,
    ActionStatus,
    Addendum,
    AgendaItem,
    Attendance,
    AttendeeStatus,
    Declaration,
    Discussion,
    Invitation,
    Meeting,
    MeetingStatus,
)
from panels.permissions import PanelCapability, Standing, can, guest_items, may_attend, reads_pack, standing_on
from panels.rules import Quorum, quorum, quorum_of
from panels.selectors.actions import ActionReview, actions_review_for
from panels.selectors.agenda import Agenda, AgendaRow, agenda_for, attending_agencies, readable_case_ids
from partnership.models import Agency, Panel, User
from referrals.models import Referral
from sharing import policy


@dataclass
class MeetingItem:
    """One agenda item as the viewer may see it, with its recorded decision, its actions, and what the
    viewer may do with it."""

    row: AgendaRow
    discussion: Discussion | None
    decided: bool  # a decision is recorded, whether or not the viewer may read it
    counts_shown: bool  # the viewer may know that a decision is withheld from them (SEE_WITHHELD_COUNTS)
    actions: list[Action]
    may_decide: bool = False
    may_add_action: bool = False
    completable: frozenset[int] = frozenset()  # the actions the viewer may mark as done

    @property
    def item(self) -> AgendaItem:
        return self.row.item

    @property
    def case(self) -> Case:
        return self.row.case

    @property
    def decision_withheld(self) -> bool | None:
        """A decision is recorded above the viewer's clearance (None: not for this viewer to know)."""
        if not self.counts_shown:
            return None
        return self.decided and self.discussion is None

    @property
    def is_open(self) -> bool:
        return not self.decided and not self.row.item.deferred


@dataclass
class AttendanceRow:
    agency: Agency
    record: Attendance | None
    people: list[User]


@dataclass
class MeetingRecord:
    """A meeting as one viewer may see it, with what they may do there (``allowed``: the panel
    capabilities they hold on its panel, from ``panels.permissions``)."""

    meeting: Meeting
    agenda: Agenda
    items: list[MeetingItem]
    attendance: list[AttendanceRow]
    quorum: Quorum
    declarations: list[tuple[Declaration, Case | None]]
    addenda: list[tuple[Addendum, Case | None]]
    standing: Standing
    allowed: frozenset[PanelCapability]
    addable_cases: list[Case]
    actions: ActionReview | None  # what the meeting looks back on (``with_actions``), else None
    completable: frozenset[int]  # of the carried-forward actions, those the viewer may close
    guest: frozenset[int] | None  # a guest's items (nothing else of the meeting is theirs); None: not a guest
    invitations: list[Invitation]  # who is invited (a guest: only their own)
    my_invitation: Invitation | None
    pack_readable: bool  # ``panels.permissions.reads_pack``

    def _may(self, capability: PanelCapability) -> bool:
        return capability in self.allowed

    @property
    def is_open(self) -> bool:
        return lifecycle.meeting_is_open(self.meeting)

    @property
    def can_manage(self) -> bool:
        return self._may(PanelCapability.MANAGE_MEETING)

    @property
    def can_build(self) -> bool:
        return self._may(PanelCapability.BUILD_AGENDA) and self.is_open

    @property
    def can_add_to_agenda(self) -> bool:
        return self._may(PanelCapability.ADD_TO_AGENDA) and self.is_open and bool(self.addable_cases)

    @property
    def can_record_attendance(self) -> bool:
        return self._may(PanelCapability.RECORD_ATTENDANCE) and self.is_open

    @property
    def can_start(self) -> bool:
        return self._may(PanelCapability.START_MEETING) and lifecycle.meeting_can_start(self.meeting)

    @property
    def starts_later(self) -> bool:
        """The chair would start it, but its day has not come."""
        return (
            self._may(PanelCapability.START_MEETING)
            and lifecycle.meeting_can_become(self.meeting, MeetingStatus.IN_PROGRESS)
            and not self.can_start
        )

    @property
    def can_close(self) -> bool:
        return (
            self._may(PanelCapability.SIGN_MINUTES)
            and lifecycle.meeting_can_become(self.meeting, MeetingStatus.CLOSED)
            and self.quorum.may_decide
        )

    @property
    def can_decide(self) -> bool:
        """Decisions are open: the meeting is in progress and quorate (or overridden). Each item says
        whether this viewer may decide it."""
        return lifecycle.decisions_allowed(self.meeting) and self.quorum.may_decide

    @property
    def waits_for_quorum(self) -> bool:
        """The chair's warning: the meeting is in progress, but decisions and signing wait for a quorum."""
        return (
            self._may(PanelCapability.OVERRIDE_QUORUM)
            and lifecycle.decisions_allowed(self.meeting)
            and not self.quorum.may_decide
        )

    @property
    def can_override_quorum(self) -> bool:
        return (
            self._may(PanelCapability.OVERRIDE_QUORUM)
            and self.is_open
            and not self.quorum.met
            and not self.quorum.overridden
        )

    @property
    def can_declare(self) -> bool:
        return self._may(PanelCapability.DECLARE_INTEREST) and self.is_open

    @property
    def can_add_addendum(self) -> bool:
        return self._may(PanelCapability.ADD_ADDENDUM) and self.meeting.is_sealed

    @property
    def can_read_pack(self) -> bool:
        return self.pack_readable

    @property
    def readable_item_ids(self) -> frozenset[int]:
        """The items the viewer reads (a guest's item is named to others only when they read its case)."""
        return frozenset(entry.item.pk for entry in self.items)

    @property
    def is_guest(self) -> bool:
        return self.guest is not None

    @property
    def can_invite(self) -> bool:
        return self._may(PanelCapability.INVITE_ATTENDEES) and self.is_open

    @property
    def invitable(self) -> list[User]:
        """People of the attending agencies not invited yet (for the chair's invitation to the whole meeting)."""
        invited = {i.person_id for i in self.invitations}
        return [person for person in self.people if person.pk not in invited]

    @property
    def may_confirm_confidentiality(self) -> bool:
        """The viewer is invited, has not confirmed yet, and the meeting is in progress."""
        return (
            self.my_invitation is not None
            and not self.my_invitation.confirmed
            and lifecycle.decisions_allowed(self.meeting)
        )

    @property
    def confidentiality_open(self) -> bool:
        """The chair may record confirmations: the meeting is in progress."""
        return self.can_record_attendance and lifecycle.decisions_allowed(self.meeting)

    @property
    def unconfirmed(self) -> list[Invitation]:
        """Present attendees who have not confirmed the confidentiality statement."""
        return [i for i in self.invitations if i.status == AttendeeStatus.PRESENT and not i.confirmed]

    @property
    def people(self) -> list[User]:
        """Users of the attending agencies (for attendee and action-owner choices)."""
        return [person for row in self.attendance for person in row.people]

    def item(self, item_id: Any) -> MeetingItem:
        for entry in self.items:
            if str(entry.item.pk) == str(item_id):
                return entry
        raise NotFound("Not found.")


MEETING_CAPABILITIES = (
    PanelCapability.MANAGE_MEETING,
    PanelCapability.BUILD_AGENDA,
    PanelCapability.ADD_TO_AGENDA,
    PanelCapability.START_MEETING,
    PanelCapability.RECORD_ATTENDANCE,
    PanelCapability.INVITE_ATTENDEES,
    PanelCapability.OVERRIDE_QUORUM,
    PanelCapability.SIGN_MINUTES,
    PanelCapability.ADD_ADDENDUM,
    PanelCapability.DECLARE_INTEREST,
    PanelCapability.READ_PACK,
    PanelCapability.SEE_WITHHELD_COUNTS,
)
"""The capabilities asked of a panel (not of one case), shown on the meeting's pages."""


def _allowed(viewer: User, panel: Panel, standing: Standing) -> frozenset[PanelCapability]:
    return frozenset(c for c in MEETING_CAPABILITIES if can(viewer, c, panel, standing=standing))


def _item_rights(viewer: User, item: MeetingItem, standing: Standing, is_open: bool) -> MeetingItem:
    """What the viewer may do with one item of a readable case (its case is read by grant: it is on the agenda rows)."""
    decide = can(viewer, PanelCapability.RECORD_DECISION, item.item, standing=standing, reads=True)
    item.may_decide = decide and item.is_open
    item.may_add_action = is_open and can(viewer, PanelCapability.ADD_ACTION, item.case, standing=standing, reads=True)
    item.completable = frozenset(
        a.pk for a in item.actions if can(viewer, PanelCapability.COMPLETE_ACTION, a, standing=standing, reads=True)
    )
    return item


def _meeting_items(viewer: User, meeting: Meeting, agenda: Agenda, standing: Standing) -> list[MeetingItem]:
    """Each readable item with its decision (if the viewer may read it), the case's actions, and the
    viewer's rights. Two queries (one when no item is decided)."""
    case_ids = [row.case.pk for row in agenda.rows]
    decided_ids = [row.item.pk for row in agenda.rows if row.decided]
    discussions = (
        {
            d.item_id: d
            for d in policy.visible_children(viewer, Discussion.objects.filter(item_id__in=decided_ids)).select_related(
                "created_by"
            )
        }
        if decided_ids
        else {}
    )
    actions: dict[int, list[Action]] = {}
    for action in (
        Action.objects.filter(case_id__in=case_ids)
        .filter(Q(meeting=meeting) | Q(status=ActionStatus.OPEN))
        .select_related("case", "owner_agency", "owner")
        .order_by("due_date", "id")
    ):
        actions.setdefault(action.case_id, []).append(action)
    is_open = lifecycle.meeting_is_open(meeting)
    return [
        _item_rights(
            viewer,
            MeetingItem(
                row=row,
                discussion=discussions.get(row.item.pk),
                decided=row.decided,
                counts_shown=agenda.withheld is not None,
                actions=actions.get(row.case.pk, []),
            ),
            standing,
            is_open,
        )
        for row in agenda.rows
    ]


def _attendance(meeting: Meeting, *, member: bool) -> tuple[list[AttendanceRow], Quorum]:
    """Every attending agency with its record and, for members while the meeting is open, its case
    workers; and the quorum they make (``quorum_of``: no query of its own). Three queries (two
    without the people)."""
    agencies = attending_agencies(meeting)
    present = {a.agency_id: a for a in meeting.attendance.select_related("attendee")}
    people: dict[int, list[User]] = {}
    if member and not meeting.is_sealed:
        for person in (
            User.objects.filter(agency__in=agencies, is_active=True)
            .select_related("agency")
            .order_by("first_name", "last_name")
        ):
            if may_attend(person):
                people.setdefault(person.agency_id or 0, []).append(person)
    counting = [
        (agency.kind, present[agency.pk].attendee_id)
        for agency in agencies
        if agency.counts_for_quorum and agency.pk in present and present[agency.pk].present  # type: ignore[attr-defined]
    ]
    rows = [AttendanceRow(agency=a, record=present.get(a.pk), people=people.get(a.pk, [])) for a in agencies]
    return rows, quorum_of(meeting, counting)


def _addable_cases(viewer: User, meeting: Meeting) -> list[Case]:
    """The panel's open cases the viewer may read that are not on this agenda yet."""
    panel = meeting.panel
    return list(
        Case.objects.filter(
            panel=panel,
            status__in=OPEN,
            referral__in=policy.visible(viewer, Referral.objects.filter(case__panel=panel)),
        )
        .exclude(agenda_items__meeting=meeting)
        .select_related("referral__subject")
        .order_by("reference")
    )


def meeting_record(*, viewer: User, meeting: Meeting, with_actions: bool = False) -> MeetingRecord:
    """The live record of a meeting the viewer opened with ``access_meeting``: agenda, decisions,
    actions (with those carried forward from earlier meetings), attendance, declarations and addenda, cut to what the viewer may read, and what the
    viewer may do there.

    ``with_actions`` adds the actions it looks back on (``actions_review_for``: one query more), for
    the meeting page. A fixed number of queries whatever the number of items.
    """
    standing = standing_on(viewer, meeting.panel)
    guest = guest_items(viewer, meeting, standing=standing)
    if guest is not None:
        return _guest_record(viewer, meeting, standing, guest)
    record = _member_record(viewer, meeting, standing, agenda_for(viewer=viewer, meeting=meeting, standing=standing))
    declarations = list(meeting.declarations.select_related("user__agency", "case").order_by("created_at", "id"))
    addenda = list(meeting.addenda.select_related("author__agency", "case"))
    mentioned = readable_case_ids(viewer, [d.case_id for d in declarations] + [a.case_id for a in addenda])
    addable = PanelCapability.ADD_TO_AGENDA in record.allowed and lifecycle.meeting_is_open(meeting)
    actions = actions_review_for(viewer=viewer, meeting=meeting) if with_actions else None
    record.declarations = [(d, d.case if d.case_id in mentioned else None) for d in declarations]
    # An addendum about a case the viewer cannot read does not exist for them.
    record.addenda = [
        (a, a.case if a.case_id in mentioned else None) for a in addenda if not a.case_id or a.case_id in mentioned
    ]
    record.addable_cases = _addable_cases(viewer, meeting) if addable else []
    record.actions = actions
    # Read through the grant: ``actions_review_for`` keeps only the cases the viewer reads so.
    record.completable = frozenset(
        a.pk
        for a in (actions.carried_forward if actions else [])
        if can(viewer, PanelCapability.COMPLETE_ACTION, a, standing=standing, reads=True)
    )
    return record


def item_record(*, viewer: User, meeting: Meeting, item_id: Any) -> MeetingRecord:
    """The record behind one agenda item's page and forms: ``meeting_record`` cut to that item (its
    agenda is the item alone, with its decision, actions and the viewer's rights), with the attendance
    (the quorum, the people an action may name) and the invitations; no declarations, addenda, cases
    to add or actions looked back on. ``NotFound`` (through ``MeetingRecord.item``) unless the viewer
    reads the item. Not audited here: the item's page audits its read of the case (``item_brief``)."""
    pk = id_or_not_found(item_id)
    standing = standing_on(viewer, meeting.panel)
    guest = guest_items(viewer, meeting, standing=standing)
    if guest is not None:
        return _guest_record(viewer, meeting, standing, guest, item_id=pk)
    agenda = agenda_for(viewer=viewer, meeting=meeting, standing=standing, item_id=pk, audit=False)
    return _member_record(viewer, meeting, standing, agenda)


def _member_record(viewer: User, meeting: Meeting, standing: Standing, agenda: Agenda) -> MeetingRecord:
    """What a member's (or the chair's) record of the meeting always holds: the ``agenda``'s items,
    attendance and quorum, invitations and rights; the meeting page adds the rest."""
    allowed = _allowed(viewer, meeting.panel, standing)
    attendance, met = _attendance(meeting, member=standing.member)
    invitations = list(
        meeting.invitations.select_related("person__agency", "item").order_by(
            "person__agency__name", "person__first_name", "id"
        )
    )
    return MeetingRecord(
        guest=None,
        pack_readable=reads_pack(viewer, meeting, standing=standing, guest=None),
        invitations=invitations,
        my_invitation=next((i for i in invitations if i.person_id == viewer.pk), None),
        meeting=meeting,
        agenda=agenda,
        items=_meeting_items(viewer, meeting, agenda, standing),
        attendance=attendance,
        quorum=met,
        declarations=[],
        addenda=[],
        standing=standing,
        allowed=allowed,
        addable_cases=[],
        actions=None,
        completable=frozenset(),
    )


def _guest_record(
    viewer: User, meeting: Meeting, standing: Standing, guest: frozenset[int], item_id: int | None = None
) -> MeetingRecord:
    """A guest's meeting: their items alone (``item_id``: that one of them), their own invitation, and
    nothing else of it (no other item, attendee, declaration, addendum, action or count)."""
    agenda = agenda_for(
        viewer=viewer, meeting=meeting, standing=standing, guest=guest, item_id=item_id, audit=item_id is None
    )
    mine = list(meeting.invitations.filter(person=viewer).select_related("person__agency", "item"))
    return MeetingRecord(
        meeting=meeting,
        agenda=agenda,
        items=_meeting_items(viewer, meeting, agenda, standing),
        attendance=[],
        quorum=quorum(meeting),
        declarations=[],
        addenda=[],
        standing=standing,
        allowed=frozenset(),
        addable_cases=[],
        actions=None,
        completable=frozenset(),
        guest=guest,
        pack_readable=reads_pack(viewer, meeting, standing=standing, guest=guest),
        invitations=mine,
        my_invitation=mine[0] if mine else None,
    )


@dataclass
class SignBlockers:
    """What stands between the chair and signed minutes, first on the sign page. Undecided items and a
    quorum not reached (without the chair's override) refuse the signature; agencies whose attendance
    is not recorded are for the chair to check (the minutes record who came)."""

    undecided: list[MeetingItem]  # items the viewer reads with no decision or deferral
    undecided_withheld: int  # the same, on cases the viewer cannot read (counted for members only)
    quorum_reasons: list[str]  # why the meeting is not quorate; empty when it may decide
    unrecorded: list[Agency]  # member agencies with no attendance recorded
    unconfirmed: list[Invitation]  # present attendees who have not confirmed the confidentiality statement

    @property
    def refuse(self) -> bool:
        return bool(self.undecided or self.undecided_withheld or self.quorum_reasons)

    @property
    def undecided_count(self) -> int:
        return len(self.undecided) + self.undecided_withheld

    def __bool__(self) -> bool:
        return self.refuse or bool(self.unrecorded) or bool(self.unconfirmed)


def sign_blockers(record: MeetingRecord) -> SignBlockers:
    """The blockers of a meeting's record as its viewer sees them: one query (the open items in all)."""
    undecided = [entry for entry in record.items if entry.is_open]
    withheld = 0
    if record.agenda.withheld:
        all_open = record.meeting.items.filter(discussion__isnull=True, deferred_reason="").count()
        withheld = max(all_open - len(undecided), 0)
    return SignBlockers(
        undecided=undecided,
        undecided_withheld=withheld,
        quorum_reasons=[] if record.quorum.may_decide else record.quorum.reasons,
        unrecorded=[row.agency for row in record.attendance if row.record is None],
        unconfirmed=record.unconfirmed,
    )
