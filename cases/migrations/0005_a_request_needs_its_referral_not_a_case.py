"""Every request now has its referral (0004): it must have one, and only a request sent during screening has
no case. A migration of its own, so the rows 0004 filled are committed before the columns change."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_information_requests_belong_to_their_referral")]

    operations = [
        migrations.AlterField(
            model_name="informationrequest",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="information_requests",
                to="referrals.referral",
            ),
        ),
        migrations.AlterField(
            model_name="informationrequest",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="information_requests",
                to="cases.case",
            ),
        ),
    ]
