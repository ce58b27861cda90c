"""The chair's dashboard: everything a chair needs before the next meeting, cut to what they may read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from cases.lifecycle import REQUEST_OPEN, SUPPORTED
from cases.models import Case, InformationRequest
from core.errors import NotFound
from panels import lifecycle
from panels.models import (
    Action,
    ActionStatus,
    Discussion,
    Meeting,
)
from panels.permissions import Standing, standing_on
from panels.rules import quorum
from panels.selectors.agenda import Agenda, agenda_for, panels_for
from partnership.models import User
from referrals.lifecycle import UNDECIDED
from referrals.models import Referral
from sharing import policy


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
    panels = [
        panel
        for panel in panels_for(viewer=viewer).filter(Q(chair=viewer) | Q(deputy_chair=viewer))
        if standing_on(viewer, panel).chair
    ]
    if not panels:
        raise NotFound("Not found.")
    readable_referrals = policy.visible(viewer, Referral.objects.all()).values("pk")
    today = timezone.localdate()
    upcoming = (
        Meeting.objects.filter(panel__in=panels, scheduled_at__date__gte=today, signed_at__isnull=True)
        .filter(status__in=lifecycle.MEETING_OPEN)
        .select_related("panel")
        .order_by("scheduled_at")
        .first()
    )
    agenda = (
        agenda_for(viewer=viewer, meeting=upcoming, standing=Standing(chair=True, member=True)) if upcoming else None
    )
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
