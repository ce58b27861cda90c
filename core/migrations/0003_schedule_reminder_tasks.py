"""Register beat's schedules for the reminder engine (database rows, changeable in the admin):
the sweep every minute, and a nightly re-check that every open thing has its reminders."""

from django.db import migrations

from core.migrations._beat import Scheduled, schedules

schedule, unschedule = schedules(
    Scheduled(
        name="Send due reminders",
        task="core.tasks.send_due_reminders",
        every=1,
        period="minutes",
        expire_seconds=120,
        description="Sends every due reminder once, in-app and by email (idempotent; catches up after any outage).",
    ),
    Scheduled(
        name="Generate panel meetings and their reminders",
        task="panels.tasks.generate_upcoming_meetings",
        crontab={"minute": "10", "hour": "2"},
        description="Creates the cadence's meetings six months ahead and keeps every open meeting, action and "
        "review's reminders in step.",
    ),
    Scheduled(
        name="Re-check referral and request reminders",
        task="referrals.tasks.sync_open_reminders",
        crontab={"minute": "20", "hour": "2"},
        description="Keeps the reminders of referrals awaiting screening and open information requests in step "
        "(idempotent).",
    ),
)


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("core", "0002_reminders_outbox_preferences"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
