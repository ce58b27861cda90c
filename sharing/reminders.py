"""Who is told what, and when, about sharing.

- Break-glass access used: the user's agency SPOCs and every auditor, at once
  (in-app in the same transaction, email from the next sweep).
- Share expiring: whoever made an explicit share with an expiry, two days
  before it lapses (not when it was made that close to expiry); gone when revoked.

Timings: ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from core.models import Reminder
from core.notifications import Due, ReminderKind, alert_now, register_kind, sync_reminders, timing
from partnership.models import Role, User
from sharing.models import BreakGlass, Share, ShareableModel

BREAK_GLASS = "break_glass"
SHARE_EXPIRING = "share_expiring"


def _link(url_name: str, *args: object) -> str:
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


def break_glass_used(opening: BreakGlass) -> None:
    """Flag a break-glass opening to the opener's agency SPOCs and to the auditors."""
    actor = opening.user
    watchers = (
        User.objects.filter(is_active=True)
        .filter(Q(agency_id=actor.agency_id, roles__contains=[Role.SPOC]) | Q(roles__contains=[Role.AUDITOR]))
        .exclude(pk=actor.pk)
        .values_list("pk", "roles")
    )
    # Auditors go to the opening in the audit screens; a SPOC is told, and follows it up in the agency.
    audit_link = _link("admin:sharing_breakglass_change", opening.pk)
    links = {pk: audit_link if Role.AUDITOR in roles else "" for pk, roles in watchers}
    alert_now(obj=opening, kind=BREAK_GLASS, links=links)


def _always(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    return {r.pk for r in reminders}


register_kind(
    ReminderKind(
        code=BREAK_GLASS,
        label="Break-glass access used",
        description="Someone in your agency opened a record by break-glass (SPOCs), or anyone did (auditors).",
        headline="Break-glass access was used on {when}",
        show_time=True,
        still_due=_always,
    )
)


def sync_share(share: Share, record: ShareableModel | None = None) -> None:
    """Remind the sharer before an explicit share lapses, unless revoked first."""
    wanted = []
    if share.expires_at is not None and share.revoked_at is None and share.lapsed_at is None and share.granted_by_id:
        at = share.expires_at - dt.timedelta(days=timing("share_expiring_days", 2))
        made = share.created_at or share.expires_at
        if at > made and User.objects.filter(pk=share.granted_by_id, is_active=True).exists():
            reference = str(getattr(record, "reference", "") or "") if record is not None else ""
            link = _link(f"{share.content_type.app_label}:detail", share.object_id)
            wanted = [Due(SHARE_EXPIRING, share.granted_by_id, at, share.expires_at, link, reference[:32])]
    sync_reminders(obj=share, kinds=[SHARE_EXPIRING], wanted=wanted)


def _share_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    expiry = dict(
        Share.objects.filter(
            pk__in={r.object_id for r in reminders},
            revoked_at__isnull=True,
            lapsed_at__isnull=True,
            expires_at__gt=now,
        ).values_list("pk", "expires_at")
    )
    return {r.pk for r in reminders if r.object_id in expiry and expiry[r.object_id] == r.event_at}


register_kind(
    ReminderKind(
        code=SHARE_EXPIRING,
        label="Share expiring",
        description="Access you shared with another agency is about to end.",
        headline="Access you shared to {reference} ends on {when}",
        show_time=True,
        still_due=_share_still_due,
    )
)
