"""Register the beat schedule that chains newly appended audit events every 3 seconds
(docs/adr/0014-audit-sealer.md); the checkpoint schedule (0009) stays at 5 minutes."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Chain new audit events",
        task="sharing.tasks.seal_audit_trail",
        every=3,
        period="seconds",
        expire_seconds=3,
        description="Chains the audit events committed since the last run, in seq order and never past a writer "
        "that can still commit below (idempotent: nothing new, nothing chained).",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("sharing", "0010_audit_hash_is_stable_so_it_inlines"),
        ("core", "0008_audit_unsealed_events_index"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
