"""Subject people, referrals and their attachments."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import StoredFile, TimeStampedModel
from referrals.national import NATIONAL_CODES, Dimension
from sharing.models import AgencyGrantBase, ShareableChildModel, ShareableModel


class StatisticsCategoryQuerySet(models.QuerySet["StatisticsCategory"]):
    def current(self, dimension: str, on: dt.date | None = None) -> StatisticsCategoryQuerySet:
        """The categories of ``dimension`` in the version valid ``on`` (today), in their order."""
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on), dimension=dimension, valid_from__lte=on
        ).order_by("sort", "pk")


class StatisticsCategory(models.Model):
    """One category of a national statistics dimension (``referrals.national``) in one version.

    The code is national and fixed; the label, order and validity are data. A record points at the
    row it was recorded with, so a later version of a list never rewrites what was recorded.
    """

    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    version = models.CharField(max_length=20, help_text="The release the list comes from, like 2024-25.")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    sort = models.PositiveSmallIntegerField(default=0)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    unknown = models.BooleanField(default=False, help_text="Records nothing about the person: not known.")

    objects = StatisticsCategoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "statistics categories"
        ordering = ["dimension", "version", "sort"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "version", "code"], name="statistics_category_unique"),
        ]
        indexes = [models.Index(fields=["dimension", "valid_from"], name="statistics_category_dim_idx")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.code not in NATIONAL_CODES.get(self.dimension, frozenset()):
            raise ValidationError({"code": f"{self.code} is not a national code for {self.dimension}."})


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Not known"


def _national(dimension: str) -> models.ForeignKey[StatisticsCategory | None, StatisticsCategory | None]:
    """A recorded answer on a national list: optional, and never deleting what it records."""
    return models.ForeignKey(
        StatisticsCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"dimension": dimension},
    )


class Person(TimeStampedModel):
    """The person referred. Each referral holds its own copy; likely duplicates are linked, never merged."""

    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    other_names = models.CharField(max_length=300, blank=True, help_text="Aliases and previous names.")
    date_of_birth = models.DateField(null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=16, choices=Sex.choices, blank=True)
    gender = models.CharField(max_length=100, blank=True)
    gender_category = _national(Dimension.GENDER)
    ethnicity = _national(Dimension.ETHNICITY)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    school_or_employer = models.CharField(max_length=200, blank=True)
    guardian_name = models.CharField(max_length=200, blank=True)
    guardian_contact = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    # Matching keys, computed by referrals.matching when the person is saved.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    phonetic_key = models.CharField(max_length=100, blank=True, editable=False)
    postcode_key = models.CharField(max_length=10, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["phonetic_key", "date_of_birth"], name="person_phonetic_dob_idx"),
            models.Index(fields=["date_of_birth", "postcode_key"], name="person_dob_postcode_idx"),
            models.Index(fields=["name_key"], name="person_name_key_idx"),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class IdentifierType(models.TextChoices):
    NHS_NUMBER = "nhs_number", "NHS number"
    POLICE_REFERENCE = "police_reference", "Police reference"
    UPN = "upn", "Unique pupil number"
    NI_NUMBER = "ni_number", "National Insurance number"
    LOCAL_AUTHORITY = "local_authority", "Local authority reference"
    OTHER = "other", "Other"


class PersonIdentifier(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=32, choices=IdentifierType.choices)
    value = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SCREENING = "screening", "Screening"
    CLOSED = "closed", "Closed: no further action"
    SIGNPOSTED = "signposted", "Signposted to another service"
    ACCEPTED = "accepted", "Accepted for panel"


class Ideology(models.TextChoices):
    ISLAMIST = "islamist", "Islamist"
    EXTREME_RIGHT_WING = "extreme_right_wing", "Extreme right-wing"
    LEFT_WING = "left_wing", "Left-wing, anarchist or single-issue"
    MIXED = "mixed", "Mixed, unclear or unstable"
    SCHOOL_MASSACRE_INCEL = "school_massacre_incel", "School massacre or incel"
    CONFLICTED = "conflicted", "Conflicted"
    OTHER = "other", "Other"


class Indicator(models.TextChoices):
    ONLINE_MATERIAL = "online_material", "Accessing or sharing extremist material online"
    CHANGE_IN_BEHAVIOUR = "change_in_behaviour", "Sudden change in behaviour or appearance"
    ISOLATION = "isolation", "Withdrawal from family and friends"
    EXPRESSED_SUPPORT = "expressed_support", "Expressed support for violence or extremist groups"
    CONTACT_WITH_EXTREMISTS = "contact_with_extremists", "Contact with known extremists"
    GRIEVANCE = "grievance", "Strong grievance or sense of injustice"
    TRAVEL = "travel", "Talk of travel to a conflict zone"
    WEAPONS_INTEREST = "weapons_interest", "Interest in weapons or attacks"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    PRIORITY = "priority", "Priority"
    URGENT = "urgent", "Urgent"


class Awareness(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ScreeningDecision(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    SIGNPOST = "signpost", "Signpost to another service"
    REFER_TO_PANEL = "refer_to_panel", "Refer to the panel"


class SignpostService(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    MENTAL_HEALTH = "mental_health", "Mental health services"
    EARLY_HELP = "early_help", "Early help"
    POLICE_LED = "police_led", "Police-led management"
    EDUCATION = "education", "Education support"
    OTHER = "other", "Other service"


class Outcome(models.TextChoices):
    """Fixed outcome codes for every closure and decision, so statistics are consistent."""

    SCREEN_NFA = "SCR-NFA", "Screening: no further action"
    SCREEN_SIGNPOSTED = "SCR-SIGN", "Screening: signposted"
    SCREEN_TO_PANEL = "SCR-PANEL", "Screening: referred to panel"
    PANEL_ADOPTED = "PNL-ADOPT", "Panel: adopted"
    PANEL_NOT_ADOPTED = "PNL-NOTADOPT", "Panel: not adopted, signposted"
    EXIT_RISK_REDUCED = "EXIT-RISK", "Exit: risk reduced"
    EXIT_CONSENT_WITHDRAWN = "EXIT-CONSENT", "Exit: consent withdrawn"
    EXIT_ESCALATED = "EXIT-POLICE", "Exit: escalated to police-led management"
    EXIT_MOVED = "EXIT-MOVED", "Exit: moved out of area"
    EXIT_OTHER = "EXIT-OTHER", "Exit: other"
    CLOSED_AFTER_REVIEW = "CLOSED-REVIEW", "Closed after 12-month review"


class Referral(ShareableModel, TimeStampedModel):
    """A referral of a person of concern. Readers are decided by ``sharing.policy``."""

    draft_filter: ClassVar[Q | None] = Q(status=ReferralStatus.DRAFT)

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    subject = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="referral")
    concerns = models.TextField(blank=True)
    ideology = models.CharField(max_length=32, choices=Ideology.choices, blank=True)
    """Convene's first type-of-concern list, still the API's ``ideology``; kept in step with ``concern_type``."""
    concern_type = _national(Dimension.CONCERN_TYPE)
    source_sector = _national(Dimension.SOURCE_SECTOR)
    indicators = ArrayField(models.CharField(max_length=32, choices=Indicator.choices), default=list, blank=True)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, blank=True)
    immediate_risk = models.BooleanField(null=True, blank=True)
    immediate_risk_details = models.TextField(blank=True)
    person_aware = models.CharField(max_length=16, choices=Awareness.choices, blank=True)
    guardian_aware = models.CharField(max_length=16, choices=Awareness.choices, blank=True)
    consent_sought = models.CharField(max_length=16, choices=Awareness.choices, blank=True)
    consent_notes = models.TextField(blank=True)
    # Recorded in screening where known (the PCMT's consent and mental-health and neurodiversity fields).
    consent_status = _national(Dimension.CONSENT)
    recorded_needs = models.ManyToManyField(
        StatisticsCategory, blank=True, related_name="+", limit_choices_to={"dimension": Dimension.NEED}
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_role = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=50, blank=True)
    referrer_email = models.EmailField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Screening (issue 4).
    screening_due_at = models.DateTimeField(null=True, blank=True)
    rag = models.CharField(max_length=8, choices=Rag.choices, blank=True)
    screening_decision = models.CharField(max_length=32, choices=ScreeningDecision.choices, blank=True)
    signposted_to = models.CharField(max_length=32, choices=SignpostService.choices, blank=True)
    screening_rationale = models.TextField(blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # Optimistic concurrency: every change bumps it; a stale edit is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["created_by", "status"], name="referral_author_status_idx"),
            models.Index(fields=["owning_agency", "status"], name="referral_agency_status_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReferralStatus.DRAFT


class ReferralAgencyGrant(AgencyGrantBase):
    """Agency access to a referral: guardian's direct foreign-key table and the caseload index."""

    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="agency_grants")

    class Meta(AgencyGrantBase.Meta):
        indexes = [
            models.Index(fields=["group", "-sort_key"], name="referralgrant_caseload_idx"),
            models.Index(fields=["content_object", "group"], name="referralgrant_record_idx"),
        ]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.referral_id}/{uuid.uuid4().hex}"


class Attachment(ShareableChildModel, StoredFile):
    """A document attached to a referral, stored outside the web root and served after a policy check."""

    shareable_parent_field = "referral"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PossibleMatch(models.Model):
    """A likely duplicate found on submission: linked, never merged."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="possible_matches")
    matched = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    reasons = ArrayField(models.CharField(max_length=64), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral", "matched"], name="possible_match_unique")]

    def __str__(self) -> str:
        return f"Possible match {self.referral_id} ~ {self.matched_id}"


class ReferralSequence(models.Model):
    """Per-year counters for human-readable references (REF-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


REFERENCE_DIGITS = 6
MAX_ATTACHMENT_BYTES = getattr(settings, "CONVENE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


# --- The chronology: every event on a referral and, once accepted, its case ------------


class EntryType(models.TextChoices):
    REFERRAL = "referral", "Referral"
    SCREENING_NOTE = "screening_note", "Screening note"
    DECONFLICTION = "deconfliction", "Deconfliction"
    RAG_REVIEW = "rag_review", "RAG review"
    SCREENING_DECISION = "screening_decision", "Screening decision"
    INFORMATION_REQUEST = "information_request", "Information request"
    CONTRIBUTION = "contribution", "Agency contribution"
    CASE_NOTE = "case_note", "Case note"
    STATE_CHANGE = "state_change", "Change of state"
    PANEL_DECISION = "panel_decision", "Panel decision"
    CONSENT = "consent", "Consent"
    ASSESSMENT = "assessment", "Vulnerability assessment"


class ChronologyEntry(ShareableChildModel):
    """One entry of the multi-agency chronology: a note, a contribution, a decision, a change of state.

    Each carries its source agency, author and classification. Above-Baseline
    entries may have a releasable summary that lower-cleared readers see instead.
    """

    shareable_parent_field = "referral"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="entries")
    entry_type = models.CharField(max_length=32, choices=EntryType.choices)
    occurred_at = models.DateTimeField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    releasable_summary = models.TextField(blank=True)
    significant = models.BooleanField(default=False)
    rag = models.CharField(max_length=8, choices=Rag.choices, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "chronology entries"
        indexes = [models.Index(fields=["referral", "occurred_at", "id"], name="entry_referral_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_entry_type_display()} {self.pk}"
