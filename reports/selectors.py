"""Partnership statistics: counts only, never case content, suppressed by ``reports.disclosure``.

Aggregates are not reads of any record (no grant is needed, ``reports.permissions`` decides by role);
what protects each person behind them is the disclosure control. Every figure about the referrals of
a period comes from the year's grid of its dimension (``reports.dimensions``), so a quarter, its year
and every table about the same referrals are suppressed together, for pages, CSV, PDF and the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractQuarter
from django.utils import timezone

from cases.lifecycle import PRE_PANEL, SUPPORTED
from cases.models import Case, InformationRequest, RequestStatus
from core.audit import record_event
from core.models import AuditVerb
from panels.models import Action, ActionStatus, Attendance, Meeting, MeetingStatus
from partnership.models import Agency, PanelMembership, User
from referrals.models import Rag, Referral, ReferralStatus
from reports import permissions
from reports.dimensions import COHORT_DIMENSIONS, FUNNEL, OUTCOME, SCREENING_CLOCK, Dimension, counted_on
from reports.disclosure import QUARTERS, Period, Table, YearGrid, parse_period, suppress, suppress_year

LAST_MEETINGS = 6
"""Attendance is shown over the last few meetings held."""


def may_read_statistics(viewer: User) -> bool:
    """Chairs, partnership admins and auditors: aggregates only, so no case-working grant is needed."""
    return permissions.can_read_statistics(viewer)


# --- the referrals of a period -----------------------------------------------------------------------


def _submitted_in_year(year: int) -> QuerySet[Referral]:
    return Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(submitted_at__year=year)


def _year_grid(dimension: Dimension, year: int) -> YearGrid:
    """One query: the dimension's counts by quarter of submission, suppressed as one grid."""
    found = (
        _submitted_in_year(year)
        .annotate(category=dimension.expression(), quarter=ExtractQuarter("submitted_at"))
        .values_list("category", "quarter")
        .annotate(n=Count("pk"))
        .order_by()
    )
    row_of = {code: r for r, code in enumerate(dimension.codes)}
    counts = [[0] * QUARTERS for _ in dimension.codes]
    for code, quarter, n in found:
        counts[row_of.get(code, len(counts) - 1)][quarter - 1] += n
    return suppress_year(dimension.name, dimension.labels, counts)


@dataclass(frozen=True)
class Statistics:
    """A period's published tables, and the year's grids they come from (for the per-quarter views)."""

    period: Period
    grids: list[YearGrid]

    @property
    def tables(self) -> list[Table]:
        return [grid.table(self.period) for grid in self.grids]

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)

    def grid(self, name: str) -> YearGrid:
        return next(grid for grid in self.grids if grid.name == name)

    @property
    def funnel(self) -> list[tuple[str, int | None]]:
        """Referred -> screened -> discussed -> adopted -> exited: each stage a sum of outcome rows,
        shown only when the published rows already give it (so it reveals nothing more)."""
        outcomes = self.table(OUTCOME.name)
        by_code = dict(zip(OUTCOME.codes, outcomes.rows, strict=True))
        stages: list[tuple[str, int | None]] = []
        for label, codes in FUNNEL:
            inside = [cell.count for code, cell in by_code.items() if code in codes]
            outside = [cell.count for code, cell in by_code.items() if code not in codes]
            if None not in inside:
                stages.append((label, sum(n for n in inside if n is not None)))
            elif None not in outside and outcomes.total is not None:
                stages.append((label, outcomes.total - sum(n for n in outside if n is not None)))
            else:
                stages.append((label, None))
        return stages

    @property
    def screening_compliance(self) -> int | None:
        """Per cent of screened referrals screened within the clock, when both counts are shown."""
        rows = self.table(SCREENING_CLOCK.name).rows
        within, late = rows[0].count, rows[1].count
        if within is None or late is None or within + late == 0:
            return None
        return round(100 * within / (within + late))


def partnership_statistics(*, viewer: User, period: str | None) -> Statistics:
    """The partnership's referrals submitted in the period, as suppressed tables. Audited as a disclosure.
    Raises ``ValidationError`` for anything but a calendar year or quarter."""
    parsed = parse_period(period)
    # One version of every national list for the whole year (the one valid on its first day), so a
    # quarter and its year count on the same categories: two partitions of the same referrals (the old
    # and the new age bands) would give away their small differences.
    first_day = dt.date(parsed.year, 1, 1)
    grids = [_year_grid(d, parsed.year) for d in counted_on(COHORT_DIMENSIONS, first_day)]
    statistics = Statistics(period=parsed, grids=grids)
    record_event(
        actor=viewer, verb=AuditVerb.EXPORTED, object_type="report.statistics", details={"period": parsed.label}
    )
    return statistics


# --- the partnership today ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    agency: str
    present: int
    meetings: int


@dataclass(frozen=True)
class Operations:
    """Figures as of today (not for a period): snapshot tables, each suppressed on its own."""

    caseload: Table
    overdue_requests: Table
    overdue_actions: Table
    attendance: list[AttendanceRow]
    meetings: int

    @property
    def tables(self) -> list[Table]:
        return [self.caseload, self.overdue_requests, self.overdue_actions]


def _counts(queryset: QuerySet[Any], field: str) -> dict[Any, int]:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())


def _by_agency(name: str, counts: dict[Any, int], agencies: list[Agency]) -> Table:
    return suppress(name, [(agency.name, counts.get(agency.pk, 0)) for agency in agencies])


def _attendance(agencies: list[Agency]) -> tuple[list[AttendanceRow], int]:
    held_meetings = Meeting.objects.filter(
        status__in=[MeetingStatus.CLOSED, MeetingStatus.IN_PROGRESS], scheduled_at__lte=timezone.now()
    ).order_by("-scheduled_at")[:LAST_MEETINGS]
    held = list(held_meetings.values_list("pk", "panel_id"))
    present = dict(
        Attendance.objects.filter(meeting__in=held_meetings.values("pk"), present=True)
        .values_list("agency_id")
        .annotate(n=Count("meeting_id", distinct=True))
        .order_by()
    )
    expected: dict[int, int] = {}
    for agency_id, panel_id in PanelMembership.objects.values_list("agency_id", "panel_id"):
        expected[agency_id] = expected.get(agency_id, 0) + sum(1 for _, p in held if p == panel_id)
    rows = [
        AttendanceRow(agency=a.name, present=present.get(a.pk, 0), meetings=expected[a.pk])
        for a in agencies
        if expected.get(a.pk)
    ]
    return rows, len(held)


def partnership_operations(*, viewer: User, today: dt.date | None = None) -> Operations:
    """Open caseload by RAG, overdue requests and actions by agency, and panel attendance by agency
    over the last meetings held. Audited as a disclosure."""
    today = today or timezone.localdate()
    agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
    rag = _counts(Case.objects.filter(status__in=[*PRE_PANEL, *SUPPORTED]), "referral__rag")
    caseload = suppress(
        "Open cases by RAG rating",
        [*((label, rag.get(code, 0)) for code, label in Rag.choices), ("Not rated", rag.get("", 0))],
    )
    requests = InformationRequest.objects.filter(
        status__in=[RequestStatus.OPEN, RequestStatus.ASSIGNED], due_date__lt=today
    )
    actions = Action.objects.filter(status=ActionStatus.OPEN, due_date__lt=today)
    attendance, meetings = _attendance(agencies)
    operations = Operations(
        caseload=caseload,
        overdue_requests=_by_agency("Overdue information requests by agency", _counts(requests, "agency"), agencies),
        overdue_actions=_by_agency("Overdue actions by agency", _counts(actions, "owner_agency"), agencies),
        attendance=attendance,
        meetings=meetings,
    )
    record_event(actor=viewer, verb=AuditVerb.EXPORTED, object_type="report.operations", details={})
    return operations
