"""A contribution's link to the information request it answers moves into cases/.

Before: ``referrals_chronologyentry.information_request_id``. After: one
``cases_contribution`` row per linked entry, copied here before referrals drops
the column (referrals 0003 depends on this migration), and copied back on reverse.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_links_forward(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO cases_contribution (entry_id, information_request_id) "
        "SELECT id, information_request_id FROM referrals_chronologyentry WHERE information_request_id IS NOT NULL"
    )


def copy_links_back(apps, schema_editor):
    schema_editor.execute(
        "UPDATE referrals_chronologyentry AS e SET information_request_id = c.information_request_id "
        "FROM cases_contribution AS c WHERE c.entry_id = e.id"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0001_move_cases_from_referrals'),
        ('referrals', '0002_screening_cases_requests_chronology'),
    ]

    operations = [
        migrations.CreateModel(
            name='Contribution',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='contribution', serialize=False, to='referrals.chronologyentry')),
                ('information_request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contributions', to='cases.informationrequest')),
            ],
        ),
        migrations.RunPython(copy_links_forward, copy_links_back),
    ]
