"""Meetings, agendas, attendance, decisions, assessments, consent, support plans, actions and reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models import Case
from core.models import TimeStampedModel
from sharing.models import ShareableChildModel


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed, minutes signed"


class Meeting(TimeStampedModel):
    """One meeting of a panel. Generated from the cadence (``slot``), or added by the chair (no slot)."""

    panel = models.ForeignKey("partnership.Panel", on_delete=models.PROTECT, related_name="meetings")
    slot = models.PositiveIntegerField(null=True, blank=True, help_text="Position in the cadence; empty when added.")
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    venue = models.CharField(max_length=300, blank=True)
    call_link = models.URLField(blank=True)
    moved_reason = models.TextField(blank=True)
    cancelled_reason = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes = models.TextField(blank=True, help_text="General minutes; per-case records are discussions.")
    quorum_override_reason = models.TextField(
        blank=True, help_text="Why the chair let the meeting decide without a quorum; empty when not overridden."
    )
    quorum_overridden_at = models.DateTimeField(null=True, blank=True)
    quorum_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "slot"], name="meeting_panel_slot_unique"),
            models.CheckConstraint(
                condition=models.Q(quorum_overridden_at__isnull=True, quorum_override_reason="")
                | (models.Q(quorum_overridden_at__isnull=False) & ~models.Q(quorum_override_reason="")),
                name="meeting_quorum_override_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["panel", "scheduled_at"], name="meeting_panel_time_idx")]

    def __str__(self) -> str:
        return f"{self.panel} {self.scheduled_at:%d %b %Y}"

    @property
    def is_sealed(self) -> bool:
        return self.signed_at is not None

    @property
    def quorum_overridden(self) -> bool:
        return self.quorum_overridden_at is not None


class ItemKind(models.TextChoices):
    NEW_CASE = "new_case", "New case"
    REVIEW = "review", "Support plan review"
    INFORMATION_COMPLETE = "information_complete", "Information gathering complete"
    POST_EXIT_6 = "post_exit_6", "Post-exit review (6 months)"
    POST_EXIT_12 = "post_exit_12", "Post-exit review (12 months)"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn: decide on exit"
    ADDED = "added", "Added by the chair"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agenda_items")
    kind = models.CharField(max_length=32, choices=ItemKind.choices)
    position = models.PositiveIntegerField(default=0)
    deferred_reason = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.meeting_id})"

    @property
    def deferred(self) -> bool:
        return bool(self.deferred_reason)


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey("partnership.Agency", on_delete=models.PROTECT, related_name="+")
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "agency"], name="attendance_agency_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} at {self.meeting_id}"


class AttendeeStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Apologies"
    ABSENT = "absent", "Absent"


CONFIDENTIALITY_STATEMENT = (
    "I will keep what is shared at this meeting confidential. I will use it only to safeguard the person "
    "discussed, share it only as the partnership's information-sharing agreement allows, and not record or "
    "pass it on outside this meeting's minutes."
)
"""The statement each attendee confirms when the meeting starts (Channel Duty Guidance: attendees sign one)."""


class Invitation(models.Model):
    """A person invited to a meeting: to all of it (the chair and the member agencies' named people), or
    to ONE agenda item (a guest: a non-member agency or an intervention provider), who then sees that
    item alone. Their attendance, and their confirmation of the confidentiality statement, are recorded here."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_invitations")
    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="guests",
        help_text="The one item a guest is invited for; empty for the whole meeting.",
    )
    status = models.CharField(max_length=16, choices=AttendeeStatus.choices, default=AttendeeStatus.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    status_recorded_at = models.DateTimeField(null=True, blank=True)
    confidentiality_confirmed_at = models.DateTimeField(null=True, blank=True)
    confidentiality_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who recorded the confirmation: the attendee, or the chair for someone in the room.",
    )

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="invitation_person_unique"),
            models.CheckConstraint(
                condition=models.Q(confidentiality_confirmed_at__isnull=True)
                | models.Q(confidentiality_recorded_by__isnull=False),
                name="invitation_confirmation_has_recorder",
            ),
        ]
        indexes = [models.Index(fields=["person", "meeting"], name="invitation_person_idx")]

    def __str__(self) -> str:
        return f"Invitation {self.pk}"

    @property
    def is_guest(self) -> bool:
        return self.item_id is not None

    @property
    def confirmed(self) -> bool:
        return self.confidentiality_confirmed_at is not None


class Declaration(models.Model):
    """A declaration of interest at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="declarations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Declaration {self.pk}"


class Decision(models.TextChoices):
    ADOPT = "adopt", "Adopt"
    NOT_ADOPT = "not_adopt", "Not adopt (signpost)"
    CONTINUE = "continue", "Continue support"
    EXIT = "exit", "Exit"
    ESCALATE = "escalate", "Escalate to police-led management"
    REVIEWED = "reviewed", "Post-exit review completed"


class ExitReason(models.TextChoices):
    RISK_REDUCED = "EXIT-RISK", "Risk reduced"
    CONSENT_WITHDRAWN = "EXIT-CONSENT", "Consent withdrawn"
    ESCALATED = "EXIT-POLICE", "Escalated to police-led management"
    MOVED = "EXIT-MOVED", "Moved out of area"
    OTHER = "EXIT-OTHER", "Other"


class Discussion(ShareableChildModel):
    """The record of one case at one meeting: notes, the decision, dissent and the next review."""

    shareable_parent_field = "referral"

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="discussion")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    exit_reason = models.CharField(max_length=16, choices=ExitReason.choices, blank=True)
    signposted_to = models.CharField(max_length=200, blank=True)
    dissent = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.item_id})"


class Addendum(models.Model):
    """A change after the minutes were signed: its own author and time; the signed minutes stay as they were."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum {self.pk}"


class ActionStatus(models.TextChoices):
    """Open until closed with its outcome: done, not done, or could not be done (the last two with a reason)."""

    OPEN = "open", "Open"
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"
    NOT_POSSIBLE = "not_possible", "Could not be done"
    CANCELLED = "cancelled", "Cancelled"


class Action(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="actions")
    description = models.TextField()
    owner_agency = models.ForeignKey("partnership.Agency", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="panel_actions"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When it was closed, whatever the outcome.")
    outcome_reason = models.TextField(
        blank=True, help_text="Why it was not done or could not be done; a note on a done action (optional)."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="action_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["not_done", "not_possible"], outcome_reason=""),
                name="action_not_done_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}"


class Dimension(models.TextChoices):
    ENGAGEMENT = "engagement", "Engagement with a group, cause or ideology"
    INTENT = "intent", "Intent to cause harm"
    CAPABILITY = "capability", "Capability to cause harm"


class AssessmentFactor(models.Model):
    """A configurable factor under one of the three Channel dimensions."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["dimension", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["dimension", "name"], name="factor_unique")]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.name}"


class Rating(models.IntegerChoices):
    NONE = 0, "Not present"
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"


class Assessment(ShareableChildModel):
    """A versioned vulnerability assessment of a case."""

    shareable_parent_field = "referral"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    conclusion = models.TextField()
    management_plan = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="assessment_version_unique")]

    def __str__(self) -> str:
        return f"Assessment v{self.version} of {self.case_id}"


class AssessmentRating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    factor = models.ForeignKey(AssessmentFactor, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    evidence = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "factor"], name="rating_unique")]

    def __str__(self) -> str:
        return f"{self.factor_id}: {self.rating}"


class ConsentStatus(models.TextChoices):
    NOT_SOUGHT = "not_sought", "Not yet sought"
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentGiver(models.TextChoices):
    PERSON = "person", "The person"
    PARENT_GUARDIAN = "parent_guardian", "Parent or guardian"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "Written"
    VERBAL = "verbal", "Verbal, recorded by the practitioner"
    ELECTRONIC = "electronic", "Electronic"


class ConsentPurpose(models.TextChoices):
    CHANNEL_SUPPORT = "channel_support", "Channel support"
    INFORMATION_SHARING = "information_sharing", "Sharing information between agencies"


class ConsentRecord(models.Model):
    """One entry of the consent ledger: append-only, the latest per purpose is current."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    status = models.CharField(max_length=16, choices=ConsentStatus.choices)
    given_by = models.CharField(max_length=16, choices=ConsentGiver.choices, blank=True)
    given_by_name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=16, choices=ConsentMethod.choices, blank=True)
    capacity_notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.purpose}: {self.status}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class SupportPlan(TimeStampedModel):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="support_plan")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    objectives = models.TextField(blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Plan for {self.case_id}"


class InterventionType(models.TextChoices):
    MENTORING = "ideological_mentoring", "Ideological mentoring"
    EDUCATION = "education", "Education"
    CAREERS = "careers", "Careers"
    HEALTH = "health", "Health"
    HOUSING = "housing", "Housing"
    FAMILY_SUPPORT = "family_support", "Family support"
    DIVERSIONARY = "diversionary", "Diversionary activity"
    OTHER = "other", "Other"


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class Intervention(TimeStampedModel):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="interventions")
    provider = models.ForeignKey("partnership.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=InterventionType.choices)
    description = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=InterventionStatus.choices, default=InterventionStatus.PLANNED)
    progress_notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.plan_id})"


class PostExitReview(models.Model):
    """The 6- and 12-month reviews after exit, scheduled automatically."""

    class Stage(models.IntegerChoices):
        SIX_MONTHS = 6, "6 months"
        TWELVE_MONTHS = 12, "12 months"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="post_exit_reviews")
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="post_exit_review_unique")]

    def __str__(self) -> str:
        return f"{self.stage}-month review of {self.case_id}"
