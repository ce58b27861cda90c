"""Register the beat schedule that seals the audit trail's head into a signed checkpoint every 5 minutes."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Seal an audit checkpoint",
        task="sharing.tasks.seal_audit_checkpoint",
        every=5,
        period="minutes",
        expire_seconds=240,
        description="Seals the audit trail's head into a signed checkpoint, in the database and in "
        "CONVENE_AUDIT_CHECKPOINT_FILE (idempotent: nothing new, nothing sealed).",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("sharing", "0008_audit_checkpoints_and_verifications"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
