"""Cases, information requests and entry documents move from referrals/ to cases/.

The tables are renamed, never copied, so every row, file path and foreign key
stays as it was; the models change app in Django's state only. Content types
follow (reminders point at records through them). Audit events are immutable
and keep the object type they were written with (``referrals.case``).
"""

import cases.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED_MODELS = ("case", "casetransition", "informationrequest", "entrydocument")

RENAME_TABLES = [f"ALTER TABLE referrals_{name} RENAME TO cases_{name}" for name in MOVED_MODELS]
RESTORE_TABLES = [f"ALTER TABLE cases_{name} RENAME TO referrals_{name}" for name in MOVED_MODELS]


def _move_content_types(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name in MOVED_MODELS:
        # A content type created for the target already (e.g. by an earlier post_migrate) gives way.
        ContentType.objects.filter(app_label=target, model=name).delete()
        ContentType.objects.filter(app_label=source, model=name).update(app_label=target)


def content_types_to_cases(apps, schema_editor):
    _move_content_types(apps, schema_editor, "referrals", "cases")


def content_types_to_referrals(apps, schema_editor):
    _move_content_types(apps, schema_editor, "cases", "referrals")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('partnership', '0003_panels_and_partnership_settings'),
        # panels' first migrations created foreign keys to referrals_case: rename after them.
        ('panels', '0002_default_assessment_factors'),
        ('referrals', '0002_screening_cases_requests_chronology'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(RENAME_TABLES, reverse_sql=RESTORE_TABLES)],
            state_operations=[
                migrations.CreateModel(
                    name='Case',
                    fields=[
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('referral', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='case', serialize=False, to='referrals.referral')),
                        ('reference', models.CharField(max_length=20, unique=True)),
                        ('status', models.CharField(choices=[('information_gathering', 'Information gathering'), ('discussed', 'Discussed at panel'), ('adopted', 'Adopted'), ('not_adopted', 'Not adopted'), ('support_active', 'Support plan active'), ('exited', 'Exited'), ('reviewed_6_months', 'Post-exit review at 6 months done'), ('closed', 'Closed')], default='information_gathering', max_length=32)),
                        ('opened_at', models.DateTimeField()),
                        ('outcome', models.CharField(blank=True, choices=[('SCR-NFA', 'Screening: no further action'), ('SCR-SIGN', 'Screening: signposted'), ('SCR-PANEL', 'Screening: referred to panel'), ('PNL-ADOPT', 'Panel: adopted'), ('PNL-NOTADOPT', 'Panel: not adopted, signposted'), ('EXIT-RISK', 'Exit: risk reduced'), ('EXIT-CONSENT', 'Exit: consent withdrawn'), ('EXIT-POLICE', 'Exit: escalated to police-led management'), ('EXIT-MOVED', 'Exit: moved out of area'), ('EXIT-OTHER', 'Exit: other'), ('CLOSED-REVIEW', 'Closed after 12-month review')], max_length=16)),
                        ('exited_at', models.DateTimeField(blank=True, null=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='owned_cases', to=settings.AUTH_USER_MODEL)),
                        ('panel', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='partnership.panel')),
                    ],
                ),
                migrations.CreateModel(
                    name='CaseTransition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('from_status', models.CharField(choices=[('information_gathering', 'Information gathering'), ('discussed', 'Discussed at panel'), ('adopted', 'Adopted'), ('not_adopted', 'Not adopted'), ('support_active', 'Support plan active'), ('exited', 'Exited'), ('reviewed_6_months', 'Post-exit review at 6 months done'), ('closed', 'Closed')], max_length=32)),
                        ('to_status', models.CharField(choices=[('information_gathering', 'Information gathering'), ('discussed', 'Discussed at panel'), ('adopted', 'Adopted'), ('not_adopted', 'Not adopted'), ('support_active', 'Support plan active'), ('exited', 'Exited'), ('reviewed_6_months', 'Post-exit review at 6 months done'), ('closed', 'Closed')], max_length=32)),
                        ('reason', models.TextField(blank=True)),
                        ('at', models.DateTimeField()),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='cases.case')),
                    ],
                    options={
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='EntryDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(upload_to=cases.models.entry_document_path)),
                        ('original_name', models.CharField(max_length=255)),
                        ('content_type', models.CharField(max_length=100)),
                        ('size', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='referrals.chronologyentry')),
                    ],
                ),
                migrations.CreateModel(
                    name='InformationRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('question', models.TextField()),
                        ('due_date', models.DateField()),
                        ('status', models.CharField(choices=[('open', 'Open'), ('assigned', 'Assigned'), ('returned', 'Returned'), ('closed', 'Closed')], default='open', max_length=16)),
                        ('chase_count', models.PositiveSmallIntegerField(default=0)),
                        ('last_chased_at', models.DateTimeField(blank=True, null=True)),
                        ('returned_at', models.DateTimeField(blank=True, null=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='information_requests', to='partnership.agency')),
                        ('assigned_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_requests', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='information_requests', to='cases.case')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['due_date', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(fields=['panel', 'status'], name='case_panel_status_idx'),
                ),
                migrations.AddIndex(
                    model_name='informationrequest',
                    index=models.Index(fields=['agency', 'status', 'due_date'], name='inforeq_agency_status_idx'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_cases, content_types_to_referrals),
    ]
