"""The nightly re-check that reminds auditors of break-glass openings waiting too long for review
(openings made before it existed included: the first run states their reminders)."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Re-check break-glass review reminders",
        task="governance.tasks.sync_waiting_openings",
        crontab={"minute": "35", "hour": "2"},
        description="Keeps the overdue-review reminders of break-glass openings in step (idempotent).",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("governance", "0001_break_glass_review"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
