"""Cases and their lifecycle, information requests, and what agencies return to them.

A case is a referral accepted for the panel: it shares the referral's id, grants and
classification, so ``sharing.policy`` decides who reads it through the referral.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from core.models import StoredFile, TimeStampedModel
from referrals.models import ChronologyEntry, Outcome, Referral


class CaseStatus(models.TextChoices):
    INFORMATION_GATHERING = "information_gathering", "Information gathering"
    DISCUSSED = "discussed", "Discussed at panel"
    ADOPTED = "adopted", "Adopted"
    NOT_ADOPTED = "not_adopted", "Not adopted"
    SUPPORT_ACTIVE = "support_active", "Support plan active"
    EXITED = "exited", "Exited"
    REVIEWED_6_MONTHS = "reviewed_6_months", "Post-exit review at 6 months done"
    CLOSED = "closed", "Closed"


class Case(TimeStampedModel):
    """A referral accepted for the panel. It shares the referral's id, grants and classification."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, primary_key=True, related_name="case")
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=32, choices=CaseStatus.choices, default=CaseStatus.INFORMATION_GATHERING)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases")
    panel = models.ForeignKey("partnership.Panel", on_delete=models.PROTECT, related_name="cases")
    opened_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    exited_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["panel", "status"], name="case_panel_status_idx")]

    def __str__(self) -> str:
        return self.reference


class CaseTransition(models.Model):
    """Who moved a case, from what to what, when and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=32, choices=CaseStatus.choices)
    to_status = models.CharField(max_length=32, choices=CaseStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    RETURNED = "returned", "Returned"
    CLOSED = "closed", "Closed"


class InformationRequest(TimeStampedModel):
    """A request to an agency for what it knows about a referral: sent by the screening officer while the
    referral is screened, or by the case's managers once it is a case.

    It always belongs to its referral (whose grants and classification decide who reads it); ``case`` is
    set when the referral is a case, and a request sent during screening follows the referral into the
    case it becomes (``cases.services.screen_referral``).
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="information_requests")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="information_requests")
    agency = models.ForeignKey("partnership.Agency", on_delete=models.PROTECT, related_name="information_requests")
    question = models.TextField()
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_requests"
    )
    chase_count = models.PositiveSmallIntegerField(default=0)
    last_chased_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["agency", "status", "due_date"], name="inforeq_agency_status_idx")]

    def __str__(self) -> str:
        return f"Request {self.pk}"

    @property
    def reference(self) -> str:
        """The reference of what it is about: the case's once there is one, else the referral's (both
        joined by the selectors that list requests)."""
        if self.case_id is not None and self.case is not None:
            return self.case.reference
        return self.referral.reference or ""


def entry_document_path(instance: EntryDocument, filename: str) -> str:
    return f"entries/{instance.entry.referral_id}/{uuid.uuid4().hex}"


class EntryDocument(StoredFile):
    """A document returned with a contribution; readable exactly when its entry is."""

    entry = models.ForeignKey(ChronologyEntry, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=entry_document_path)

    def __str__(self) -> str:
        return self.original_name


class Contribution(models.Model):
    """Links an agency's contribution (a chronology entry) to the information request it answers."""

    entry = models.OneToOneField(
        ChronologyEntry, on_delete=models.CASCADE, primary_key=True, related_name="contribution"
    )
    information_request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="contributions")

    def __str__(self) -> str:
        return f"Contribution {self.pk} to request {self.information_request_id}"
