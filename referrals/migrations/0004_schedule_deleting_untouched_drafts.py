"""Register beat's nightly deletion of drafts left untouched for longer than the partnership keeps them
(a database row, changeable in the admin)."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Delete untouched draft referrals",
        task="referrals.tasks.delete_untouched_drafts",
        crontab={"minute": "30", "hour": "2"},
        description="Deletes draft referrals unchanged for longer than the partnership settings' draft retention "
        "(90 days by default), with their attachments' files; each deletion is audited (idempotent).",
    ),
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("core", "0003_schedule_reminder_tasks"),
        ("referrals", "0003_cases_moved_to_cases_app"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
