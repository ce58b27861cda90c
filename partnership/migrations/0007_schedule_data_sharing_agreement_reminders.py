"""The nightly re-check that reminds partnership admins of data-sharing agreements due for review
or lapsed (agreements recorded before it existed included: the first run states their reminders)."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Re-check data-sharing agreement reminders",
        task="partnership.tasks.sync_agreement_reminders",
        crontab={"minute": "40", "hour": "2"},
        description="Keeps the review and lapse reminders of agencies' data-sharing agreements in step (idempotent).",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("partnership", "0006_data_sharing_agreements"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
