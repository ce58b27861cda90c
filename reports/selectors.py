"""Partnership statistics: counts only, never case content, with small numbers suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from cases.models import Case
from core.audit import record_event
from core.errors import NotFound, ValidationError
from core.models import AuditVerb
from partnership.models import AgencyKind, Role, User
from referrals.models import Ideology, Outcome, Referral, ReferralStatus

SMALL_NUMBER = 5


@dataclass
class OutcomeReport:
    by_outcome: list[tuple[str, str]]
    by_sector: list[tuple[str, str]]
    by_ideology: list[tuple[str, str]]
    total: str


def _suppress(count: int) -> str:
    """Counts under 5 are shown as '<5' so nobody can be identified from small numbers."""
    return "<5" if 0 < count < SMALL_NUMBER else str(count)


def outcome_report(*, viewer: User, start: date, end: date) -> OutcomeReport:
    """Aggregate counts for a period (no case content): chairs, partnership admins and auditors."""
    if not (
        viewer.is_active
        and (viewer.is_superuser or {Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR} & set(viewer.roles))
    ):
        raise NotFound("Not found.")
    if end < start:
        raise ValidationError({"end": ["The end of the period must be after its start"]})
    submitted = Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(
        submitted_at__date__gte=start, submitted_at__date__lte=end
    )
    outcome_labels = dict(Outcome.choices)
    by_outcome_counts: dict[str, int] = {}
    for code, count in submitted.exclude(outcome="").values_list("outcome").annotate(n=Count("id")):
        by_outcome_counts[code] = count
    for code, count in (
        Case.objects.filter(referral__in=submitted).exclude(outcome="").values_list("outcome").annotate(n=Count("pk"))
    ):
        by_outcome_counts[code] = by_outcome_counts.get(code, 0) + count
    by_outcome = [(outcome_labels[c], _suppress(n)) for c, n in sorted(by_outcome_counts.items())]
    kinds = dict(AgencyKind.choices)
    by_sector = [
        (kinds.get(kind, kind), _suppress(n))
        for kind, n in submitted.values_list("owning_agency__kind")
        .annotate(n=Count("id"))
        .order_by("owning_agency__kind")
    ]
    ideologies = dict(Ideology.choices)
    by_ideology = [
        (ideologies.get(code, "Not recorded"), _suppress(n))
        for code, n in submitted.values_list("ideology").annotate(n=Count("id")).order_by("ideology")
    ]
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        object_type="report.outcomes",
        details={"start": start.isoformat(), "end": end.isoformat()},
    )
    return OutcomeReport(
        by_outcome=by_outcome, by_sector=by_sector, by_ideology=by_ideology, total=_suppress(submitted.count())
    )


def can_read_outcome_report(viewer: User) -> bool:
    """Chairs, partnership admins and auditors (the same rule ``outcome_report`` applies)."""
    return bool(
        viewer.is_active
        and (viewer.is_superuser or {Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR} & set(viewer.roles))
    )
