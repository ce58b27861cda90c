"""The nightly listing of records due for disposal under the retention schedule (a batch for an
information-governance officer to approve; nothing is disposed of without that approval)."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="List records due for disposal",
        task="governance.tasks.list_due_for_disposal",
        crontab={"minute": "50", "hour": "2"},
        description="Lists records past their retention in a batch waiting for approval (idempotent).",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("governance", "0004_retention_schedules_legal_holds_and_disposal_log"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
