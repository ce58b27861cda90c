"""Register the daily run that keeps the audit trail's next three months of partitions ready
(docs/adr/0025-audit-trail-partitioned-by-month.md)."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Add audit trail partitions",
        task="sharing.tasks.add_audit_partitions",
        crontab={"minute": "10", "hour": "3"},
        description="Creates this month's and the next three months' audit partitions where missing (idempotent).",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("sharing", "0011_schedule_audit_sealer"),
        ("core", "0009_audit_trail_partitioned_by_month"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
