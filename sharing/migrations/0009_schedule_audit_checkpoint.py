"""Register the beat schedule that seals the audit trail's head into a signed checkpoint every 5 minutes."""

from django.db import migrations
from django.utils import timezone

TASK = "sharing.tasks.seal_audit_checkpoint"
NAME = "Seal an audit checkpoint"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every,
            "enabled": True,
            # A seal left queued while workers were down is pointless once the next one is due.
            "expire_seconds": 240,
            "description": "Seals the audit trail's head into a signed checkpoint, in the database and in "
            "CONVENE_AUDIT_CHECKPOINT_FILE (idempotent: nothing new, nothing sealed).",
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
        ("sharing", "0008_audit_checkpoints_and_verifications"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
