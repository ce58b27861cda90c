"""Who may read a record, written out from DESIGN.md's sharing model (rules 4, 5 and 8) for the
reminder tests: from the ledger of shares and the person's roles, not from the grant index that
``sharing.policy`` reads. And a scan of what was sent for any record reference its recipient may
not read (rule 12)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone

from core.models import Notification, Reminder
from partnership.models import User
from referrals.models import Referral
from sharing.models import Share

# Rule 8: case content is read only by people in these roles.
CASE_WORKING_ROLES = {"practitioner", "screening_officer", "spoc", "panel_chair", "panel_member"}
REFERENCE = re.compile(r"\b(?:REF|CASE)-\d{4}-\d{6}\b")


def may_read(user: User, referral: Referral) -> bool:
    """DESIGN.md: an active person in a case-working role, whose agency (active) was granted the
    record by an event or a live share (rule 5), whose clearance covers its classification (rule 4),
    and inside its agency when it is originator-only."""
    user = User.objects.select_related("agency", "clearance").get(pk=user.pk)
    referral = Referral.objects.get(pk=referral.pk)
    if not (user.is_active and user.agency is not None and user.agency.is_active):
        return False
    if not CASE_WORKING_ROLES & set(user.roles):
        return False
    if referral.classification > (user.clearance.rank if user.clearance else 0):
        return False
    if referral.originator_only and referral.owning_agency_id != user.agency_id:
        return False
    now = timezone.now()
    return (
        Share.objects.filter(
            content_type=ContentType.objects.get_for_model(Referral),
            object_id=referral.pk,
            agency_id=user.agency_id,
            revoked_at__isnull=True,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exists()
    )


def linked_referral(link: str) -> Referral | None:
    """The referral (or case: they share an id) a link into Convene is about, when it is about one."""
    from cases.models import InformationRequest

    try:
        match = resolve(link.split("?")[0].split("#")[0])
    except Resolver404:
        return None
    kwargs = match.kwargs
    if "referral_id" in kwargs:
        return Referral.objects.filter(pk=kwargs["referral_id"]).first()
    if "case_id" in kwargs:
        return Referral.objects.filter(pk=kwargs["case_id"]).first()
    if "request_id" in kwargs:
        request = InformationRequest.objects.filter(pk=kwargs["request_id"]).select_related("case__referral").first()
        return request.case.referral if request else None
    return None


def referral_named(reference: str) -> Referral | None:
    """The referral a REF-… reference, or its case's CASE-… reference, names."""
    return (
        Referral.objects.filter(reference=reference).first()
        or Referral.objects.filter(case__reference=reference).first()
    )


@dataclass(frozen=True)
class Told:
    """One thing sent to one person: what they read (title or subject and body), and its link."""

    recipient: User
    text: str
    link: str
    what: str


def told_by_email(messages: Iterable[EmailMessage]) -> list[Told]:
    by_pk = {}
    for message in messages:
        pk = int(message.extra_headers["X-Convene-Reminder"])
        by_pk[pk] = message
    reminders = Reminder.objects.select_related("recipient").in_bulk(list(by_pk))
    return [
        Told(reminders[pk].recipient, f"{m.subject}\n{m.body}", reminders[pk].link, f"email {m.subject!r}")
        for pk, m in by_pk.items()
    ]


def told_in_app(notifications: Iterable[Notification]) -> list[Told]:
    return [Told(n.recipient, n.title, n.link, f"notification {n.title!r}") for n in notifications]


def unreadable_mentions(told: Iterable[Told]) -> list[str]:
    """Each record reference, or link to a record, sent to someone who may not read that record (now)."""
    found = []
    for item in told:
        for reference in sorted(set(REFERENCE.findall(item.text + "\n" + item.link))):
            referral = referral_named(reference)
            if referral is None or not may_read(item.recipient, referral):
                found.append(f"{reference} to {item.recipient.username} in {item.what}")
        linked = linked_referral(item.link) if item.link else None
        if linked is not None and not may_read(item.recipient, linked):
            found.append(f"a link to referral {linked.pk} to {item.recipient.username} in {item.what}")
    return found
