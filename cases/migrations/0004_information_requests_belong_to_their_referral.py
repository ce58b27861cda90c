"""An information request belongs to its referral, so a screening officer can send one before there is a
case; ``case`` is set once the referral is a case. Every existing request is on a case, whose id is its
referral's: each keeps its case and gains that referral."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def requests_belong_to_their_case_referral(apps, schema_editor):  # type: ignore[no-untyped-def]
    InformationRequest = apps.get_model("cases", "InformationRequest")
    InformationRequest.objects.filter(referral__isnull=True).update(referral_id=F("case_id"))


def back_to_cases_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    InformationRequest = apps.get_model("cases", "InformationRequest")
    if InformationRequest.objects.filter(case__isnull=True).exists():
        raise RuntimeError("Requests sent during screening have no case: they cannot be moved back.")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_schedule_request_reminder_recheck"),
        ("referrals", "0004_schedule_deleting_untouched_drafts"),
    ]

    operations = [
        migrations.AddField(
            model_name="informationrequest",
            name="referral",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="information_requests",
                to="referrals.referral",
            ),
        ),
        migrations.RunPython(requests_belong_to_their_case_referral, back_to_cases_only),
    ]
