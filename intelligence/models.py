"""Partnership intelligence: community tension reports (shareable records, like referrals) with the
events they bring to the partnership and the multi-agency response to each, and the partnership's
yearly self-assessment against the NI35 framework (partnership-level, not case content).

A tension report takes part in the sharing model through ``ShareableModel`` and its own grant table,
so ``sharing.policy`` decides who reads it exactly as it decides for a referral. An event, its
response plan and its actions are inside the report: readable exactly when the report is.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import TimeStampedModel
from partnership.models import Agency
from sharing.models import AgencyGrantBase, ShareableModel


class Area(TimeStampedModel):
    """A ward or neighbourhood tensions are reported in (partnership reference data)."""

    class Kind(models.TextChoices):
        WARD = "ward", "Ward"
        NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WARD)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TensionCategory(models.TextChoices):
    PROTEST = "protest", "Protest"
    COUNTER_DEMONSTRATION = "counter_demonstration", "Counter-demonstration"
    HATE_INCIDENT = "hate_incident", "Hate incident"
    ONLINE_ACTIVITY = "online_activity", "Online activity"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class TensionLevel(models.IntegerChoices):
    """The fixed five-step scale every report is placed on."""

    NORMAL = 1, "1 Normal"
    LOW = 2, "2 Low"
    MODERATE = 3, "3 Moderate"
    HIGH = 4, "4 High"
    CRITICAL = 5, "5 Critical"


class Trend(models.TextChoices):
    RISING = "rising", "Rising"
    STABLE = "stable", "Stable"
    FALLING = "falling", "Falling"


class TensionReport(ShareableModel, TimeStampedModel):
    """One agency's report of community tension in an area. Readers are decided by ``sharing.policy``;
    ``owning_agency`` is the source agency."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True, editable=False)
    occurred_on = models.DateField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="tension_reports")
    category = models.CharField(max_length=32, choices=TensionCategory.choices)
    level = models.PositiveSmallIntegerField(choices=TensionLevel.choices)
    trend = models.CharField(max_length=16, choices=Trend.choices)
    summary = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["area", "occurred_on"], name="tension_area_day_idx")]

    def __str__(self) -> str:
        return self.reference or f"Tension report {self.pk}"


class TensionReportAgencyGrant(AgencyGrantBase):
    """Agency access to a tension report: guardian's direct foreign-key table and the log's index."""

    content_object = models.ForeignKey(TensionReport, on_delete=models.CASCADE, related_name="agency_grants")

    class Meta(AgencyGrantBase.Meta):
        indexes = [
            models.Index(fields=["group", "-sort_key"], name="tensiongrant_log_idx"),
            models.Index(fields=["content_object", "group"], name="tensiongrant_record_idx"),
        ]


class TensionEvent(TimeStampedModel):
    """An event (a planned demonstration, say) a report brings to the partnership, with the agreed
    multi-agency response. Inside its report: readable exactly when the report is."""

    report = models.ForeignKey(TensionReport, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    response_plan = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(TimeStampedModel):
    """What both kinds of action are: a description, a due date (reminded) and a status along
    ``lifecycle.ACTION_TRANSITIONS``."""

    description = models.CharField(max_length=500)
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description


class ResponseAction(Action):
    """One agency's part of an event's response, owned by a person or left to the agency's SPOCs."""

    event = models.ForeignKey(TensionEvent, on_delete=models.CASCADE, related_name="actions")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )


# --- The partnership's self-assessment (NI35) ------------------------------------------------------

SCORES = range(1, 6)


class AssessmentDimension(TimeStampedModel):
    """One dimension of the framework; its wording is the partnership's to adapt."""

    code = models.SlugField(max_length=40, unique=True)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class LevelDescriptor(models.Model):
    """What a score of 1 to 5 means on a dimension, shown beside each score."""

    dimension = models.ForeignKey(AssessmentDimension, on_delete=models.CASCADE, related_name="descriptors")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField()

    class Meta:
        ordering = ["dimension", "score"]
        constraints = [models.UniqueConstraint(fields=["dimension", "score"], name="descriptor_once_per_score")]

    def __str__(self) -> str:
        return f"{self.dimension.code} {self.score}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    COMPLETED = "completed", "Completed"


class SelfAssessment(TimeStampedModel):
    """The partnership's assessment of one year."""

    year = models.PositiveSmallIntegerField(unique=True)
    status = models.CharField(max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"Self-assessment {self.year}"


class DimensionScore(TimeStampedModel):
    """A year's score on one dimension, the descriptor it was scored against (kept as it read then), and
    the evidence."""

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(AssessmentDimension, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    descriptor = models.TextField()
    evidence = models.TextField()
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["dimension__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "dimension"], name="score_once_per_dimension")]

    def __str__(self) -> str:
        return f"{self.assessment.year} {self.dimension.code}: {self.score}"


class AssessmentAction(Action):
    """A step of the year's action plan, owned by a member of the partnership."""

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="actions")
    dimension = models.ForeignKey(
        AssessmentDimension, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
