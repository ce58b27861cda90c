"""Seed the national statistics lists (referrals.national.SEED) and map what referrals already record.

- ``Referral.ideology`` -> ``concern_type`` by ``CONCERN_TYPE_OF_IDEOLOGY`` ("school massacre or incel",
  which the PCMT splits in two, maps to neither and stays as it was in ``ideology``);
- the referring agency's kind -> ``source_sector`` by ``SOURCE_SECTOR_OF_AGENCY_KIND``.

Every row is kept and no old column changes, so reversing only clears the new fields and the seed.
Seeding creates only what is missing, by (dimension, version, code): a later migration that adds a
version to ``SEED`` seeds it the same way, and labels a partnership has changed stay changed.
"""

from django.db import migrations

from referrals.national import (
    CONCERN_TYPE_OF_IDEOLOGY,
    PCMT,
    SOURCE_SECTOR_OF_AGENCY_KIND,
    Dimension,
    seed_national_lists,
)


def seed_categories(apps, schema_editor):
    seed_national_lists(apps.get_model("referrals", "StatisticsCategory"))


def map_answers(apps, schema_editor):
    category = apps.get_model("referrals", "StatisticsCategory")
    referral = apps.get_model("referrals", "Referral")
    concern = {c.code: c for c in category.objects.filter(dimension=Dimension.CONCERN_TYPE, version=PCMT)}
    for ideology, code in CONCERN_TYPE_OF_IDEOLOGY.items():
        referral.objects.filter(ideology=ideology, concern_type__isnull=True).update(concern_type=concern[code])
    sector = {c.code: c for c in category.objects.filter(dimension=Dimension.SOURCE_SECTOR, version=PCMT)}
    for kind, code in SOURCE_SECTOR_OF_AGENCY_KIND.items():
        referral.objects.filter(owning_agency__kind=kind, source_sector__isnull=True).update(source_sector=sector[code])


def unmap_answers(apps, schema_editor):
    referral = apps.get_model("referrals", "Referral")
    person = apps.get_model("referrals", "Person")
    referral.objects.update(concern_type=None, source_sector=None, consent_status=None)
    referral.recorded_needs.through.objects.all().delete()
    person.objects.update(gender_category=None, ethnicity=None)


def unseed_categories(apps, schema_editor):
    category = apps.get_model("referrals", "StatisticsCategory")
    category.objects.filter(parent__isnull=False).delete()
    category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_national_statistics_categories"),
    ]

    operations = [
        migrations.RunPython(seed_categories, unseed_categories),
        migrations.RunPython(map_answers, unmap_answers),
    ]
