"""Panel records now point at cases.Case (state only: the table was renamed in place)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0001_move_cases_from_referrals'),
        ('panels', '0002_default_assessment_factors'),
    ]

    operations = [
        # The tables were renamed in place: the foreign keys already point at cases_case.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='action',
                    name='case',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='addendum',
                    name='case',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='agendaitem',
                    name='case',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='assessment',
                    name='case',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='consentrecord',
                    name='case',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='consents', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='declaration',
                    name='case',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='postexitreview',
                    name='case',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='post_exit_reviews', to='cases.case'),
                ),
                migrations.AlterField(
                    model_name='supportplan',
                    name='case',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='support_plan', to='cases.case'),
                ),
            ],
        ),
    ]
