"""Signed checkpoints of the audit trail's head, and the marks of verified runs (both append-only).

Row triggers refuse UPDATE and DELETE with the trail's own function (sharing/migrations/0002). No
TRUNCATE trigger: the application role holds no TRUNCATE privilege (grant_app_role), and the test
suite's flush truncates every table.
"""

from django.db import migrations, models

TABLES = ("sharing_auditcheckpoint", "sharing_auditverification")
GUARD = "\n".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION sharing_audit_append_only();"
    for table in TABLES
)
UNGUARD = "\n".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ('sharing', '0007_share_identical_requests_make_one'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(editable=False, unique=True)),
                ('head_hash', models.CharField(editable=False, max_length=64)),
                ('event_count', models.BigIntegerField(editable=False)),
                ('created_at', models.DateTimeField(editable=False)),
                ('signature', models.CharField(editable=False, max_length=64)),
            ],
            options={
                'ordering': ['-seq'],
            },
        ),
        migrations.CreateModel(
            name='AuditVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('checkpoint_seq', models.BigIntegerField(editable=False)),
                ('checkpoint_hash', models.CharField(editable=False, max_length=64)),
                ('verified_at', models.DateTimeField(editable=False)),
                ('full', models.BooleanField(editable=False, help_text='Recomputed from the first event (--full).')),
                ('events_checked', models.BigIntegerField(editable=False)),
                ('signature', models.CharField(editable=False, max_length=64)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
