"""The sharing machinery's data: agency grants (django-guardian direct
foreign-key tables, which double as the visibility index), the ledger of why
each agency has access, break-glass openings and the audit trail.

Domain records take part by subclassing ``ShareableModel`` and declaring one
grant table (a subclass of ``AgencyGrantBase`` with ``related_name="agency_grants"``).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase

from partnership.models import Agency


class SharingColumns(models.Model):
    """What the policy reads on every record it decides, whole or inside another.

    ``classification`` is the minimum clearance rank needed to read it;
    ``owning_agency`` is the agency whose record it is; ``originator_only``
    keeps it inside that agency whatever is shared; ``created_by`` wrote it.
    """

    classification = models.PositiveSmallIntegerField(default=1)
    originator_only = models.BooleanField(default=False)
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        abstract = True


class ShareableModel(SharingColumns):
    """A record whose readers the sharing policy decides.

    ``change_seq`` orders lists newest change first and is copied into the grant rows.
    """

    # The same column, with the help text a whole record's forms show.
    originator_only = models.BooleanField(
        default=False, help_text="Only the owning agency may read this, whatever else is shared."
    )
    change_seq = models.BigIntegerField(default=0, db_index=False, editable=False)

    # Subclasses with a draft state set this to the filter that selects drafts.
    draft_filter: ClassVar[Q | None] = None

    class Meta:
        abstract = True

    @property
    def is_draft(self) -> bool:
        """Drafts are their author's alone; subclasses with a draft state override this."""
        return False


class ShareableChildModel(SharingColumns):
    """A record inside a shareable record (a note, a document, a contribution).

    Readable when its parent is, and the reader's clearance covers its own
    classification, and (when originator-only) the reader is in its owning agency.
    Subclasses name the parent's field in ``shareable_parent_field``.
    """

    shareable_parent_field: str = ""

    class Meta:
        abstract = True

    @property
    def shareable_parent(self) -> ShareableModel:
        parent: ShareableModel = getattr(self, self.shareable_parent_field)
        return parent


class AgencyGrantBase(GroupObjectPermissionBase):
    """An agency's (group's) effective access to one record.

    One row per (agency group, record), kept in step with the ledger by
    ``sharing.services``. Denormalised columns let a caseload page be read
    from one index in order: ``(group, sort_key)``.
    """

    expires_at = models.DateTimeField(null=True, blank=True)
    classification = models.PositiveSmallIntegerField(default=1)
    restricted = models.BooleanField(default=False, help_text="Originator-only record held by another agency.")
    sort_key = models.BigIntegerField(default=0)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True


class ShareBasis(models.TextChoices):
    REFERRING_AGENCY = "referring_agency", "Referring agency"
    SCREENING_AGENCY = "screening_agency", "Screening agency"
    INFORMATION_REQUEST = "information_request", "Information request"
    CASE_OWNER = "case_owner", "Case owner's agency"
    PANEL_MEMBER = "panel_member", "Panel member agency"
    EXPLICIT = "explicit", "Shared"


class Share(models.Model):
    """Why an agency can read a record: one row per event that granted access."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="shares")
    basis = models.CharField(max_length=32, choices=ShareBasis.choices)
    reason = models.TextField(blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True, help_text="When the expiry was tidied and audited.")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "agency"], name="share_record_agency_idx")]
        constraints = [
            # Identical requests (same record, agency, reason and expiry) make one live share, however
            # many arrive at once; a share with another expiry (an extension) is a share of its own.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "agency", "reason", "expires_at"],
                condition=Q(basis="explicit", revoked_at__isnull=True, lapsed_at__isnull=True),
                nulls_distinct=False,
                name="share_identical_live_explicit_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_basis_display()} to {self.agency_id} for {self.content_type_id}:{self.object_id}"


class BreakGlass(models.Model):
    """A user's time-limited opening of one record outside the normal rules."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "break-glass access"
        verbose_name_plural = "break-glass accesses"
        indexes = [models.Index(fields=["user", "content_type", "object_id"], name="breakglass_user_record_idx")]

    def __str__(self) -> str:
        return f"Break-glass by {self.user_id} on {self.content_type_id}:{self.object_id}"


class AuditCheckpoint(models.Model):
    """A signed seal of the audit trail's head: event ``seq`` had ``head_hash`` and was the
    ``event_count``-th event. ``signature`` is an HMAC-SHA256 over those and ``created_at`` with
    ``CONVENE_AUDIT_CHECKPOINT_KEY`` (never in the database); each checkpoint is also appended to
    ``CONVENE_AUDIT_CHECKPOINT_FILE``. Append-only (a trigger refuses UPDATE and DELETE);
    ``sharing.chain`` writes and verifies them.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    head_hash = models.CharField(max_length=64, editable=False)
    event_count = models.BigIntegerField(editable=False)
    created_at = models.DateTimeField(editable=False)
    signature = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"Checkpoint at event {self.seq} ({self.event_count} events)"


class AuditVerification(models.Model):
    """A run of ``verify_audit_chain`` that found the trail intact up to checkpoint ``checkpoint_seq``.

    The newest one whose ``signature`` (HMAC-SHA256 with the checkpoint key) holds is where the next
    run starts, so verification reads only the events sealed since. Append-only, like the trail.
    """

    checkpoint_seq = models.BigIntegerField(editable=False)
    checkpoint_hash = models.CharField(max_length=64, editable=False)
    verified_at = models.DateTimeField(editable=False)
    full = models.BooleanField(editable=False, help_text="Recomputed from the first event (--full).")
    events_checked = models.BigIntegerField(editable=False)
    signature = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Verified up to event {self.checkpoint_seq} at {self.verified_at:%Y-%m-%d %H:%M}"
