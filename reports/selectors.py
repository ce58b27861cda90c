"""Partnership statistics for a calendar year or quarter: counts only, never case content,
suppressed by ``reports.disclosure``."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from cases.models import Case, CaseStatus
from core.audit import record_event
from core.models import AuditVerb
from partnership.models import AgencyKind, User
from referrals.models import Ideology, Outcome, Referral, ReferralStatus
from reports import permissions
from reports.disclosure import Period, Table, parse_period, suppress


def may_read_statistics(viewer: User) -> bool:
    """Chairs, partnership admins and auditors: aggregates only, so no case-working grant is needed."""
    return permissions.can_read_statistics(viewer)


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
