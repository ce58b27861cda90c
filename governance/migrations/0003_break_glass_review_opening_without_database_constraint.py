"""A review names its opening by the event's id, without a database foreign key: the audit table is
partitioned by month (core/migrations/0009), so its primary key is (id, occurred_at) and a foreign key
cannot reference id alone. Django still refuses to delete a reviewed opening (PROTECT), and the trail
refuses every DELETE anyway."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_audit_unsealed_events_index"),
        ("governance", "0002_schedule_break_glass_review_reminders"),
    ]

    # The foreign key goes before the audit table is rebuilt as a partitioned table.
    run_before = [("core", "0009_audit_trail_partitioned_by_month")]

    operations = [
        migrations.AlterField(
            model_name="breakglassreview",
            name="opening",
            field=models.OneToOneField(
                db_constraint=False,
                help_text="The opening's audit event (verb break_glass), by its id.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="break_glass_review",
                to="core.auditevent",
            ),
        ),
    ]
