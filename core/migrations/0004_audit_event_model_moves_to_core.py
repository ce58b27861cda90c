"""The audit trail's model moves to core (its writer, core.audit, is used by every app).

State only: the table keeps its name, sharing_auditevent, with its chain and guard
triggers and every event untouched. The content type follows the model.
"""

from django.db import migrations, models


def _move(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=target, model="auditevent").delete()
    ContentType.objects.filter(app_label=source, model="auditevent").update(app_label=target)


def content_type_to_core(apps, schema_editor):
    _move(apps, "sharing", "core")


def content_type_to_sharing(apps, schema_editor):
    _move(apps, "core", "sharing")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('sharing', '0005_audit_refuses_truncate'),
        ('core', '0003_schedule_reminder_tasks'),
    ]

    operations = [
        # The table, its triggers and every event stay exactly as they are: state only.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.BigIntegerField(editable=False, null=True, unique=True)),
                        ('occurred_at', models.DateTimeField(editable=False)),
                        ('actor_id', models.BigIntegerField(editable=False, null=True)),
                        ('actor_username', models.CharField(blank=True, editable=False, max_length=150)),
                        ('agency_id', models.BigIntegerField(editable=False, null=True)),
                        ('agency_name', models.CharField(blank=True, editable=False, max_length=200)),
                        ('verb', models.CharField(choices=[('login', 'Signed in'), ('login_failed', 'Failed sign-in'), ('logout', 'Signed out'), ('record_viewed', 'Viewed a record'), ('list_viewed', 'Viewed a list'), ('searched', 'Searched'), ('downloaded', 'Downloaded a document'), ('exported', 'Exported (disclosure)'), ('created', 'Created'), ('changed', 'Changed'), ('submitted', 'Submitted'), ('shared', 'Shared with an agency'), ('share_revoked', 'Revoked a share'), ('share_expired', 'Share expired'), ('break_glass', 'Break-glass access'), ('transition', 'Changed state')], editable=False, max_length=32)),
                        ('object_type', models.CharField(blank=True, editable=False, max_length=100)),
                        ('object_id', models.CharField(blank=True, editable=False, max_length=64)),
                        ('ip_address', models.GenericIPAddressField(editable=False, null=True)),
                        ('reason', models.TextField(blank=True, editable=False)),
                        ('details', models.JSONField(blank=True, default=dict, editable=False)),
                        ('break_glass', models.BooleanField(default=False, editable=False)),
                        ('prev_hash', models.CharField(blank=True, editable=False, max_length=64)),
                        ('hash', models.CharField(blank=True, editable=False, max_length=64)),
                    ],
                    options={
                        'db_table': 'sharing_auditevent',
                        'ordering': ['-seq'],
                        'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object_idx'), models.Index(fields=['actor_id', 'occurred_at'], name='audit_actor_idx'), models.Index(fields=['occurred_at'], name='audit_time_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to_core, content_type_to_sharing),
    ]
