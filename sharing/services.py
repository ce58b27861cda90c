"""Writes to sharing state: grants by events, explicit shares, revocation,
expiry, break-glass. Each one audits itself. Guardian's grant rows are
written here and nowhere else."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Max, Q, QuerySet, Value, When
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from core.audit import record_event
from core.errors import ConflictError, NotFound, ValidationError
from core.models import AuditVerb
from core.services import stamped
from partnership.models import Agency, User
from partnership.selectors import agreement_refusals
from sharing import policy, reminders
from sharing.models import BreakGlass, Share, ShareableModel, ShareBasis

BREAK_GLASS_MINUTES = getattr(settings, "CONVENE_BREAK_GLASS_MINUTES", 60)


def next_change_seq() -> int:
    """A database-wide, ever-increasing number: lists sort on it, newest change first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('sharing_change_seq')")
        value: int = cursor.fetchone()[0]
    return value


def save_to_top(record: ShareableModel, *fields: str) -> None:
    """Save ``fields`` of ``record`` and move it to the top of everyone's lists (its grant rows follow)."""
    record.change_seq = next_change_seq()
    record.save(update_fields=stamped(record, [*fields, "change_seq"]))
    record_changed(record)


def _view_perm(record: ShareableModel) -> str:
    return f"{record._meta.app_label}.view_{record._meta.model_name}"


def _shares_for(record: ShareableModel) -> QuerySet[Share]:
    ct = ContentType.objects.get_for_model(type(record))
    return Share.objects.filter(content_type=ct, object_id=record.pk)


def _restricted(record: ShareableModel, agency_id: int) -> bool:
    return record.originator_only and record.owning_agency_id != agency_id


def sync_agency_access(record: ShareableModel, agency: Agency) -> None:
    """Make the agency's grant row reflect its live shares: present with the latest expiry, or gone."""
    now = timezone.now()
    live = (
        _shares_for(record)
        .filter(agency=agency, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )
    summary = live.aggregate(
        latest=Max("expires_at"), permanent=Max(Case(When(expires_at__isnull=True, then=1), default=0))
    )
    grants = policy.grant_model(type(record)).objects.filter(content_object_id=record.pk, group_id=agency.group_id)
    if summary["latest"] is None and not summary["permanent"]:
        if grants.exists():
            remove_perm(_view_perm(record), agency.group, record)
        return
    expires = None if summary["permanent"] else summary["latest"]
    assign_perm(_view_perm(record), agency.group, record)
    grants.update(
        expires_at=expires,
        classification=record.classification,
        restricted=_restricted(record, agency.pk),
        sort_key=record.change_seq,
    )


def record_changed(record: ShareableModel) -> None:
    """Copy a record's classification, originator flag and change order into its grant rows.

    Call after saving a record whose ``change_seq`` was set from ``next_change_seq()``.
    """
    owner_group = Agency.objects.filter(pk=record.owning_agency_id).values("group_id")
    policy.grant_model(type(record)).objects.filter(content_object_id=record.pk).update(
        sort_key=record.change_seq,
        classification=record.classification,
        restricted=Case(
            When(group_id__in=owner_group, then=Value(False)),
            default=Value(record.originator_only),
        ),
    )


def grant_by_event(
    *, record: ShareableModel, agency: Agency, basis: ShareBasis, actor: User | None, reason: str = ""
) -> Share:
    """Access that follows from an event (submission, screening, a request, a panel agenda)."""
    share = Share.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        agency=agency,
        basis=basis,
        reason=reason,
        granted_by=actor,
    )
    sync_agency_access(record, agency)
    record_event(
        actor=actor,
        verb=AuditVerb.SHARED,
        obj=record,
        reason=reason,
        details={"agency": agency.pk, "basis": str(basis), "share": share.pk},
    )
    return share


def _require_sharer(actor: User, record: ShareableModel) -> None:
    policy.require_capability(
        actor, record, allowed=not record.is_draft, refusal="A draft is not shared with anyone until it is submitted."
    )


@transaction.atomic
def share_with_agency(
    *, actor: User, record: ShareableModel, agency: Agency, reason: str, expires_at: datetime | None = None
) -> Share:
    """An explicit share, with a reason and optional expiry.

    Who may share is the record's app's capability (``referrals.permissions.Capability.SHARE``, asked by
    ``referrals.services.share_referral``, which calls this); the sharing half is held here as well: a
    draft is shared with nobody, and only a reader through their agency's grant shares, never one
    who reads the record only through break-glass (rule 11).
    """
    record = type(record)._default_manager.select_for_update().get(pk=record.pk)
    _require_sharer(actor, record)
    errors: dict[str, list[str]] = {}
    if not reason or not reason.strip():
        errors["reason"] = ["Give a reason for sharing."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    if not agency.is_active:
        errors["agency"] = ["That agency is not active."]
    elif refusals := agreement_refusals([agency], sent="new shares"):
        errors["agency"] = refusals
    if errors:
        raise ValidationError(errors)
    share, created = _create_explicit_share(
        actor=actor, record=record, agency=agency, reason=reason.strip(), expires_at=expires_at
    )
    if not created:
        return share
    sync_agency_access(record, agency)
    reminders.sync_share(share, record)
    record_event(
        actor=actor,
        verb=AuditVerb.SHARED,
        obj=record,
        reason=share.reason,
        details={
            "agency": agency.pk,
            "basis": ShareBasis.EXPLICIT,
            "share": share.pk,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return share


def _create_explicit_share(
    *, actor: User, record: ShareableModel, agency: Agency, reason: str, expires_at: datetime | None
) -> tuple[Share, bool]:
    """Insert the share, or find the identical live one: the database's unique constraint decides, not a
    prior check, so identical concurrent requests make one share and the repeats get it back."""
    fields = {
        "content_type": ContentType.objects.get_for_model(type(record)),
        "object_id": record.pk,
        "agency": agency,
        "basis": ShareBasis.EXPLICIT,
        "reason": reason,
        "expires_at": expires_at,
    }
    try:
        with transaction.atomic():
            return Share.objects.create(**fields, granted_by=actor), True
    except IntegrityError:
        live = Share.objects.filter(**fields, revoked_at__isnull=True, lapsed_at__isnull=True).first()
        if live is None:  # revoked between the insert and this read
            raise ConflictError("The share changed while you were making it. Try again.") from None
        return live, False


@transaction.atomic
def revoke_share(*, actor: User, record: ShareableModel, share_id: int, reason: str = "") -> Share:
    """Revoke an explicit share. Who may is the record's app's capability (``REVOKE_SHARE``); as for
    ``share_with_agency``, the sharing half is held here too."""
    record = type(record)._default_manager.select_for_update().get(pk=record.pk)
    _require_sharer(actor, record)
    share = _shares_for(record).select_for_update().filter(pk=share_id).first()
    if share is None:
        raise NotFound("Not found.")
    if share.basis != ShareBasis.EXPLICIT:
        raise ValidationError({"share": ["Only explicit shares can be revoked; this access follows from an event."]})
    if share.revoked_at is not None:
        raise ValidationError({"share": ["This share has already been revoked."]})
    share.revoked_at = timezone.now()
    share.revoked_by = actor
    share.revoke_reason = reason
    share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    reminders.sync_share(share, record)
    sync_agency_access(record, share.agency)
    record_event(
        actor=actor,
        verb=AuditVerb.SHARE_REVOKED,
        obj=record,
        reason=reason,
        details={"agency": share.agency_id, "share": share.pk},
    )
    return share


def tidy_expired_shares(*, now: datetime | None = None) -> int:
    """Remove grant rows whose shares have all expired and audit each lapse once.

    Expired shares stop granting at once (the policy checks expiry); this tidies up.
    """
    now = now or timezone.now()
    lapsed = 0
    due = Share.objects.filter(expires_at__lte=now, lapsed_at__isnull=True, revoked_at__isnull=True)
    for share_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            share = Share.objects.select_for_update().select_related("agency", "content_type").get(pk=share_id)
            if share.lapsed_at is not None:
                continue
            _lapse(share, now)
            lapsed += 1
    return lapsed


def _lapse(share: Share, now: datetime) -> None:
    """An expired share stops granting (the policy checks expiry at once); record the lapse once."""
    model = share.content_type.model_class()
    record = model._default_manager.filter(pk=share.object_id).first() if model else None
    share.lapsed_at = now
    share.save(update_fields=["lapsed_at"])
    if record is not None:
        sync_agency_access(record, share.agency)  # type: ignore[arg-type]
    record_event(
        actor=None,
        verb=AuditVerb.SHARE_EXPIRED,
        object_type=share.content_type.app_label + "." + share.content_type.model,
        object_id=share.object_id,
        details={"agency": share.agency_id, "share": share.pk},
    )


@transaction.atomic
def open_break_glass(*, actor: User, record: ShareableModel, reason: str, minutes: int | None = None) -> BreakGlass:
    """Open one record outside the agency rules, for a stated reason and a limited time.

    Clearance and originator-only still apply. Flagged to the actor's agency SPOCs and the auditors.
    """
    if not policy.is_case_worker(actor):
        raise NotFound("Not found.")
    # The reason first: a refusal must say nothing about the record.
    if not reason or len(reason.strip()) < 10:
        raise ValidationError({"reason": ["Explain why you need to open this record (at least 10 characters)."]})
    if not policy.may_break_glass(actor, record):
        raise NotFound("Not found.")
    minutes = minutes or BREAK_GLASS_MINUTES
    opening = BreakGlass.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        reason=reason.strip(),
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )
    record_event(
        actor=actor,
        verb=AuditVerb.BREAK_GLASS,
        obj=record,
        reason=opening.reason,
        break_glass=True,
        details={"minutes": minutes},
    )
    reminders.break_glass_used(opening)
    return opening


def live_share_agencies(*, record: ShareableModel, basis: ShareBasis | None = None) -> list[int]:
    """Agencies with an unrevoked, unexpired share of the record (optionally of one basis)."""
    shares = (
        _shares_for(record)
        .filter(revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    )
    if basis is not None:
        shares = shares.filter(basis=basis)
    return list(shares.values_list("agency_id", flat=True).distinct())
