"""Register beat's schedules for the reminder engine (database rows, changeable in the admin):
the sweep every minute, and a nightly re-check that every open thing has its reminders."""

from django.db import migrations
from django.utils import timezone

SWEEP = ("Send due reminders", "core.tasks.send_due_reminders", {"every": 1, "period": "minutes"}, None,
         "Sends every due reminder once, in-app and by email (idempotent; catches up after any outage).")
NIGHTLY = [
    ("Generate panel meetings and their reminders", "panels.tasks.generate_upcoming_meetings",
     None, {"minute": "10", "hour": "2"},
     "Creates the cadence's meetings six months ahead and keeps every open meeting, action and review's reminders in step."),
    ("Re-check referral and request reminders", "referrals.tasks.sync_open_reminders",
     None, {"minute": "20", "hour": "2"},
     "Keeps the reminders of referrals awaiting screening and open information requests in step (idempotent)."),
]
NAMES = [SWEEP[0]] + [n[0] for n in NIGHTLY]


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    name, task, interval, _, description = SWEEP
    every, _ = IntervalSchedule.objects.get_or_create(**interval)
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={"task": task, "interval": every, "crontab": None, "enabled": True, "description": description,
                  # A sweep left queued while workers were down is pointless once the next one is due.
                  "expire_seconds": 120},
    )
    for name, task, _, crontab, description in NIGHTLY:
        # Europe/London, so the nightly jobs run at night here whatever the season.
        cron, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London", **crontab
        )
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "crontab": cron, "interval": None, "enabled": True, "description": description},
        )
    # Historical models skip PeriodicTask.save(): tell a running beat the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name__in=NAMES).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("core", "0002_reminders_outbox_preferences"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
