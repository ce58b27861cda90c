"""The national Prevent and Channel statistics vocabulary (the Home Office's Prevent Case Management
Tracker, PCMT, from 2024/25): the codes each dimension may use, the seed of their labels and
versions, and how Convene's own answers map onto them. docs/adr/0029 says where each list comes from.

Codes are national: a partnership cannot invent them (``NATIONAL_CODES`` is checked by
``StatisticsCategory.clean``). Labels, sort order and the dates a version is valid are data, seeded
by ``referrals/migrations/0007`` from ``SEED`` and changed by a later data migration when the Home
Office changes a list: a new version gets new rows with its ``valid_from``, the old rows get a
``valid_until``, and every referral keeps pointing at the row it was recorded with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.db import models


class Dimension(models.TextChoices):
    CONCERN_TYPE = "concern_type", "Type of concern"
    SOURCE_SECTOR = "source_sector", "Referral source sector"
    AGE_BAND = "age_band", "Age band"
    GENDER = "gender", "Gender"
    ETHNIC_GROUP = "ethnic_group", "Ethnic group (ONS 2021, high level)"
    ETHNICITY = "ethnicity", "Ethnicity (ONS 2021)"
    NEED = "need", "Mental-health and neurodiversity needs"
    CONSENT = "consent", "Consent"
    OUTCOME = "outcome", "Outcome"
    EXIT_REASON = "exit_reason", "Exit reason"


class Row(NamedTuple):
    code: str
    label: str
    parent: str = ""
    """For an ethnicity, the code of its ONS high-level group."""
    age_from: int | None = None
    age_to: int | None = None
    unknown: bool = False
    """An answer that records nothing about the person: "Not known", "Prefer not to say"."""


class Version(NamedTuple):
    dimension: str
    version: str
    valid_from: dt.date
    valid_until: dt.date | None
    rows: tuple[Row, ...]


PCMT = "2024-25"
PCMT_FROM = dt.date(2024, 4, 1)
NOT_KNOWN = "not_known"
PREFER_NOT_TO_SAY = "prefer_not_to_say"
NONE_IDENTIFIED = "none_identified"

_NOT_KNOWN = Row(NOT_KNOWN, "Not known", unknown=True)
_PREFER_NOT = Row(PREFER_NOT_TO_SAY, "Prefer not to say", unknown=True)

CONCERN_TYPES = (
    Row("islamist", "Islamist"),
    Row("extreme_right_wing", "Extreme right-wing"),
    Row("left_wing_anarchist_single_issue", "Left-wing, anarchist or single-issue"),
    Row("conflicted", "Conflicted"),
    Row("school_massacre", "School massacre"),
    Row("incel", "Incel"),
    Row("no_ideology_or_ct_risk", "Vulnerability present but no ideology or counter-terrorism risk"),
    Row("other", "Other"),
    _NOT_KNOWN,
)
SOURCE_SECTORS = (
    Row("education", "Education"),
    Row("police", "Police"),
    Row("local_authority", "Local authority"),
    Row("health", "Health"),
    Row("community", "Community (including faith groups)"),
    Row("family_or_friend", "Family, friends or the public"),
    Row("prisons_probation", "Prisons and probation"),
    Row("other", "Other"),
)
AGE_BANDS_2023 = (
    Row("under_15", "Under 15", age_from=0, age_to=14),
    Row("15_17", "15 to 17", age_from=15, age_to=17),
    Row("18_20", "18 to 20", age_from=18, age_to=20),
    Row("21_30", "21 to 30", age_from=21, age_to=30),
    Row("31_40", "31 to 40", age_from=31, age_to=40),
    Row("41_50", "41 to 50", age_from=41, age_to=50),
    Row("over_50", "Over 50", age_from=51),
)
AGE_BANDS_2024 = (
    Row("10_or_under", "10 or under", age_from=0, age_to=10),
    Row("11_15", "11 to 15", age_from=11, age_to=15),
    Row("16_17", "16 to 17", age_from=16, age_to=17),
    *AGE_BANDS_2023[2:],
)
GENDERS = (
    Row("female", "Female"),
    Row("male", "Male"),
    Row("other", "In another way"),
    _NOT_KNOWN,
    _PREFER_NOT,
)
ETHNIC_GROUPS = (
    Row("asian", "Asian, Asian British or Asian Welsh"),
    Row("black", "Black, Black British, Black Welsh, Caribbean or African"),
    Row("mixed", "Mixed or Multiple ethnic groups"),
    Row("white", "White"),
    Row("other", "Other ethnic group"),
)
ETHNICITIES = (
    Row("asian_bangladeshi", "Bangladeshi", "asian"),
    Row("asian_chinese", "Chinese", "asian"),
    Row("asian_indian", "Indian", "asian"),
    Row("asian_pakistani", "Pakistani", "asian"),
    Row("asian_other", "Any other Asian background", "asian"),
    Row("black_african", "African", "black"),
    Row("black_caribbean", "Caribbean", "black"),
    Row("black_other", "Any other Black, Black British or Caribbean background", "black"),
    Row("mixed_white_asian", "White and Asian", "mixed"),
    Row("mixed_white_black_african", "White and Black African", "mixed"),
    Row("mixed_white_black_caribbean", "White and Black Caribbean", "mixed"),
    Row("mixed_other", "Any other Mixed or Multiple ethnic background", "mixed"),
    Row("white_british", "English, Welsh, Scottish, Northern Irish or British", "white"),
    Row("white_irish", "Irish", "white"),
    Row("white_gypsy_traveller", "Gypsy or Irish Traveller", "white"),
    Row("white_roma", "Roma", "white"),
    Row("white_other", "Any other White background", "white"),
    Row("other_arab", "Arab", "other"),
    Row("other_any", "Any other ethnic group", "other"),
    _NOT_KNOWN,
    _PREFER_NOT,
)
NEEDS = (
    Row("autism", "Autistic spectrum disorder"),
    Row("adhd", "Attention deficit hyperactivity disorder (ADHD)"),
    Row("learning_disability", "Learning disability or difficulty"),
    Row("other_neurodivergence", "Other neurodivergence"),
    Row("mental_ill_health", "Mental ill health (for example depression, anxiety, psychosis)"),
    Row("other", "Other mental-health need"),
    Row(NONE_IDENTIFIED, "None identified", unknown=True),
    _NOT_KNOWN,
)
CONSENTS = (
    Row("given", "Given"),
    Row("refused", "Refused"),
    Row("withdrawn", "Withdrawn"),
    Row("not_yet_sought", "Not asked yet"),
    _NOT_KNOWN,
)
OUTCOMES = (
    Row("not_suitable", "Not suitable for Prevent: no further action"),
    Row("signposted", "Not suitable for Prevent: signposted to other support"),
    Row("discussed_at_panel", "Discussed at a Channel panel"),
    Row("adopted", "Adopted as a Channel case"),
    Row("exited", "Exited Channel"),
    Row("escalated_police_led", "Escalated to police-led case management"),
)
EXIT_REASONS = (
    Row("risk_reduced", "Risk reduced or managed"),
    Row("consent_withdrawn", "Consent withdrawn"),
    Row("moved_out_of_area", "Moved out of the area"),
    Row("escalated_police_led", "Escalated to police-led case management"),
    Row("other", "Other"),
)

SEED: tuple[Version, ...] = (
    Version(Dimension.CONCERN_TYPE, PCMT, PCMT_FROM, None, CONCERN_TYPES),
    Version(Dimension.SOURCE_SECTOR, PCMT, PCMT_FROM, None, SOURCE_SECTORS),
    Version(Dimension.AGE_BAND, "2023-24", dt.date(2015, 4, 1), dt.date(2024, 3, 31), AGE_BANDS_2023),
    Version(Dimension.AGE_BAND, PCMT, PCMT_FROM, None, AGE_BANDS_2024),
    Version(Dimension.GENDER, PCMT, PCMT_FROM, None, GENDERS),
    Version(Dimension.ETHNIC_GROUP, "ons-2021", dt.date(2021, 3, 21), None, ETHNIC_GROUPS),
    Version(Dimension.ETHNICITY, "ons-2021", dt.date(2021, 3, 21), None, ETHNICITIES),
    Version(Dimension.NEED, PCMT, PCMT_FROM, None, NEEDS),
    Version(Dimension.CONSENT, PCMT, PCMT_FROM, None, CONSENTS),
    Version(Dimension.OUTCOME, PCMT, PCMT_FROM, None, OUTCOMES),
    Version(Dimension.EXIT_REASON, PCMT, PCMT_FROM, None, EXIT_REASONS),
)
"""Every version of every list. A migration seeds them; only a migration changes the codes."""

NATIONAL_CODES: dict[str, frozenset[str]] = {
    dimension: frozenset(row.code for version in SEED if version.dimension == dimension for row in version.rows)
    for dimension in Dimension.values
}

# --- Convene's own answers on the national lists ------------------------------------------------------

CONCERN_TYPE_OF_IDEOLOGY: dict[str, str] = {
    "islamist": "islamist",
    "extreme_right_wing": "extreme_right_wing",
    "left_wing": "left_wing_anarchist_single_issue",
    "mixed": "conflicted",
    "conflicted": "conflicted",
    "other": "other",
}
"""Convene's first type-of-concern answers (``Referral.ideology``) on the PCMT list. "School massacre or
incel" is one answer that the PCMT splits in two: it maps to neither, so those referrals have no
recorded type until someone records it (the old answer is kept in ``ideology``)."""

IDEOLOGY_OF_CONCERN_TYPE: dict[str, str] = {
    "islamist": "islamist",
    "extreme_right_wing": "extreme_right_wing",
    "left_wing_anarchist_single_issue": "left_wing",
    "conflicted": "conflicted",
    "school_massacre": "school_massacre_incel",
    "incel": "school_massacre_incel",
    "other": "other",
}
"""The other way, so ``Referral.ideology`` (still in the API's output) keeps answering for new referrals;
a type the old list had no word for leaves it blank."""

SOURCE_SECTOR_OF_AGENCY_KIND: dict[str, str] = {
    "education": "education",
    "police": "police",
    "childrens_services": "local_authority",
    "adult_services": "local_authority",
    "youth_offending": "local_authority",
    "housing": "local_authority",
    "health": "health",
    "voluntary_sector": "community",
    "probation": "prisons_probation",
    "fire_and_rescue": "other",
    "intervention_provider": "other",
    "other": "other",
}
"""The sector a referral comes from, by default, from the referring agency's kind (the referrer may
change it: a member of the public reaches Convene through an agency)."""

OUTCOME_OF_INTERNAL: dict[str, str] = {
    "SCR-NFA": "not_suitable",
    "SCR-SIGN": "signposted",
    "PNL-NOTADOPT": "discussed_at_panel",
    "PNL-ADOPT": "adopted",
    "EXIT-RISK": "exited",
    "EXIT-CONSENT": "exited",
    "EXIT-MOVED": "exited",
    "EXIT-OTHER": "exited",
    "EXIT-POLICE": "escalated_police_led",
    "CLOSED-REVIEW": "exited",
}
"""``referrals.models.Outcome`` (the outcome code of every closure and decision) on the PCMT outcomes."""

EXIT_REASON_OF_INTERNAL: dict[str, str] = {
    "EXIT-RISK": "risk_reduced",
    "EXIT-CONSENT": "consent_withdrawn",
    "EXIT-MOVED": "moved_out_of_area",
    "EXIT-POLICE": "escalated_police_led",
    "EXIT-OTHER": "other",
}


def seed_national_lists(category: Any) -> int:
    """Create every row of ``SEED`` that ``category`` (the model, or its historical version in a
    migration) lacks, by (dimension, version, code); never changes a row that exists, as labels are data.
    Run by the seeding migration and after every ``migrate`` and test flush (``ReferralsConfig``).
    How many rows it created."""
    created = 0
    for version in SEED:
        for sort, row in enumerate(version.rows, start=1):
            parent = None
            if row.parent:
                parent = category.objects.get(
                    dimension=Dimension.ETHNIC_GROUP, version=version.version, code=row.parent
                )
            _, made = category.objects.get_or_create(
                dimension=version.dimension,
                version=version.version,
                code=row.code,
                defaults={
                    "label": row.label,
                    "valid_from": version.valid_from,
                    "valid_until": version.valid_until,
                    "sort": sort,
                    "parent": parent,
                    "age_from": row.age_from,
                    "age_to": row.age_to,
                    "unknown": row.unknown,
                },
            )
            created += made
    return created
