"""Partnership configuration: agencies, clearance levels and the people who use Convene."""

from __future__ import annotations

from datetime import date as date_type

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device

from core.models import TimeStampedModel


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    ADULT_SERVICES = "adult_services", "Adult services"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    HOUSING = "housing", "Housing"
    FIRE_AND_RESCUE = "fire_and_rescue", "Fire and rescue"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    INTERVENTION_PROVIDER = "intervention_provider", "Intervention provider"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    """Roles from the sharing model (rule 8). The first five are case-working roles."""

    PRACTITIONER = "practitioner", "Practitioner"
    SCREENING_OFFICER = "screening_officer", "Screening officer"
    SPOC = "spoc", "Agency single point of contact"
    PANEL_CHAIR = "panel_chair", "Panel chair"
    PANEL_MEMBER = "panel_member", "Panel member"
    PARTNERSHIP_ADMIN = "partnership_admin", "Partnership admin"
    AUDITOR = "auditor", "Auditor"


CASE_WORKING_ROLES = frozenset(
    {Role.PRACTITIONER, Role.SCREENING_OFFICER, Role.SPOC, Role.PANEL_CHAIR, Role.PANEL_MEMBER}
)


class ClearanceLevel(TimeStampedModel):
    """A security clearance. Records carry the minimum rank needed to read them."""

    rank = models.PositiveSmallIntegerField(unique=True, help_text="Higher ranks may read more.")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.rank} {self.name}"


class Agency(TimeStampedModel):
    """A partner organisation. Its django Group carries its object permissions."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    is_active = models.BooleanField(
        default=True, help_text="Inactive agencies keep their history; their users cannot sign in."
    )
    screens_referrals = models.BooleanField(
        default=False, help_text="This agency screens new referrals (usually police Prevent)."
    )
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's devices, by reverse FK
    """Someone who uses Convene: one agency, one clearance level, some roles."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    clearance = models.ForeignKey(ClearanceLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    roles = ArrayField(models.CharField(max_length=32, choices=Role.choices), default=list, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    # Bumped to end every session of this user at once (see _get_session_auth_hash).
    session_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["agency", "is_active"], name="user_agency_active_idx")]

    @property
    def clearance_rank(self) -> int:
        """0 when the user holds no clearance: every record needs at least rank 1."""
        return self.clearance.rank if self.clearance_id and self.clearance else 0

    def has_role(self, role: Role | str) -> bool:
        return role in self.roles

    @property
    def is_case_worker(self) -> bool:
        return bool(CASE_WORKING_ROLES.intersection(self.roles))

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks this on every request; including session_version means
        # that bumping it signs the user out everywhere.
        key_salt = "partnership.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_version}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class ApiToken(models.Model):
    """A partner system's credential. Only a SHA-256 digest of the key is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=200, blank=True, help_text="What the token is for.")
    prefix = models.CharField(max_length=8, editable=False, help_text="First characters, to recognise a key.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class PartnershipSettings(models.Model):
    """Partnership-wide timings that admins configure (one row)."""

    screening_working_days = models.PositiveSmallIntegerField(
        default=5, help_text="Working days from submission within which a routine referral's screening is due."
    )
    information_request_working_days = models.PositiveSmallIntegerField(
        default=10, help_text="Default working days for an agency to answer an information request."
    )
    urgent_screening_working_days = models.PositiveSmallIntegerField(
        default=1, help_text="Working days from submission within which an urgent referral's screening is due."
    )
    priority_screening_working_days = models.PositiveSmallIntegerField(
        default=3, help_text="Working days from submission within which a priority referral's screening is due."
    )
    draft_retention_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days after its last change when an unsubmitted draft referral is deleted."
    )
    break_glass_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="How long a break-glass opening lasts."
    )
    second_admin_approval = models.BooleanField(
        default=True,
        help_text=(
            "A second partnership admin approves every raised clearance, new role and move of a case "
            "worker to another agency before it applies (and turning this off needs approval too)."
        ),
    )

    class Meta:
        verbose_name = "partnership settings"
        verbose_name_plural = "partnership settings"

    def __str__(self) -> str:
        return "Partnership settings"

    @classmethod
    def current(cls) -> PartnershipSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class Panel(TimeStampedModel):
    """A Channel panel: its chair, member agencies, cadence, quorum rule and reminder timing."""

    name = models.CharField(max_length=200, unique=True)
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="chaired_panels")
    deputy_chair = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="deputy_chaired_panels", null=True, blank=True
    )
    member_agencies = models.ManyToManyField(Agency, through="PanelMembership", related_name="panels")
    cadence_weeks = models.PositiveSmallIntegerField(default=6)
    first_meeting_at = models.DateTimeField(help_text="The first meeting; later ones follow the cadence.")
    meeting_duration_minutes = models.PositiveSmallIntegerField(default=120)
    venue = models.CharField(max_length=300, blank=True)
    call_link = models.URLField(blank=True)
    quorum_requires_chair = models.BooleanField(default=True)
    quorum_required_kinds = ArrayField(
        models.CharField(max_length=32, choices=AgencyKind.choices),
        default=list,
        blank=True,
        help_text="Agency kinds that must attend (e.g. police).",
    )
    quorum_min_agencies = models.PositiveSmallIntegerField(
        default=3, help_text="Least number of member agencies attending, including required ones."
    )
    notice_days_before = models.PositiveSmallIntegerField(default=7)
    papers_days_before = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PanelMembership(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="panel_memberships")
    representatives = models.ManyToManyField(User, blank=True, related_name="panel_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "agency"], name="panel_membership_unique")]

    def __str__(self) -> str:
        return f"{self.agency} on {self.panel}"


class ChangeRequestKind(models.TextChoices):
    USER = "user", "A person's access"
    SETTINGS = "settings", "Partnership settings"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ChangeRequest(models.Model):
    """A configuration change waiting for a second partnership admin (DESIGN.md rule 13).

    ``before`` holds the values of the changed fields when the change was asked for and ``after``
    the values asked for (the keys of ``partnership.snapshots``). Approval applies ``after`` only
    while the record still holds ``before``; neither the person who asked nor the person it is
    about may decide it."""

    kind = models.CharField(max_length=16, choices=ChangeRequestKind.choices)
    target_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="change_requests"
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="change_requests_made")
    requested_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="change_requests_decided"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "change awaiting approval"
        verbose_name_plural = "changes awaiting approval"
        indexes = [models.Index(fields=["status", "requested_at"], name="change_request_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="user", target_user__isnull=False)
                | models.Q(kind="settings", target_user__isnull=True),
                name="change_request_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="change_request_decided_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        about = self.target_user.username if self.target_user_id and self.target_user else "partnership settings"
        return f"Change #{self.pk} to {about} ({self.get_status_display()})"


class LawfulBasis(models.TextChoices):
    """The lawful bases a data-sharing agreement may rest on (DESIGN.md: the partnership's legal gateway)."""

    PUBLIC_TASK = "uk_gdpr_6_1_e", "UK GDPR Article 6(1)(e): a task in the public interest"
    SUBSTANTIAL_PUBLIC_INTEREST = "uk_gdpr_9_2_g", "UK GDPR Article 9(2)(g): reasons of substantial public interest"
    STATUTORY_PURPOSES = (
        "dpa_2018_sch1_pt2_6",
        "Data Protection Act 2018 Schedule 1 Part 2 paragraph 6: statutory and government purposes",
    )


class DataSharingAgreementQuerySet(models.QuerySet["DataSharingAgreement"]):
    def current(self, on: date_type) -> DataSharingAgreementQuerySet:
        """Signed and not yet past review on ``on``, newest signed first: the first per agency is its current one."""
        return self.filter(signed_on__isnull=False, signed_on__lte=on, review_due__gte=on).order_by(
            "agency_id", "-signed_on", "-pk"
        )


class DataSharingAgreement(TimeStampedModel):
    """An agency's data-sharing agreement. Without a current one (signed, review date not passed)
    the agency receives no new explicit shares or information requests; what it holds already stays."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="data_sharing_agreements")
    reference = models.CharField(max_length=100, help_text="The agreement's reference in the partnership's register.")
    signed_on = models.DateField(null=True, blank=True, help_text="Empty until every party has signed.")
    review_due = models.DateField(help_text="The agreement lapses after this date unless renewed.")
    lawful_bases = ArrayField(
        models.CharField(max_length=32, choices=LawfulBasis.choices),
        default=list,
        help_text="The lawful bases the sharing rests on.",
        error_messages={"blank": "Choose at least one lawful basis."},
    )

    objects = DataSharingAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "-signed_on", "-pk"]
        verbose_name = "data-sharing agreement"
        indexes = [models.Index(fields=["agency", "review_due"], name="dsa_agency_review_idx")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.agency})"

    def clean(self) -> None:
        if self.signed_on and self.signed_on > timezone.localdate():
            raise ValidationError({"signed_on": "The date it was signed must be today or in the past."})
        if self.signed_on and self.review_due and self.review_due <= self.signed_on:
            raise ValidationError({"review_due": "The review date must be after the date it was signed."})


# What the IdP's claims must say for its sign-in to count as two-factor (RFC 8176 method references).
DEFAULT_MFA_AMR_VALUES = ["mfa", "otp", "hwk", "swk", "sc"]


def default_mfa_amr_values() -> list[str]:
    return list(DEFAULT_MFA_AMR_VALUES)


class SingleSignOn(TimeStampedModel):
    """An agency's OpenID Connect identity provider. Its people sign in there; each is matched by
    the verified email claim to an existing active user of this agency whose email domain is
    allowed (never created, never given a role by the provider). The client secret is kept
    encrypted (``partnership.sso_secrets``), never in plain text."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="single_sign_on")
    is_enabled = models.BooleanField(default=True, help_text="Its people sign in with their work account.")
    issuer = models.URLField(max_length=300, help_text="The provider's issuer; its discovery document is read from it.")
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField(editable=False)
    allowed_email_domains = ArrayField(models.CharField(max_length=253), default=list)
    mfa_amr_values = ArrayField(
        models.CharField(max_length=64),
        default=default_mfa_amr_values,
        blank=True,
        help_text="An amr value among these means the provider asked for a second factor.",
    )
    mfa_acr_values = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="An acr value among these means the provider asked for a second factor.",
    )

    class Meta:
        verbose_name = "single sign-on"
        verbose_name_plural = "single sign-on"

    def __str__(self) -> str:
        return f"Single sign-on for {self.agency}"


class IdentityProviderDevice(Device):
    """django-otp's record that an agency's identity provider confirmed a person's second factor.
    It verifies no code: only a single sign-on whose amr/acr say MFA marks a session verified with it."""

    class Meta:
        verbose_name = "identity provider's two-factor"

    def verify_token(self, token: object) -> bool:
        return False
