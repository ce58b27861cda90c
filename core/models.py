from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class TimeStampedModel(models.Model):
    """Base for every domain model: when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class StoredFile(models.Model):
    """Base for an uploaded document: what ``core.web.stored_file_response`` serves it as.

    Subclasses declare the ``file`` field itself (each stores its files under its own path).
    """

    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Notification(models.Model):
    """An in-app notification. Never holds personal data: it says what kind of thing happened and links in."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled: the event changed"
    SKIPPED = "skipped", "Skipped: no longer due when the sweep came"
    FAILED = "failed", "Failed: gave up after repeated errors"


class Reminder(models.Model):
    """The outbox: one reminder of one kind about one object to one person at one moment.

    Written in the same transaction as the event that makes it due, so a
    reminder exists exactly when its event committed. The unique key
    (kind, object, recipient, due moment) makes it impossible to hold, and so
    to send, the same reminder twice. Carries no personal data: what kind of
    thing is due, when (``event_at``), a reference such as ``CASE-2026-000012``
    and a link into Convene, where the sharing rules apply.
    """

    kind = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(help_text="When it should go out (UTC).")
    event_at = models.DateTimeField(null=True, blank=True, help_text="The moment the reminder speaks of.")
    reference = models.CharField(max_length=32, blank=True, help_text="A record reference, never a name.")
    link = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it was sent, cancelled or skipped.")
    note = models.CharField(max_length=200, blank=True, help_text="Why it was cancelled or skipped.")
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True, help_text="Not before this, after a failed email.")
    claimed_by = models.CharField(max_length=64, blank=True, help_text="The sweep that took it in a batch.")
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="Other sweeps leave it alone until then.")
    notification = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminder"
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "recipient", "due_at"], name="reminder_once"
            ),
        ]
        indexes = [
            # The sweep's queue: only unsent rows, in due order.
            models.Index(
                fields=["due_at", "id"], name="reminder_pending_due_idx", condition=models.Q(status="pending")
            ),
            models.Index(fields=["content_type", "object_id", "kind"], name="reminder_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} at {self.due_at:%Y-%m-%d %H:%M}"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class DeliveryAttempt(models.Model):
    """One go at delivering a reminder, recorded in the transaction that marks the reminder sent."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    in_app = models.BooleanField(default=False)
    email = models.BooleanField(default=False)
    detail = models.CharField(max_length=200, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.outcome} {self.reminder_id} at {self.at:%Y-%m-%d %H:%M}"


class NotificationPreference(models.Model):
    """A person's choice for one kind of reminder: email and in-app (the default), or in-app only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {'email' if self.email else 'in-app only'}"


# --- The audit trail ----------------------------------------------------------------------------
# The table keeps its name (sharing_auditevent): its triggers chain and guard it, and
# ``sharing`` verifies the chain. ``core.audit`` writes it, so every app can audit.


class AuditVerb(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Signed out"
    RECORD_VIEWED = "record_viewed", "Viewed a record"
    LIST_VIEWED = "list_viewed", "Viewed a list"
    SEARCHED = "searched", "Searched"
    DOWNLOADED = "downloaded", "Downloaded a document"
    UPLOADED = "uploaded", "Uploaded a document"
    REMOVED = "removed", "Removed a document"
    EXPORTED = "exported", "Exported (disclosure)"
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    SUBMITTED = "submitted", "Submitted"
    SHARED = "shared", "Shared with an agency"
    SHARE_REVOKED = "share_revoked", "Revoked a share"
    SHARE_EXPIRED = "share_expired", "Share expired"
    BREAK_GLASS = "break_glass", "Break-glass access"
    TRANSITION = "transition", "Changed state"
    CONFIGURED = "configured", "Changed configuration"
    CHANGE_REQUESTED = "change_requested", "Asked for a change that needs approval"
    CHANGE_APPROVED = "change_approved", "Approved a change"
    CHANGE_REJECTED = "change_rejected", "Rejected a change"
    TOKEN_ISSUED = "token_issued", "Issued an API token"
    TOKEN_REVOKED = "token_revoked", "Revoked an API token"
    PASSWORD_RESET_THROTTLED = "password_reset_throttled", "Password reset refused (too many requests)"
    AUDIT_ARCHIVED = "audit_archived", "Archived a month of the audit trail"


AUDIT_SEQ_SEQUENCE = "sharing_auditevent_seq_seq"


class AuditEvent(models.Model):
    """Append-only, hash-chained record of who did what, when, from where and why.

    An append is a plain INSERT: ``seq`` comes from a sequence (the insertion order; a write that
    rolls back leaves a hole) and the event is unsealed (``hash`` empty). The sealer
    (``sharing.sealer``, every few seconds) chains committed events in ``seq`` order: ``prev_seq``
    and ``prev_hash`` name the event before, ``hash`` covers both and the contents. A trigger
    refuses UPDATE (but that one), DELETE and TRUNCATE. ``manage.py verify_audit_chain`` recomputes it.

    The table is partitioned by month of ``occurred_at`` (docs/adr/0025-audit-trail-partitioned-by-month.md):
    its primary key in the database is (id, occurred_at), ``id`` alone here (the identity keeps it
    unique). ``seq`` is unique because only its sequence gives it (each partition also holds a unique
    index on it, and the sealer and the verifier refuse a repeat); the database cannot declare it
    UNIQUE across partitions.
    """

    seq = models.BigIntegerField(
        editable=False,
        null=True,
        db_default=models.Func(
            models.Value(AUDIT_SEQ_SEQUENCE), function="nextval", output_field=models.BigIntegerField()
        ),
    )
    occurred_at = models.DateTimeField(editable=False)
    actor_id = models.BigIntegerField(null=True, editable=False)
    actor_username = models.CharField(max_length=150, blank=True, editable=False)
    agency_id = models.BigIntegerField(null=True, editable=False)
    agency_name = models.CharField(max_length=200, blank=True, editable=False)
    verb = models.CharField(max_length=32, choices=AuditVerb.choices, editable=False)
    object_type = models.CharField(max_length=100, blank=True, editable=False)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, editable=False)
    reason = models.TextField(blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, editable=False)
    break_glass = models.BooleanField(default=False, editable=False)
    prev_seq = models.BigIntegerField(
        null=True, editable=False, help_text="The seq of the event before it in the chain, set by the sealer."
    )
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["occurred_at"], name="audit_time_idx"),
            models.Index(fields=["seq"], condition=models.Q(hash=""), name="audit_unsealed_idx"),
        ]
        db_table = "sharing_auditevent"

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_username or 'system'} {self.verb} {self.object_type}:{self.object_id}"
