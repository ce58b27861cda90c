"""Reads for panels: schedules, agendas, the panel pack and the chair's dashboard.
Every read of case content goes through sharing.policy for THIS viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.lifecycle import CASE_TRANSITIONS, OPEN, REQUEST_OPEN, SUPPORTED
from cases.models import Case, CaseStatus, InformationRequest
from core.audit import record_event
from core.errors import NotFound
from core.models import AuditVerb
from panels import lifecycle
from panels.lifecycle import PLAN_TRANSITIONS
from panels.models import (
    Action,
    ActionStatus,
    Addendum,
    AgendaItem,
    Assessment,
    AssessmentRating,
    Attendance,
    ConsentPurpose,
    ConsentRecord,
    ConsentStatus,
    Declaration,
    Dimension,
    Discussion,
    Intervention,
    Meeting,
    MeetingStatus,
    PlanStatus,
    PostExitReview,
    SupportPlan,
)
from panels.services import Quorum, is_panel_chair, is_panel_member, is_under_18, quorum
from partnership.models import CASE_WORKING_ROLES, Agency, Panel, User
from referrals.lifecycle import UNDECIDED
from referrals.models import ChronologyEntry, Referral
from referrals.selectors import Chronology, ChronologyItem
from sharing import policy


def panels_for(*, viewer: User) -> QuerySet[Panel]:
    """Panels the viewer chairs or whose member agencies include the viewer's agency."""
    if not viewer.is_active:
        return Panel.objects.none()
    return (
        Panel.objects.filter(
            Q(chair=viewer) | Q(deputy_chair=viewer) | Q(memberships__agency_id=viewer.agency_id or -1)
        )
        .distinct()
        .select_related("chair")
        .order_by("name")
    )


def meetings_for(*, viewer: User, upcoming_only: bool = False) -> QuerySet[Meeting]:
    meetings = Meeting.objects.filter(panel__in=panels_for(viewer=viewer)).select_related("panel")
    if upcoming_only:
        meetings = meetings.filter(scheduled_at__gte=timezone.now() - dt.timedelta(hours=12))
    return meetings.order_by("scheduled_at")


def access_meeting(*, viewer: User, meeting_id: Any) -> Meeting:
    try:
        pk = int(meeting_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    meeting = meetings_for(viewer=viewer).filter(pk=pk).select_related("panel__chair", "signed_by").first()
    if meeting is None:
        raise NotFound("Not found.")
    return meeting


@dataclass
class AgendaRow:
    item: AgendaItem
    case: Case
    outstanding_requests: int


@dataclass
class Agenda:
    meeting: Meeting
    rows: list[AgendaRow]
    withheld: int  # items on cases the viewer may not read


def agenda_for(*, viewer: User, meeting: Meeting) -> Agenda:
    """The agenda as this viewer may see it: items on cases they cannot read are counted, not shown.

    Fixed number of queries whatever the number of items.
    """
    items = list(
        meeting.items.select_related("case__referral__subject", "case__owner")
        .prefetch_related(
            Prefetch(
                "case__information_requests",
                queryset=InformationRequest.objects.filter(status__in=REQUEST_OPEN),
                to_attr="outstanding",
            )
        )
        .order_by("position", "id")
    )
    readable = set(
        policy.visible(viewer, Referral.objects.filter(pk__in=[i.case_id for i in items])).values_list("pk", flat=True)
    )
    rows = [
        AgendaRow(item=i, case=i.case, outstanding_requests=len(i.case.outstanding))  # type: ignore[attr-defined]
        for i in items
        if i.case_id in readable
    ]
    if rows:
        record_event(
            actor=viewer, verb=AuditVerb.LIST_VIEWED, obj=meeting, details={"agenda": [r.case.pk for r in rows]}
        )
    return Agenda(meeting=meeting, rows=rows, withheld=len(items) - len(rows))


@dataclass
class PackCase:
    case: Case
    item: AgendaItem
    latest_assessment: Assessment | None
    changes: list[dict[str, Any]]
    plan: SupportPlan | None
    overdue_actions: list[Action]
    chronology: Any


@dataclass
class PanelPack:
    meeting: Meeting
    reader: User
    generated_at: dt.datetime
    cases: list[PackCase] = field(default_factory=list)
    withheld: int = 0


def assessment_changes(latest: Assessment, previous: Assessment | None) -> list[dict[str, Any]]:
    """Factor by factor, what changed since the previous version."""
    if previous is None:
        return []
    before = {r.factor_id: r for r in previous.ratings.all()}
    out = []
    for rating in latest.ratings.all():
        old = before.get(rating.factor_id)
        if old is None or old.rating != rating.rating:
            out.append({"factor": rating.factor.name, "was": old.rating if old else None, "now": rating.rating})
    return out


def panel_pack_for(*, viewer: User, meeting: Meeting) -> PanelPack:
    """The pack for ONE reader: only what they could open in the app, at their clearance.

    Audited as a disclosure. A fixed number of queries whatever the number of cases.
    """
    agenda = agenda_for(viewer=viewer, meeting=meeting)
    pack = PanelPack(meeting=meeting, reader=viewer, generated_at=timezone.now(), withheld=agenda.withheld)
    case_ids = [row.case.pk for row in agenda.rows]
    assessments: dict[int, list[Assessment]] = {}
    for a in (
        policy.visible_children(viewer, Assessment.objects.filter(case_id__in=case_ids))
        .prefetch_related("ratings__factor")
        .order_by("case_id", "-version")
    ):
        assessments.setdefault(a.case_id, []).append(a)
    plans = {
        p.case_id: p
        for p in SupportPlan.objects.filter(case_id__in=case_ids).prefetch_related("interventions__provider")
    }
    overdue: dict[int, list[Action]] = {}
    for action in Action.objects.filter(
        case_id__in=case_ids, status=ActionStatus.OPEN, due_date__lt=timezone.localdate()
    ).select_related("owner_agency"):
        overdue.setdefault(action.case_id, []).append(action)
    chronologies = significant_chronologies(viewer=viewer, referral_ids=case_ids)
    for row in agenda.rows:
        versions = assessments.get(row.case.pk, [])
        latest = versions[0] if versions else None
        previous = versions[1] if len(versions) > 1 else None
        pack.cases.append(
            PackCase(
                case=row.case,
                item=row.item,
                latest_assessment=latest,
                changes=assessment_changes(latest, previous) if latest else [],
                plan=plans.get(row.case.pk),
                overdue_actions=overdue.get(row.case.pk, []),
                chronology=chronologies[row.case.pk],
            )
        )
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        obj=meeting,
        details={"panel_pack": case_ids, "withheld": agenda.withheld},
    )
    return pack


@dataclass
class Dashboard:
    next_meeting: Meeting | None
    agenda: Agenda | None
    quorum: Any
    cases_due_review: list[Case]
    overdue_actions: list[Action]
    overdue_requests: list[InformationRequest]
    clocks_at_risk: list[Referral]
    recent_decisions: list[Any]


def chair_dashboard(*, viewer: User) -> Dashboard:
    """Everything a chair needs before the next meeting, cut to what the chair may read."""
    panels = list(panels_for(viewer=viewer).filter(Q(chair=viewer) | Q(deputy_chair=viewer)))
    if not panels:
        raise NotFound("Not found.")
    readable_referrals = policy.visible(viewer, Referral.objects.all()).values("pk")
    upcoming = (
        Meeting.objects.filter(panel__in=panels, scheduled_at__gte=timezone.now(), signed_at__isnull=True)
        .filter(status__in=lifecycle.MEETING_OPEN)
        .select_related("panel")
        .order_by("scheduled_at")
        .first()
    )
    agenda = agenda_for(viewer=viewer, meeting=upcoming) if upcoming else None
    today = timezone.localdate()
    cases = Case.objects.filter(panel__in=panels, referral__in=readable_referrals)
    return Dashboard(
        next_meeting=upcoming,
        agenda=agenda,
        quorum=quorum(upcoming) if upcoming else None,
        cases_due_review=list(cases.filter(status__in=SUPPORTED).select_related("referral__subject")[:50]),
        overdue_actions=list(
            Action.objects.filter(case__in=cases, status=ActionStatus.OPEN, due_date__lt=today).select_related(
                "case", "owner_agency"
            )[:50]
        ),
        overdue_requests=list(
            InformationRequest.objects.filter(
                case__in=cases, status__in=REQUEST_OPEN, due_date__lt=today
            ).select_related("case", "agency")[:50]
        ),
        clocks_at_risk=list(
            policy.visible(
                viewer,
                Referral.objects.filter(
                    status__in=UNDECIDED, screening_due_at__lt=timezone.now() + dt.timedelta(days=2)
                ),
            ).select_related("subject")[:50]
        ),
        recent_decisions=list(
            policy.visible_children(viewer, Discussion.objects.filter(item__case__in=cases))
            .select_related("item__case", "item__meeting")
            .order_by("-decided_at")[:10]
        ),
    )


# --- pages and API: panels, the meeting record, the case's panel record ----------------------
# (Additions for the panel pages and API. Each takes the viewer and answers only what they may read.)


def access_panel(*, viewer: User, panel_id: Any) -> Panel:
    """A panel the viewer chairs or belongs to; the same 404 for missing and not-theirs."""
    try:
        pk = int(panel_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    panel = panels_for(viewer=viewer).filter(pk=pk).first()
    if panel is None:
        raise NotFound("Not found.")
    return panel


def schedule_for(*, viewer: User, panel: Panel) -> list[Meeting]:
    """Every meeting of a panel the viewer already opened with ``access_panel`` (no case content)."""
    return list(Meeting.objects.filter(panel=panel).order_by("scheduled_at", "id"))


def panels_with_members_for(*, viewer: User) -> list[Panel]:
    """The viewer's panels with their member agencies (two queries)."""
    return list(panels_for(viewer=viewer).prefetch_related("memberships__agency"))


def member_agencies(panel: Panel) -> list[Agency]:
    """The agencies that attend: every member agency and the chair's (and deputy's) own."""
    chairs = [pk for pk in (panel.chair_id, panel.deputy_chair_id) if pk]
    return list(
        Agency.objects.filter(Q(panel_memberships__panel=panel) | Q(users__pk__in=chairs)).distinct().order_by("name")
    )


def _readable_case_ids(viewer: User, case_ids: Iterable[int | None]) -> set[int]:
    ids = {pk for pk in case_ids if pk is not None}
    if not ids:
        return set()
    return set(policy.visible(viewer, Referral.objects.filter(pk__in=ids)).values_list("pk", flat=True))


@dataclass
class MeetingItem:
    """One agenda item as the viewer may see it, with its recorded decision and actions."""

    row: AgendaRow
    discussion: Discussion | None
    decision_withheld: bool  # a decision is recorded above the viewer's clearance
    actions: list[Action]

    @property
    def item(self) -> AgendaItem:
        return self.row.item

    @property
    def case(self) -> Case:
        return self.row.case

    @property
    def is_open(self) -> bool:
        return self.discussion is None and not self.decision_withheld and not self.row.item.deferred


@dataclass
class AttendanceRow:
    agency: Agency
    record: Attendance | None
    people: list[User]


@dataclass
class MeetingRecord:
    meeting: Meeting
    agenda: Agenda
    items: list[MeetingItem]
    attendance: list[AttendanceRow]
    quorum: Quorum
    declarations: list[tuple[Declaration, Case | None]]
    addenda: list[tuple[Addendum, Case | None]]
    is_chair: bool
    is_member: bool
    addable_cases: list[Case]

    @property
    def can_start(self) -> bool:
        return self.is_chair and lifecycle.meeting_can_become(self.meeting, MeetingStatus.IN_PROGRESS)

    @property
    def can_close(self) -> bool:
        return self.is_chair and lifecycle.meeting_can_become(self.meeting, MeetingStatus.CLOSED)

    @property
    def can_decide(self) -> bool:
        return self.is_chair and lifecycle.decisions_allowed(self.meeting)

    @property
    def people(self) -> list[User]:
        """Users of the attending agencies (for attendee and action-owner choices)."""
        return [person for row in self.attendance for person in row.people]

    def item(self, item_id: Any) -> MeetingItem:
        for entry in self.items:
            if str(entry.item.pk) == str(item_id):
                return entry
        raise NotFound("Not found.")


def _meeting_items(viewer: User, meeting: Meeting, agenda: Agenda) -> list[MeetingItem]:
    """Each readable item with its decision (if the viewer may read it) and the case's actions."""
    case_ids = [row.case.pk for row in agenda.rows]
    item_ids = [row.item.pk for row in agenda.rows]
    discussions = {
        d.item_id: d
        for d in policy.visible_children(viewer, Discussion.objects.filter(item_id__in=item_ids)).select_related(
            "created_by"
        )
    }
    decided = set(Discussion.objects.filter(item_id__in=item_ids).values_list("item_id", flat=True))
    actions: dict[int, list[Action]] = {}
    for action in (
        Action.objects.filter(case_id__in=case_ids)
        .filter(Q(meeting=meeting) | Q(status=ActionStatus.OPEN))
        .select_related("owner_agency", "owner")
        .order_by("due_date", "id")
    ):
        actions.setdefault(action.case_id, []).append(action)
    return [
        MeetingItem(
            row=row,
            discussion=discussions.get(row.item.pk),
            decision_withheld=row.item.pk in decided and row.item.pk not in discussions,
            actions=actions.get(row.case.pk, []),
        )
        for row in agenda.rows
    ]


def _attendance(meeting: Meeting, *, member: bool) -> list[AttendanceRow]:
    """Every attending agency with its record and, for members while the meeting is open, its case workers."""
    agencies = member_agencies(meeting.panel)
    present = {a.agency_id: a for a in meeting.attendance.select_related("attendee")}
    people: dict[int, list[User]] = {}
    if member and not meeting.is_sealed:
        for person in (
            User.objects.filter(agency__in=agencies, is_active=True)
            .select_related("agency")
            .order_by("first_name", "last_name")
        ):
            if CASE_WORKING_ROLES.intersection(person.roles):
                people.setdefault(person.agency_id or 0, []).append(person)
    return [AttendanceRow(agency=a, record=present.get(a.pk), people=people.get(a.pk, [])) for a in agencies]


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


def meeting_record(*, viewer: User, meeting: Meeting) -> MeetingRecord:
    """The live record of a meeting the viewer opened with ``access_meeting``: agenda, decisions,
    actions, attendance, declarations and addenda, cut to what the viewer may read.

    A fixed number of queries whatever the number of items.
    """
    chair = is_panel_chair(viewer, meeting.panel)
    agenda = agenda_for(viewer=viewer, meeting=meeting)
    items = _meeting_items(viewer, meeting, agenda)
    member = is_panel_member(viewer, meeting.panel)
    attendance = _attendance(meeting, member=member)
    declarations = list(meeting.declarations.select_related("user__agency", "case").order_by("created_at", "id"))
    addenda = list(meeting.addenda.select_related("author__agency", "case"))
    mentioned = _readable_case_ids(viewer, [d.case_id for d in declarations] + [a.case_id for a in addenda])
    return MeetingRecord(
        meeting=meeting,
        agenda=agenda,
        items=items,
        attendance=attendance,
        quorum=quorum(meeting),
        declarations=[(d, d.case if d.case_id in mentioned else None) for d in declarations],
        # An addendum about a case the viewer cannot read does not exist for them.
        addenda=[
            (a, a.case if a.case_id in mentioned else None) for a in addenda if not a.case_id or a.case_id in mentioned
        ],
        is_chair=chair,
        is_member=member,
        addable_cases=_addable_cases(viewer, meeting) if chair and lifecycle.meeting_is_open(meeting) else [],
    )


def access_agenda_item(*, viewer: User, item_id: Any) -> AgendaItem:
    """An agenda item of a meeting the viewer may open, on a case they may read; else 404."""
    try:
        pk = int(item_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    item = (
        AgendaItem.objects.filter(pk=pk, meeting__in=meetings_for(viewer=viewer))
        .select_related("meeting__panel", "case")
        .first()
    )
    if item is None or not _readable_case_ids(viewer, [item.case_id]):
        raise NotFound("Not found.")
    return item


@dataclass
class AssessmentVersion:
    assessment: Assessment
    previous_version: int | None
    changes: list[dict[str, Any]]
    dimensions: list[tuple[str, list[AssessmentRating]]]


@dataclass
class CasePanelRecord:
    """Everything panel-side about one case, as the viewer may read it."""

    case: Case
    consents: list[ConsentRecord]  # newest first
    current_consent: dict[str, str]  # purpose -> status
    consent_withdrawn: bool
    under_18: bool
    assessments: list[AssessmentVersion]  # newest first
    assessments_withheld: int
    plan: SupportPlan | None
    interventions: list[Intervention]
    actions: list[Action]
    post_exit_reviews: list[PostExitReview]
    decisions: list[Discussion]
    decisions_withheld: int
    is_chair: bool
    is_member: bool
    is_owner: bool

    @property
    def can_record_consent(self) -> bool:
        return self.is_owner or self.is_chair

    @property
    def can_contribute(self) -> bool:
        return self.is_owner or self.is_member

    @property
    def can_activate_plan(self) -> bool:
        """The form is offered to who may activate, while the case can become support-active."""
        return (
            self.can_record_consent
            and CaseStatus.SUPPORT_ACTIVE in CASE_TRANSITIONS[self.case.status]
            and PlanStatus.ACTIVE in PLAN_TRANSITIONS[self.plan.status if self.plan else PlanStatus.DRAFT]
        )

    @property
    def latest_assessment(self) -> AssessmentVersion | None:
        return self.assessments[0] if self.assessments else None

    @property
    def channel_consent(self) -> str:
        return self.current_consent.get(ConsentPurpose.CHANNEL_SUPPORT, ConsentStatus.NOT_SOUGHT)


def _by_dimension(ratings: Iterable[AssessmentRating]) -> list[tuple[str, list[AssessmentRating]]]:
    grouped: dict[str, list[AssessmentRating]] = {value: [] for value in Dimension.values}
    for rating in sorted(ratings, key=lambda r: (r.factor.position, r.factor_id)):
        grouped[rating.factor.dimension].append(rating)
    return [(str(Dimension(d).label), rows) for d, rows in grouped.items() if rows]


def case_panel_record(*, viewer: User, case: Case) -> CasePanelRecord:
    """The panel record of a case the viewer opened with ``cases.selectors.access_case``.

    Consent, plan, interventions, actions and reviews belong to the case and are read with it;
    assessments and decisions carry their own classification and are cut to the viewer's.
    """
    consents = list(
        ConsentRecord.objects.filter(case=case).select_related("recorded_by").order_by("-recorded_at", "-id")
    )
    current: dict[str, str] = {}
    for record in consents:
        current.setdefault(record.purpose, record.status)
    assessments = list(
        policy.visible_children(viewer, Assessment.objects.filter(case=case))
        .select_related("created_by", "owning_agency")
        .prefetch_related("ratings__factor")
        .order_by("-version")
    )
    versions = []
    for index, version in enumerate(assessments):
        older = assessments[index + 1] if index + 1 < len(assessments) else None
        versions.append(
            AssessmentVersion(
                assessment=version,
                previous_version=older.version if older else None,
                changes=assessment_changes(version, older),
                dimensions=_by_dimension(version.ratings.all()),
            )
        )
    plan = SupportPlan.objects.filter(case=case).first()
    decisions_qs = Discussion.objects.filter(item__case=case)
    decisions = list(
        policy.visible_children(viewer, decisions_qs).select_related("item__meeting").order_by("-decided_at")
    )
    panel = case.panel
    return CasePanelRecord(
        case=case,
        consents=consents,
        current_consent=current,
        consent_withdrawn=current.get(ConsentPurpose.CHANNEL_SUPPORT) == ConsentStatus.WITHDRAWN,
        under_18=is_under_18(case),
        assessments=versions,
        assessments_withheld=policy.withheld_children(viewer, Assessment.objects.filter(case=case)).count(),
        plan=plan,
        interventions=list(plan.interventions.select_related("provider").order_by("starts_on", "id")) if plan else [],
        actions=list(
            Action.objects.filter(case=case)
            .select_related("owner_agency", "owner", "meeting")
            .order_by("status", "due_date", "id")
        ),
        post_exit_reviews=list(PostExitReview.objects.filter(case=case).order_by("stage")),
        decisions=decisions,
        decisions_withheld=policy.withheld_children(viewer, decisions_qs).count(),
        is_chair=is_panel_chair(viewer, panel),
        is_member=is_panel_member(viewer, panel),
        is_owner=case.owner_id == viewer.pk,
    )


def actions_for_case(*, viewer: User, case: Case) -> list[Action]:
    """Actions on a case the viewer already opened."""
    return list(Action.objects.filter(case=case).select_related("owner_agency", "owner").order_by("due_date", "id"))


def consents_for_case(*, viewer: User, case: Case) -> list[ConsentRecord]:
    """The consent ledger of a case the viewer already opened, oldest first."""
    return list(ConsentRecord.objects.filter(case=case).select_related("recorded_by").order_by("recorded_at", "id"))


def support_plan_for(*, viewer: User, case: Case) -> tuple[SupportPlan | None, list[Intervention]]:
    """The plan and its interventions for a case the viewer already opened."""
    plan = SupportPlan.objects.filter(case=case).prefetch_related("interventions__provider").first()
    return plan, list(plan.interventions.all()) if plan else []


def access_action(*, viewer: User, action_id: Any) -> Action:
    """An action on a case the viewer may read; else 404."""
    try:
        pk = int(action_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    action = Action.objects.select_related("case", "owner_agency", "owner").filter(pk=pk).first()
    if action is None or not _readable_case_ids(viewer, [action.case_id]):
        raise NotFound("Not found.")
    return action


def access_intervention(*, viewer: User, intervention_id: Any) -> Intervention:
    try:
        pk = int(intervention_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc
    intervention = Intervention.objects.select_related("plan__case", "provider").filter(pk=pk).first()
    if intervention is None or not _readable_case_ids(viewer, [intervention.plan.case_id]):
        raise NotFound("Not found.")
    return intervention


def significant_chronologies(*, viewer: User, referral_ids: list[int]) -> dict[int, Chronology]:
    """``chronology_for(significant_only=True, audit=False)`` for many readable records at once:
    three queries whatever their number (entries, their documents, the withheld counts)."""
    if not referral_ids:
        return {}
    entries = ChronologyEntry.objects.filter(referral_id__in=referral_ids, significant=True)
    shown = (
        policy.visible_children(viewer, entries, summary_field="releasable_summary")
        .select_related("owning_agency", "created_by")
        .prefetch_related("documents")
        .order_by("occurred_at", "id")
    )
    withheld = dict(
        policy.withheld_children(viewer, entries, summary_field="releasable_summary")
        .order_by()
        .values_list("referral_id")
        .annotate(n=Count("id"))
    )
    out = {pk: Chronology(items=[], withheld=withheld.get(pk, 0)) for pk in referral_ids}
    for entry in shown:
        out[entry.referral_id].items.append(ChronologyItem(entry=entry, full=policy.reads_in_full(viewer, entry)))
    return out
