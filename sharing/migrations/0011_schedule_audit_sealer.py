"""Register the beat schedule that chains newly appended audit events every 3 seconds
(docs/adr/0014-audit-sealer.md); the checkpoint schedule (0009) stays at 5 minutes."""

from django.db import migrations
from django.utils import timezone

TASK = "sharing.tasks.seal_audit_trail"
NAME = "Chain new audit events"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every, _ = IntervalSchedule.objects.get_or_create(every=3, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every,
            "enabled": True,
            # A run left queued while workers were down is pointless once the next one is due.
            "expire_seconds": 3,
            "description": "Chains the audit events committed since the last run, in seq order and never past "
            "a writer that can still commit below (idempotent: nothing new, nothing chained).",
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
        ("sharing", "0010_audit_hash_is_stable_so_it_inlines"),
        ("core", "0008_audit_unsealed_events_index"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
