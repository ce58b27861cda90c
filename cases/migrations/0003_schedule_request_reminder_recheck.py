"""The nightly re-check of information-request reminders now runs as cases' own task
(the referrals task keeps the screening clocks)."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Re-check information request reminders",
        task="cases.tasks.sync_open_requests",
        crontab={"minute": "25", "hour": "2"},
        description="Keeps the reminders of open information requests in step (idempotent).",
    )
)


def describe_referrals_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Re-check referral and request reminders"
    ).update(description="Keeps the reminders of referrals awaiting screening in step (idempotent).")


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("core", "0003_schedule_reminder_tasks"),
        ("cases", "0002_contributions_link_requests"),
    ]

    operations = [
        migrations.RunPython(describe_referrals_task, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
