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
