"""Partnership statistics for a calendar year or quarter, with disclosure control that holds.

Counts only, never case content. A count of 1 to 4 is never shown (primary suppression),
and a table never leaves a lone suppressed cell that its total and the other cells would
give away (secondary suppression: the next smallest cell is suppressed with it). A total
of 1 to 4 is suppressed too. Periods are whole calendar years or quarters only, so no two
periods differ by a day that would reveal one referral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from cases.models import Case, CaseStatus
from core.audit import record_event
from core.errors import ValidationError
from core.models import AuditVerb
from partnership.models import AgencyKind, Role, User
from referrals.models import Ideology, Outcome, Referral, ReferralStatus

SMALL = range(1, 5)
"""Counts that are never shown."""
PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")
READERS = frozenset({Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: suppressed
    suppressed: bool


@dataclass(frozen=True)
class Table:
    name: str
    rows: list[Cell]
    total: int | None


def may_read_statistics(viewer: User) -> bool:
    """Chairs, partnership admins and auditors: aggregates only, so no case-working grant is needed."""
    return bool(viewer.is_authenticated and viewer.is_active and READERS & set(viewer.roles))


def parse_period(value: str | None) -> Period:
    """``2026`` (a calendar year) or ``2026-Q3`` (a calendar quarter); anything else is refused."""
    match = PERIOD.match((value or "").strip())
    if match is None or not 2000 <= int(match["year"]) <= 2100:
        raise ValidationError({"period": ["Give a calendar year (2026) or quarter (2026-Q3)."]})
    year = int(match["year"])
    if match["quarter"] is None:
        return Period(label=str(year), start=date(year, 1, 1), end=date(year, 12, 31))
    quarter = int(match["quarter"])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1).replace(day=1)
    return Period(label=f"{year}-Q{quarter}", start=start, end=date.fromordinal(end.toordinal() - 1))


def suppress(name: str, counts: list[tuple[str, int]]) -> Table:
    """One table with primary and secondary suppression (see the module's docstring)."""
    total = sum(n for _, n in counts)
    hidden = {i for i, (_, n) in enumerate(counts) if n in SMALL}
    if len(hidden) == 1:
        # A lone hidden cell = total - the rest: hide the smallest other non-zero cell with it.
        others = sorted((n, i) for i, (_, n) in enumerate(counts) if i not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    rows = [
        Cell(label=label, count=None if i in hidden else n, suppressed=i in hidden)
        for i, (label, n) in enumerate(counts)
    ]
    shown_total: int | None = total
    if total in SMALL or (len(hidden) == 1):
        # Only when nothing else could be hidden beside the lone cell: then the total would give it away.
        shown_total = None
    return Table(name=name, rows=rows, total=shown_total)


def _submitted_in(period: Period) -> QuerySet[Referral]:
    return Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(
        submitted_at__date__gte=period.start, submitted_at__date__lte=period.end
    )


def _by(queryset: QuerySet[Referral], field: str, labels: dict[str, str], missing: str) -> list[tuple[str, int]]:
    found = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    rows = [(label, found.pop(code, 0)) for code, label in labels.items()]
    unrecorded = sum(found.values())
    if unrecorded:
        rows.append((missing, unrecorded))
    return rows


def _outcomes(submitted: QuerySet[Referral]) -> list[tuple[str, int]]:
    """Where each referral of the period stands now: one row each, so the rows add up to the total."""
    cases = Case.objects.filter(referral__in=submitted)
    exited = cases.filter(status__in=[CaseStatus.EXITED, CaseStatus.REVIEWED_6_MONTHS, CaseStatus.CLOSED])
    escalated = exited.filter(outcome=Outcome.EXIT_ESCALATED).count()
    return [
        (
            "Awaiting screening",
            submitted.filter(status__in=[ReferralStatus.SUBMITTED, ReferralStatus.SCREENING]).count(),
        ),
        ("Screening: no further action", submitted.filter(status=ReferralStatus.CLOSED).count()),
        ("Screening: signposted to another service", submitted.filter(status=ReferralStatus.SIGNPOSTED).count()),
        (
            "Accepted, waiting for the panel",
            cases.filter(status__in=[CaseStatus.INFORMATION_GATHERING, CaseStatus.DISCUSSED]).count(),
        ),
        ("Not adopted by the panel", cases.filter(status=CaseStatus.NOT_ADOPTED).count()),
        (
            "Adopted: support under way",
            cases.filter(status__in=[CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE]).count(),
        ),
        ("Exited: escalated to police-led management", escalated),
        ("Exited: other reasons", exited.count() - escalated),
    ]


def partnership_statistics(*, viewer: User, period: str | None) -> tuple[Period, list[Table]]:
    """The partnership's referrals submitted in the period, as suppressed tables. Audited as a disclosure."""
    parsed = parse_period(period)
    submitted = _submitted_in(parsed)
    tables = [
        suppress(
            "Referrals by referring sector", _by(submitted, "owning_agency__kind", dict(AgencyKind.choices), "Other")
        ),
        suppress("Referrals by type of concern", _by(submitted, "ideology", dict(Ideology.choices), "Not recorded")),
        suppress("Outcomes", _outcomes(submitted)),
    ]
    record_event(
        actor=viewer, verb=AuditVerb.EXPORTED, object_type="report.statistics", details={"period": parsed.label}
    )
    return parsed, tables
