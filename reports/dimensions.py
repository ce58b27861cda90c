"""The dimensions the statistics break referrals down by, each named once.

A dimension is a table name, its categories in order (code and label) and one SQL expression that
gives every referral its category's code. Pages, the API, the Home Office return and the PDF all
count through these. The national ones (source sector, type of concern, age band, gender, ethnic
group) take their categories and labels from the ``StatisticsCategory`` rows of the version valid on
the day counted (``referrals.national``, ADR 0029), so a new version of a list changes no code here.

Every dimension is a partition of the referrals submitted in the period: each referral falls in
exactly one category (``missing`` catches what is not recorded), so every table's total is the
number of referrals, the same in every table (``reports.disclosure`` relies on it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThanOrEqual
from django.utils import timezone

from cases.models import CaseStatus
from panels.models import Discussion
from partnership.models import AgencyKind
from referrals.models import Outcome, ReferralStatus, StatisticsCategory
from referrals.national import Dimension as National

MISSING = "_missing"
"""The code of the category for referrals whose field is not recorded (or has a value since retired)."""


@dataclass(frozen=True)
class Dimension:
    name: str
    categories: tuple[tuple[str, str], ...]
    expression: Callable[[], Expression]
    """Built per query: some depend on the moment of counting."""
    missing: str = "Not recorded"

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.categories] + [self.missing]

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.categories] + [MISSING]


@dataclass(frozen=True)
class NationalDimension:
    """A dimension on a national list (``referrals.national``): its categories and labels are the
    list's ``StatisticsCategory`` rows in the version valid on the day counted, never written here."""

    name: str
    national: str
    field: str = ""
    """The lookup to the recorded row's code; or else ``bands`` builds the expression from the rows."""
    bands: Callable[[tuple[StatisticsCategory, ...]], Expression] | None = None
    missing: str = "Not recorded"

    def on(self, rows: tuple[StatisticsCategory, ...]) -> Dimension:
        """The dimension counted on ``rows``, its list's categories in one version, in their order."""
        codes = {row.code: row.label for row in rows}
        bands, field = self.bands, self.field
        return Dimension(
            name=self.name,
            categories=tuple(codes.items()),
            expression=(lambda: bands(rows)) if bands else (lambda: _choice(field, codes)),
            missing=self.missing,
        )


def counted_on(dimensions: Iterable[Dimension | NationalDimension], day: dt.date) -> list[Dimension]:
    """``dimensions`` as counted in the version of each national list valid on ``day``, or for a list
    whose first version began later, in that first version (what the data recorded before it migrated
    to). One query."""
    dimensions = list(dimensions)
    lists = {d.national for d in dimensions if isinstance(d, NationalDimension)}
    not_retired = Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    found = StatisticsCategory.objects.filter(not_retired, dimension__in=lists).order_by("valid_from", "sort", "pk")
    rows: dict[str, list[StatisticsCategory]] = {name: [] for name in lists}
    for row in found:
        chosen = rows[row.dimension]
        if not chosen or chosen[0].version == row.version:
            chosen.append(row)
    return [d.on(tuple(rows[d.national])) if isinstance(d, NationalDimension) else d for d in dimensions]


def _choice(field: str, choices: dict[str, str]) -> Expression:
    """``field``'s code when it is one of ``choices``, else ``MISSING``."""
    return Case(
        When(**{f"{field}__in": list(choices)}, then=F(field)), default=Value(MISSING), output_field=CharField()
    )


def _cases(*whens: tuple[Q, str]) -> Expression:
    return Case(
        *(When(condition, then=Value(code)) for condition, code in whens),
        default=Value(MISSING),
        output_field=CharField(),
    )


# --- who referred ---------------------------------------------------------------------------------------

# The referring agency's kind (Convene's own word, not the Home Office's): the pages chart the year's
# referrals quarter by quarter from this grid, and partnerships read it beside the recorded source.
REFERRING_AGENCY = Dimension(
    name="Referrals by referring sector",
    categories=tuple(AgencyKind.choices),
    expression=lambda: _choice("owning_agency__kind", dict(AgencyKind.choices)),
    missing="Other",
)

SOURCE_SECTOR = NationalDimension(
    name="Referrals by source sector", national=National.SOURCE_SECTOR, field="source_sector__code"
)
"""The Home Office's referral source sector the referral records (by default from the referring
agency's kind, ``referrals.services.default_source_sector``; the referrer may change it)."""

# --- the concern and the person -------------------------------------------------------------------------

CONCERN = NationalDimension(
    name="Referrals by type of concern", national=National.CONCERN_TYPE, field="concern_type__code"
)


def _age_bands(bands: tuple[StatisticsCategory, ...]) -> Expression:
    born = Cast(F("subject__date_of_birth"), DateTimeField())
    exact = Func(F("submitted_at"), born, template="DATE_PART('year', AGE(%(expressions)s))::int")
    age = Coalesce(exact, F("subject__approximate_age"), output_field=IntegerField())
    return Case(
        When(IsNull(age, True), then=Value(MISSING)),
        *(
            When(
                Q(GreaterThanOrEqual(age, band.age_from or 0)) & Q(LessThanOrEqual(age, band.age_to)),
                then=Value(band.code),
            )
            if band.age_to is not None
            else When(GreaterThanOrEqual(age, band.age_from or 0), then=Value(band.code))
            for band in bands
        ),
        default=Value(MISSING),
        output_field=CharField(),
    )


AGE = NationalDimension(name="Referrals by age", national=National.AGE_BAND, bands=_age_bands, missing="Not known")
"""Age when referred, in the Home Office's age bands of the period's year (with their age limits)."""

GENDER = NationalDimension(name="Referrals by gender", national=National.GENDER, field="subject__gender_category__code")

ETHNIC_GROUP = NationalDimension(
    name="Referrals by ethnic group",
    national=National.ETHNIC_GROUP,
    field="subject__ethnicity__parent__code",
    missing="Not known or not recorded",
)
"""The ONS 2021 high-level group of the recorded ethnicity; "Not known" and "Prefer not to say" belong
to no group."""

# --- where each referral stands now ----------------------------------------------------------------------

_EXITED = Q(case__exited_at__isnull=False)
_NOT_ADOPTED = Q(case__status=CaseStatus.NOT_ADOPTED) | Q(case__status=CaseStatus.CLOSED, case__exited_at__isnull=True)

OUTCOME = Dimension(
    name="Outcomes",
    categories=(
        ("awaiting_screening", "Awaiting screening"),
        ("no_further_action", "Screening: no further action"),
        ("signposted", "Screening: signposted to another service"),
        ("awaiting_panel", "Accepted, waiting for the panel"),
        ("discussed", "Discussed at panel, no decision yet"),
        ("not_adopted", "Not adopted by the panel"),
        ("adopted", "Adopted: support under way"),
        ("exited_escalated", "Exited: escalated to police-led management"),
        ("exited_other", "Exited: other reasons"),
    ),
    expression=lambda: _cases(
        (Q(status__in=[ReferralStatus.SUBMITTED, ReferralStatus.SCREENING]), "awaiting_screening"),
        (Q(status=ReferralStatus.CLOSED), "no_further_action"),
        (Q(status=ReferralStatus.SIGNPOSTED), "signposted"),
        (_EXITED & Q(case__outcome=Outcome.EXIT_ESCALATED), "exited_escalated"),
        (_EXITED, "exited_other"),
        (_NOT_ADOPTED, "not_adopted"),
        (Q(case__status__in=[CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE]), "adopted"),
        (Q(case__status=CaseStatus.DISCUSSED), "discussed"),
        (Q(case__status=CaseStatus.INFORMATION_GATHERING), "awaiting_panel"),
    ),
    missing="Other",
)
"""One row per referral, in the order a referral moves, so that the funnel is sums of its rows."""

FUNNEL: tuple[tuple[str, frozenset[str]], ...] = (
    ("Referred", frozenset(OUTCOME.codes)),
    ("Screened", frozenset(OUTCOME.codes) - {"awaiting_screening", MISSING}),
    ("Discussed at panel", frozenset({"discussed", "not_adopted", "adopted", "exited_escalated", "exited_other"})),
    ("Adopted", frozenset({"adopted", "exited_escalated", "exited_other"})),
    ("Exited", frozenset({"exited_escalated", "exited_other"})),
)
"""Each stage of referred -> screened -> discussed -> adopted -> exited as the outcome rows it sums."""


def _screening_clock() -> Expression:
    screened = Q(screened_at__isnull=False)
    return _cases(
        (Q(screening_due_at__isnull=True), MISSING),
        (screened & Q(screened_at__lte=F("screening_due_at")), "within"),
        (screened, "late"),
        (Q(screening_due_at__gte=timezone.now()), "waiting_within"),
        (Q(screening_due_at__lt=timezone.now()), "waiting_late"),
    )


SCREENING_CLOCK = Dimension(
    name="Screening against the clock",
    categories=(
        ("within", "Screened within the clock"),
        ("late", "Screened after the clock"),
        ("waiting_within", "Not screened yet, clock running"),
        ("waiting_late", "Not screened yet, past the clock"),
    ),
    expression=_screening_clock,
    missing="No clock recorded",
)
"""The clock is the referral's screening due time, set on submission from its urgency and the
partnership's screening working days."""

WEEKS_TO_PANEL = (
    ("within_4_weeks", "Within 4 weeks", 28),
    ("4_to_8_weeks", "4 to 8 weeks", 56),
    ("8_to_12_weeks", "8 to 12 weeks", 84),
    ("over_12_weeks", "Over 12 weeks", None),
)


def _days_to_panel() -> Expression:
    first = Subquery(Discussion.objects.filter(referral=OuterRef("pk")).order_by("decided_at").values("decided_at")[:1])
    return Case(
        When(IsNull(first, True), then=Value("not_yet")),
        *(
            When(LessThanOrEqual(first, F("submitted_at") + dt.timedelta(days=days)), then=Value(code))
            for code, _, days in WEEKS_TO_PANEL
            if days is not None
        ),
        default=Value("over_12_weeks"),
        output_field=CharField(),
    )


TIME_TO_PANEL = Dimension(
    name="Time from referral to panel",
    categories=(*((code, label) for code, label, _ in WEEKS_TO_PANEL), ("not_yet", "Not discussed at panel (yet)")),
    expression=_days_to_panel,
    missing="Other",
)
"""Days from submission to the first panel discussion of the case."""

COHORT_DIMENSIONS: tuple[Dimension | NationalDimension, ...] = (
    REFERRING_AGENCY,
    CONCERN,
    OUTCOME,
    SOURCE_SECTOR,
    AGE,
    GENDER,
    ETHNIC_GROUP,
    SCREENING_CLOCK,
    TIME_TO_PANEL,
)
"""Every table about the referrals submitted in a period, in the order pages and the API show them."""
