"""The nightly re-check that reminds auditors of break-glass openings waiting too long for review
(openings made before it existed included: the first run states their reminders)."""

from django.db import migrations
from django.utils import timezone

NAME = "Re-check break-glass review reminders"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    cron, _ = CrontabSchedule.objects.get_or_create(
        minute="35", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "governance.tasks.sync_waiting_openings",
            "crontab": cron,
            "interval": None,
            "enabled": True,
            "description": "Keeps the overdue-review reminders of break-glass openings in step (idempotent).",
        },
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
        ("governance", "0001_break_glass_review"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
