"""The national Prevent and Channel statistics lists: seeded, versioned, national codes only, and what
referrals recorded before the lists is mapped onto them by the upgrade."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from referrals.models import Referral, StatisticsCategory
from referrals.national import Dimension

pytestmark = pytest.mark.django_db

BEFORE = [("referrals", "0005_trigram_name_search")]


def current_codes(dimension: str, on: dt.date | None = None) -> list[str]:
    return list(StatisticsCategory.objects.current(dimension, on).values_list("code", flat=True))


def test_the_pcmt_types_of_concern_are_seeded_in_order():
    assert current_codes(Dimension.CONCERN_TYPE) == [
        "islamist",
        "extreme_right_wing",
        "left_wing_anarchist_single_issue",
        "conflicted",
        "school_massacre",
        "incel",
        "no_ideology_or_ct_risk",
        "other",
        "not_known",
    ]
    label = StatisticsCategory.objects.current(Dimension.CONCERN_TYPE).get(code="no_ideology_or_ct_risk").label
    assert label == "Vulnerability present but no ideology or counter-terrorism risk"


def test_source_sectors_gender_consent_and_outcomes_are_seeded():
    assert current_codes(Dimension.SOURCE_SECTOR) == [
        "education",
        "police",
        "local_authority",
        "health",
        "community",
        "family_or_friend",
        "prisons_probation",
        "other",
    ]
    assert current_codes(Dimension.GENDER) == ["female", "male", "other", "not_known", "prefer_not_to_say"]
    assert current_codes(Dimension.CONSENT) == ["given", "refused", "withdrawn", "not_yet_sought", "not_known"]
    assert current_codes(Dimension.OUTCOME) == [
        "not_suitable",
        "signposted",
        "discussed_at_panel",
        "adopted",
        "exited",
        "escalated_police_led",
    ]


def test_ethnicity_has_the_19_ons_2021_categories_under_the_5_groups():
    groups = StatisticsCategory.objects.current(Dimension.ETHNIC_GROUP)
    assert [g.label for g in groups] == [
        "Asian, Asian British or Asian Welsh",
        "Black, Black British, Black Welsh, Caribbean or African",
        "Mixed or Multiple ethnic groups",
        "White",
        "Other ethnic group",
    ]
    named = StatisticsCategory.objects.current(Dimension.ETHNICITY).filter(unknown=False)
    assert named.count() == 19
    assert {g.code: g.children.count() for g in groups} == {"asian": 5, "black": 3, "mixed": 4, "white": 5, "other": 2}
    assert set(
        StatisticsCategory.objects.current(Dimension.ETHNICITY).filter(unknown=True).values_list("code", flat=True)
    ) == {"not_known", "prefer_not_to_say"}


def test_age_bands_are_versioned_by_the_date_they_apply():
    assert current_codes(Dimension.AGE_BAND, dt.date(2024, 3, 31))[:2] == ["under_15", "15_17"]
    assert current_codes(Dimension.AGE_BAND, dt.date(2024, 4, 1))[:3] == ["10_or_under", "11_15", "16_17"]
    band = StatisticsCategory.objects.current(Dimension.AGE_BAND, dt.date(2025, 1, 1)).get(code="11_15")
    assert (band.age_from, band.age_to, band.version) == (11, 15, "2024-25")


def test_a_partnership_cannot_invent_a_national_code_but_may_relabel():
    invented = StatisticsCategory(
        dimension=Dimension.CONCERN_TYPE,
        code="local_gangs",
        label="Gangs",
        version="2024-25",
        valid_from=dt.date(2024, 4, 1),
    )
    with pytest.raises(ValidationError) as raised:
        invented.full_clean()
    assert "code" in raised.value.message_dict
    islamist = StatisticsCategory.objects.current(Dimension.CONCERN_TYPE).get(code="islamist")
    islamist.label = "Islamist (PCMT)"
    islamist.full_clean()


# --- the upgrade ----------------------------------------------------------------------------------------

OLD_ANSWERS = [
    # ideology, the referring agency's kind, the type of concern and source sector expected
    ("islamist", "education", "islamist", "education"),
    ("extreme_right_wing", "police", "extreme_right_wing", "police"),
    ("left_wing", "childrens_services", "left_wing_anarchist_single_issue", "local_authority"),
    ("mixed", "health", "conflicted", "health"),
    ("conflicted", "voluntary_sector", "conflicted", "community"),
    ("other", "probation", "other", "prisons_probation"),
    ("school_massacre_incel", "fire_and_rescue", None, "other"),
    ("", "housing", None, "local_authority"),
]


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    state = executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return state.apps


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_maps_every_old_answer_and_keeps_every_row():
    old = migrate(BEFORE)
    agency_model, group_model = old.get_model("partnership", "Agency"), old.get_model("auth", "Group")
    person_model, referral_model = old.get_model("referrals", "Person"), old.get_model("referrals", "Referral")
    ids = {}
    for i, (ideology, kind, _, _) in enumerate(OLD_ANSWERS):
        group = group_model.objects.create(name=f"old-layout-agency-{i}")
        agency = agency_model.objects.create(name=f"Agency {i}", kind=kind, group=group)
        person = person_model.objects.create(given_name=f"Old{i}", family_name="Layout")
        row = referral_model.objects.create(
            subject=person, owning_agency=agency, classification=1, ideology=ideology, concerns=f"concern {i}"
        )
        ids[row.pk] = i
    migrate()

    referrals = Referral.objects.filter(pk__in=ids).select_related("concern_type", "source_sector")
    assert referrals.count() == len(OLD_ANSWERS)
    for referral in referrals:
        ideology, _, concern, sector = OLD_ANSWERS[ids[referral.pk]]
        assert referral.ideology == ideology  # the old answer is kept
        assert referral.concerns == f"concern {ids[referral.pk]}"
        assert (referral.concern_type.code if referral.concern_type else None) == concern
        assert referral.source_sector.code == sector
        assert referral.concern_type is None or referral.concern_type.version == "2024-25"

    migrate(BEFORE)  # and back: the new fields go, the old answers stay
    back = old.get_model("referrals", "Referral")
    assert sorted(back.objects.filter(pk__in=ids).values_list("ideology", flat=True)) == sorted(
        a[0] for a in OLD_ANSWERS
    )
    migrate()
    assert Referral.objects.filter(pk__in=ids, source_sector__isnull=False).count() == len(OLD_ANSWERS)
