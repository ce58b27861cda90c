"""AuditEvent now lives in core (state only: the table and its triggers stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_audit_event_model_moves_to_core'),
        ('sharing', '0005_audit_refuses_truncate'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='AuditEvent')]),
    ]
