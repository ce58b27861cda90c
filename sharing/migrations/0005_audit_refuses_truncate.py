"""TRUNCATE skips row triggers: refuse it with a statement trigger too.

The test suite disables this one trigger in its own databases, because Django's
flush (used after live-server tests) truncates every table. In production the
application's database role should also not own the table (docs/deploy.md).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sharing", "0004_share_basis_case_owner")]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER sharing_audit_no_truncate BEFORE TRUNCATE ON sharing_auditevent "
            "FOR EACH STATEMENT EXECUTE FUNCTION sharing_audit_append_only();",
            "DROP TRIGGER IF EXISTS sharing_audit_no_truncate ON sharing_auditevent;",
        )
    ]
