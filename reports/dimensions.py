"""The dimensions the statistics break referrals down by, each named once.

A dimension is a table name, its categories in order (code and label) and one SQL expression that
gives every referral its category's code. Pages, the API, the Home Office return and the PDF all
count through these, so a new national field (a recorded source sector, the PCMT's concern types,
ethnicity) changes the dimension here and nothing else.

Every dimension is a partition of the referrals submitted in the period: each referral falls in
exactly one category (``missing`` catches what is not recorded), so every table's total is the
number of referrals, the same in every table (``reports.disclosure`` relies on it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from django.db.models.lookups import IsNull, LessThanOrEqual
from django.utils import timezone

from cases.models import CaseStatus
from panels.models import Discussion
from partnership.models import AgencyKind
from referrals.models import Ideology, Outcome, ReferralStatus, Sex

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

REFERRING_AGENCY = Dimension(
    name="Referrals by referring sector",
    categories=tuple(AgencyKind.choices),
    expression=lambda: _choice("owning_agency__kind", dict(AgencyKind.choices)),
    missing="Other",
)

SOURCE_SECTORS: dict[str, tuple[str, set[str]]] = {
    "education": ("Education", {AgencyKind.EDUCATION}),
    "police": ("Police", {AgencyKind.POLICE}),
    "local_authority": (
        "Local authority",
        {AgencyKind.CHILDRENS_SERVICES, AgencyKind.ADULT_SERVICES, AgencyKind.YOUTH_OFFENDING, AgencyKind.HOUSING},
    ),
    "health": ("Health", {AgencyKind.HEALTH}),
    "community": ("Community (including faith groups)", {AgencyKind.VOLUNTARY_SECTOR}),
    "family_or_friend": ("Family, friends or the public", set()),
    "prisons_probation": ("Prisons and probation", {AgencyKind.PROBATION}),
    "other": ("Other", {AgencyKind.FIRE_AND_RESCUE, AgencyKind.INTERVENTION_PROVIDER, AgencyKind.OTHER}),
}
"""The Home Office's referral source sectors, from the referring agency's kind until referrals record
their own source (a member of the public reaches Convene through an agency today)."""

SOURCE_SECTOR = Dimension(
    name="Referrals by source sector",
    categories=tuple((code, label) for code, (label, _) in SOURCE_SECTORS.items()),
    expression=lambda: _cases(
        *((Q(owning_agency__kind__in=kinds), code) for code, (_, kinds) in SOURCE_SECTORS.items() if kinds)
    ),
)

# --- the concern and the person -------------------------------------------------------------------------

CONCERN = Dimension(
    name="Referrals by type of concern",
    categories=tuple(Ideology.choices),
    expression=lambda: _choice("ideology", dict(Ideology.choices)),
)

AGE_BANDS: tuple[tuple[str, str, int], ...] = (
    ("under_15", "Under 15", 14),
    ("15_17", "15 to 17", 17),
    ("18_20", "18 to 20", 20),
    ("21_30", "21 to 30", 30),
    ("31_40", "31 to 40", 40),
    ("41_50", "41 to 50", 50),
    ("over_50", "Over 50", 200),
)
"""The age groups of the Home Office's Prevent and Channel tables: age when referred."""


def _age_band() -> Expression:
    born = Cast(F("subject__date_of_birth"), DateTimeField())
    exact = Func(F("submitted_at"), born, template="DATE_PART('year', AGE(%(expressions)s))::int")
    age = Coalesce(exact, F("subject__approximate_age"), output_field=IntegerField())
    return Case(
        When(IsNull(age, True), then=Value(MISSING)),
        *(When(LessThanOrEqual(age, high), then=Value(code)) for code, _, high in AGE_BANDS),
        default=Value(MISSING),
        output_field=CharField(),
    )


AGE = Dimension(
    name="Referrals by age",
    categories=tuple((code, label) for code, label, _ in AGE_BANDS),
    expression=_age_band,
    missing="Not known",
)

SEX = Dimension(
    name="Referrals by sex",
    categories=((Sex.FEMALE, "Female"), (Sex.MALE, "Male")),
    expression=lambda: _choice("subject__sex", {Sex.FEMALE: "Female", Sex.MALE: "Male"}),
    missing="Not known",
)

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

COHORT_DIMENSIONS = (REFERRING_AGENCY, CONCERN, OUTCOME, SOURCE_SECTOR, AGE, SEX, SCREENING_CLOCK, TIME_TO_PANEL)
"""Every table about the referrals submitted in a period, in the order pages and the API show them."""
