"""Reads for panels: schedules, agendas, the panel pack and the chair's dashboard.
Every read of case content goes through sharing.policy for THIS viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.errors import NotFound
from panels.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Assessment,
    Meeting,
    MeetingStatus,
    SupportPlan,
)
from panels.services import is_panel_member, quorum
from partnership.models import Panel, User
from referrals.models import Case, InformationRequest, Referral, RequestStatus
from referrals.selectors import chronology_for
from sharing import policy
from sharing.audit import record_event
from sharing.models import AuditVerb


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
                queryset=InformationRequest.objects.filter(status__in=[RequestStatus.OPEN, RequestStatus.ASSIGNED]),
                to_attr="outstanding",
            )
        )
        .order_by("position", "id")
    )
    readable = set(
        policy.visible(viewer, Referral.objects.filter(pk__in=[i.case_id for i in items])).values_list("pk", flat=True)
    )
    rows = [
        AgendaRow(item=i, case=i.case, outstanding_requests=len(i.case.outstanding))
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

    Audited as a disclosure. Query count is fixed per case (bounded), not per entry.
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
                chronology=chronology_for(
                    viewer=viewer, referral=row.case.referral, significant_only=True, audit=False
                ),
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
    from panels.models import Discussion

    panels = list(panels_for(viewer=viewer).filter(Q(chair=viewer) | Q(deputy_chair=viewer)))
    if not panels:
        raise NotFound("Not found.")
    readable_referrals = policy.visible(viewer, Referral.objects.all()).values("pk")
    upcoming = (
        Meeting.objects.filter(panel__in=panels, scheduled_at__gte=timezone.now(), signed_at__isnull=True)
        .exclude(status=MeetingStatus.CANCELLED)
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
        cases_due_review=list(
            cases.filter(status__in=["adopted", "support_active"]).select_related("referral__subject")[:50]
        ),
        overdue_actions=list(
            Action.objects.filter(case__in=cases, status=ActionStatus.OPEN, due_date__lt=today).select_related(
                "case", "owner_agency"
            )[:50]
        ),
        overdue_requests=list(
            InformationRequest.objects.filter(
                case__in=cases, status__in=[RequestStatus.OPEN, RequestStatus.ASSIGNED], due_date__lt=today
            ).select_related("case", "agency")[:50]
        ),
        clocks_at_risk=list(
            policy.visible(
                viewer,
                Referral.objects.filter(
                    status__in=["submitted", "screening"], screening_due_at__lt=timezone.now() + dt.timedelta(days=2)
                ),
            ).select_related("subject")[:50]
        ),
        recent_decisions=list(
            Discussion.objects.filter(item__case__in=cases)
            .select_related("item__case", "item__meeting")
            .order_by("-decided_at")[:10]
        ),
    )


_ = is_panel_member
