"""Retention schedules per kind of record, legal holds that stop disposal, and the disposal log
(batches of records listed as due and what became of each, by reference only). Nothing to backfill:
the schedule reads its defaults (6 years) until a partnership admin sets it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_break_glass_review_opening_without_database_constraint"),
        ("referrals", "0004_schedule_deleting_untouched_drafts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DisposalBatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("listed_at", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("due", "Waiting for approval"),
                            ("approved", "Approved: disposal under way"),
                            ("disposed", "Disposed"),
                        ],
                        default="due",
                        max_length=16,
                    ),
                ),
                ("approved_at", models.DateTimeField(blank=True, null=True)),
                ("disposed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "disposal batches",
                "ordering": ["-listed_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="DisposalItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "referral_id",
                    models.BigIntegerField(help_text="The referral's id (a case shares it); the row may be gone."),
                ),
                ("reference", models.CharField(help_text="The case's reference, or the referral's.", max_length=20)),
                (
                    "record_type",
                    models.CharField(
                        choices=[("case", "Cases"), ("referral", "Referrals that never became cases")], max_length=16
                    ),
                ),
                ("left_at", models.DateTimeField(help_text="When the record left the programme.")),
                ("rule_years", models.PositiveSmallIntegerField(help_text="The schedule's years when it was listed.")),
                ("due_at", models.DateTimeField()),
                (
                    "status",
                    models.CharField(
                        choices=[("due", "Due"), ("disposed", "Disposed"), ("kept", "Kept")],
                        default="due",
                        max_length=16,
                    ),
                ),
                ("kept_reason", models.CharField(blank=True, max_length=200)),
                ("removed", models.JSONField(blank=True, default=dict)),
                ("disposed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="items", to="governance.disposalbatch"
                    ),
                ),
            ],
            options={
                "ordering": ["due_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="LegalHold",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("case", "This case or referral"),
                            ("person", "The person: this record and every record linked to it as a possible duplicate"),
                        ],
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField()),
                ("placed_at", models.DateTimeField()),
                ("lifted_at", models.DateTimeField(blank=True, null=True)),
                ("lift_reason", models.TextField(blank=True)),
                (
                    "lifted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "placed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "referral",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="referrals.referral"
                    ),
                ),
            ],
            options={
                "ordering": ["-placed_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="RetentionSchedule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "record_type",
                    models.CharField(
                        choices=[("case", "Cases"), ("referral", "Referrals that never became cases")],
                        max_length=16,
                        unique=True,
                    ),
                ),
                ("years", models.PositiveSmallIntegerField(default=6)),
                ("updated_at", models.DateTimeField(blank=True, null=True)),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["record_type"],
            },
        ),
        migrations.AddConstraint(
            model_name="disposalbatch",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["due", "approved", "disposed"])), name="disposal_batch_status"
            ),
        ),
        migrations.AddConstraint(
            model_name="disposalbatch",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "due"), ("approved_at__isnull", False), _connector="OR"),
                name="disposal_batch_approved_when_not_due",
            ),
        ),
        migrations.AddIndex(
            model_name="disposalitem",
            index=models.Index(fields=["reference"], name="disposal_item_reference_idx"),
        ),
        migrations.AddConstraint(
            model_name="disposalitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "due")), fields=("referral_id",), name="disposal_item_due_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="disposalitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["due", "disposed", "kept"])), name="disposal_item_status"
            ),
        ),
        migrations.AddConstraint(
            model_name="legalhold",
            constraint=models.UniqueConstraint(
                condition=models.Q(("lifted_at__isnull", True)),
                fields=("referral", "scope"),
                name="legal_hold_live_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="legalhold",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), _negated=True), name="legal_hold_reason_given"
            ),
        ),
        migrations.AddConstraint(
            model_name="legalhold",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("lift_reason", ""), ("lifted_at__isnull", True)),
                    models.Q(("lifted_at__isnull", False), models.Q(("lift_reason", ""), _negated=True)),
                    _connector="OR",
                ),
                name="legal_hold_lifted_with_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="retentionschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(("years__gte", 1), ("years__lte", 100)), name="retention_years_in_range"
            ),
        ),
    ]
