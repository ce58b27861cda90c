"""The nightly re-check of information-request reminders now runs as cases' own task
(the referrals task keeps the screening clocks)."""

from django.db import migrations
from django.utils import timezone

NAME = "Re-check information request reminders"
REFERRALS_TASK = "Re-check referral and request reminders"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    cron, _ = CrontabSchedule.objects.get_or_create(
        minute="25", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "cases.tasks.sync_open_requests",
            "crontab": cron,
            "interval": None,
            "enabled": True,
            "description": "Keeps the reminders of open information requests in step (idempotent).",
        },
    )
    PeriodicTask.objects.filter(name=REFERRALS_TASK).update(
        description="Keeps the reminders of referrals awaiting screening in step (idempotent)."
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=NAME).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("core", "0003_schedule_reminder_tasks"),
        ("cases", "0002_contributions_link_requests"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
