"""What information governance adds to the trail: an auditor's review of each break-glass opening.

The queue of openings is the trail itself (every ``break_glass`` event, sealed or not), so an
opening cannot be missing from it; a review is the auditor's decision about one of them, linked
by the event's id (its insertion order, which the chain's sealer never changes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import AuditEvent


class ReviewDecision(models.TextChoices):
    JUSTIFIED = "justified", "Justified"
    NOT_JUSTIFIED = "not_justified", "Not justified"


class BreakGlassReview(models.Model):
    """An auditor's decision on one break-glass opening: justified or not, and why. Made once."""

    opening = models.OneToOneField(
        AuditEvent,
        on_delete=models.PROTECT,
        related_name="break_glass_review",
        db_constraint=False,  # the trail is partitioned by month: its id is not unique on its own in the database
        help_text="The opening's audit event (verb break_glass), by its id.",
    )
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    note = models.TextField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_reviews"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=ReviewDecision.values), name="break_glass_review_decision_known"
            ),
            models.CheckConstraint(condition=~models.Q(note=""), name="break_glass_review_note_given"),
        ]

    def __str__(self) -> str:
        return f"Review of opening {self.opening_id}: {self.decision}"


# --- Retention and disposal --------------------------------------------------------------------------
# The schedule (how long each kind of record is kept once it has left the programme), legal holds
# that stop disposal, and the disposal log: batches of records listed as due, approved by an
# information-governance officer, and what became of each. The log names records by reference
# only: no personal content, so it can be kept after the records themselves are gone.

DEFAULT_RETENTION_YEARS = 6
MAX_RETENTION_YEARS = 100
MAX_DRAFT_DAYS = 365  # as the partnership settings page allows


class RetentionRecordType(models.TextChoices):
    CASE = "case", "Cases"
    REFERRAL = "referral", "Referrals that never became cases"


class RetentionSchedule(models.Model):
    """How many years a kind of record is kept after it left the programme (one row per kind).

    Drafts are not here: the partnership's ``draft_retention_days`` rules them, and the referrals'
    nightly draft deletion applies it."""

    record_type = models.CharField(max_length=16, choices=RetentionRecordType.choices, unique=True)
    years = models.PositiveSmallIntegerField(default=DEFAULT_RETENTION_YEARS)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["record_type"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(years__gte=1, years__lte=MAX_RETENTION_YEARS), name="retention_years_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.years} years"


class HoldScope(models.TextChoices):
    CASE = "case", "This case or referral"
    PERSON = "person", "The person: this record and every record linked to it as a possible duplicate"


class LegalHold(models.Model):
    """A stop on disposal (for legal proceedings, a complaint, an inquiry), placed and lifted with reasons.

    Held through one referral (its case shares its id): ``case`` holds that record; ``person`` also
    holds every referral linked to it as a possible duplicate (each referral keeps its own copy of
    the person, so the hold follows the links)."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=16, choices=HoldScope.choices)
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "scope"], condition=models.Q(lifted_at__isnull=True), name="legal_hold_live_once"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="legal_hold_reason_given"),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True, lift_reason="")
                | (models.Q(lifted_at__isnull=False) & ~models.Q(lift_reason="")),
                name="legal_hold_lifted_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk} ({self.scope})"

    @property
    def is_live(self) -> bool:
        return self.lifted_at is None


class BatchStatus(models.TextChoices):
    DUE = "due", "Waiting for approval"
    APPROVED = "approved", "Approved: disposal under way"
    DISPOSED = "disposed", "Disposed"


class DisposalBatch(models.Model):
    """Records listed as due for disposal together, approved (or not yet) as one."""

    listed_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.DUE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-listed_at", "-id"]
        verbose_name_plural = "disposal batches"
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=BatchStatus.values), name="disposal_batch_status"),
            models.CheckConstraint(
                condition=models.Q(status=BatchStatus.DUE) | models.Q(approved_at__isnull=False),
                name="disposal_batch_approved_when_not_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Disposal batch {self.pk}"


class ItemStatus(models.TextChoices):
    DUE = "due", "Due"
    DISPOSED = "disposed", "Disposed"
    KEPT = "kept", "Kept"


class DisposalItem(models.Model):
    """One record in a batch, by reference only: no foreign key, so the entry outlives the record.

    ``removed`` counts what went, by kind of record (numbers only); ``kept_reason`` says why an
    item was not disposed when its batch was approved (a legal hold, or no longer due)."""

    batch = models.ForeignKey(DisposalBatch, on_delete=models.PROTECT, related_name="items")
    referral_id = models.BigIntegerField(help_text="The referral's id (a case shares it); the row may be gone.")
    reference = models.CharField(max_length=20, help_text="The case's reference, or the referral's.")
    record_type = models.CharField(max_length=16, choices=RetentionRecordType.choices)
    left_at = models.DateTimeField(help_text="When the record left the programme.")
    rule_years = models.PositiveSmallIntegerField(help_text="The schedule's years when it was listed.")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.DUE)
    kept_reason = models.CharField(max_length=200, blank=True)
    removed = models.JSONField(default=dict, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral_id"], condition=models.Q(status="due"), name="disposal_item_due_once"
            ),
            models.CheckConstraint(condition=models.Q(status__in=ItemStatus.values), name="disposal_item_status"),
        ]
        indexes = [models.Index(fields=["reference"], name="disposal_item_reference_idx")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"

    @property
    def rule(self) -> str:
        return f"{RetentionRecordType(self.record_type).label}: {self.rule_years} years after leaving the programme"
