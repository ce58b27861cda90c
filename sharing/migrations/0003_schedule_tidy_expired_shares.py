"""Register the beat schedule that tidies expired shares every 15 minutes."""

from django.db import migrations
from django.utils import timezone

TASK = "sharing.tasks.tidy_expired_shares"
NAME = "Tidy expired shares"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every,
            "enabled": True,
            "description": "Removes the grant rows of expired shares and audits each lapse once (idempotent).",
        },
    )
    # Historical models skip PeriodicTask.save(): tell a running beat the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("sharing", "0002_audit_chain_and_change_sequence"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
