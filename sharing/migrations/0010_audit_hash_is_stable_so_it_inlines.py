"""sharing_audit_hash is labelled STABLE, which is what its body is (to_char and convert_to are stable).

Labelled IMMUTABLE, PostgreSQL would not inline it, and called it through the SQL-function executor
for every event: about half of a full verification's time. Same body, same hashes; the trigger that
chains new events calls it as before.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sharing", "0009_schedule_audit_checkpoint")]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION sharing_audit_hash(sharing_auditevent) STABLE;",
            "ALTER FUNCTION sharing_audit_hash(sharing_auditevent) IMMUTABLE;",
        )
    ]
