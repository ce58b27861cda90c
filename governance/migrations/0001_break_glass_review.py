"""Auditors' reviews of break-glass openings.

Nothing to backfill: the review queue is the trail's ``break_glass`` events themselves, so every
opening made before this migration is in the queue (waiting) the moment it runs; a review row is
written only when an auditor decides."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0006_audit_verbs_for_uploads_and_password_resets'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BreakGlassReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('decision', models.CharField(choices=[('justified', 'Justified'), ('not_justified', 'Not justified')], max_length=16)),
                ('note', models.TextField()),
                ('reviewed_at', models.DateTimeField()),
                ('opening', models.OneToOneField(help_text="The opening's audit event (verb break_glass), by its id.", on_delete=django.db.models.deletion.PROTECT, related_name='break_glass_review', to='core.auditevent')),
                ('reviewed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='break_glass_reviews', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-reviewed_at'],
                'constraints': [models.CheckConstraint(condition=models.Q(('decision__in', ['justified', 'not_justified'])), name='break_glass_review_decision_known'), models.CheckConstraint(condition=models.Q(('note', ''), _negated=True), name='break_glass_review_note_given')],
            },
        ),
    ]
