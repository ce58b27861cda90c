"""Who is told what, and when, about sharing; and the one way every app says who may be told.

- Break-glass access used: the user's agency SPOCs and every auditor, at once
  (in-app in the same transaction, email from the next sweep).
- Share expiring: whoever made an explicit share with an expiry, two days
  before it lapses (not when it was made that close to expiry); gone when revoked.

Telling is decided like seeing (DESIGN.md rule 12): each kind of reminder
declares, once, the shareable record its objects are about (:class:`About`).
Its app asks :meth:`About.readers` when it queues reminders, and the sweep asks
:meth:`About.may_tell` again just before sending, both through
``sharing.policy``. Break-glass alerts are about no case record: they go to the
audience rule 9 names, checked the same two ways.

Timings: ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import Model

from core.models import Reminder
from core.notifications import (
    Due,
    ReminderKind,
    alert_now,
    happened,
    link_to,
    register_kind,
    still_due_while,
    sync_reminders,
    timing,
)
from partnership.models import User
from sharing import policy
from sharing.models import BreakGlass, Share, ShareableModel

BREAK_GLASS = "break_glass"
SHARE_EXPIRING = "share_expiring"

# Object ids of a kind's reminders -> the shareable record each object is about (missing: gone).
RecordsOf = Callable[[Collection[int]], Mapping[int, ShareableModel]]


@dataclass(frozen=True)
class About:
    """The record a kind of reminder is about: only those who may read it are told.

    ``records_of`` maps object ids to their records in a query or two, whatever the
    number of ids. A record that is gone, a draft, or one the recipient may not read
    (no live grant for their agency, above their clearance, another agency's
    originator-only record, or they are inactive or not in a case-working role)
    tells nobody.
    """

    records_of: RecordsOf

    @classmethod
    def through(cls, model: type[Model], path: str) -> About:
        """About the record each ``model`` object leads to along ``path`` (``"case__referral"``), in one query."""
        record_of = attrgetter(path.replace("__", "."))

        def records_of(ids: Collection[int]) -> dict[int, ShareableModel]:
            rows = model._default_manager.filter(pk__in=list(ids)).select_related(path)
            return {row.pk: record_of(row) for row in rows}

        return cls(records_of=records_of)

    def readers(self, obj: Model, candidates: Iterable[int]) -> list[int]:
        """Those of ``candidates`` who may read what ``obj`` is about (when queueing its reminders)."""
        record = self.records_of([obj.pk]).get(obj.pk)
        if record is None:
            return []
        return sorted(user_id for user_id, _ in policy.readers_of([record], candidates))

    def owners_else_spocs(self, obj: Model, owners: Iterable[int], agency_id: int) -> list[int]:
        """Those of ``owners`` who may read what ``obj`` is about; when none may, those of the agency's SPOCs
        who may (an action owned by an agency, and perhaps a person in it)."""
        return self.readers(obj, owners) or self.readers(obj, spoc_ids(agency_id))

    def may_tell(self, reminders: Sequence[Reminder]) -> set[int]:
        """The ids of ``reminders`` whose recipient may read what its object is about (just before sending)."""
        records = self.records_of({r.object_id for r in reminders})
        by_model: dict[type[ShareableModel], list[ShareableModel]] = defaultdict(list)
        for record in {(type(r), r.pk): r for r in records.values()}.values():
            by_model[type(record)].append(record)
        recipients = {r.recipient_id for r in reminders}
        readable: set[tuple[type[ShareableModel], int, int]] = set()
        for model, rows in by_model.items():
            readable |= {(model, user_id, pk) for user_id, pk in policy.readers_of(rows, recipients)}
        return {
            r.pk
            for r in reminders
            if r.object_id in records
            and (type(records[r.object_id]), r.recipient_id, records[r.object_id].pk) in readable
        }


def spoc_ids(agency_id: int) -> list[int]:
    """The active SPOCs of an agency: whom its reminders go to when no one person is named."""
    return list(User.objects.filter(policy.agency_spocs_q(agency_id), is_active=True).values_list("pk", flat=True))


# --- break-glass ---------------------------------------------------------------------------------


def _break_glass_audience(openings: Mapping[int, int | None], candidates: Iterable[int]) -> set[tuple[int, int]]:
    """(user id, opening id) for each candidate rule 9 flags an opening to: every active auditor, and the
    active SPOCs of the opener's agency (``openings`` maps each opening to that agency). One query."""
    people = User.objects.filter(pk__in=set(candidates), is_active=True).values_list(
        "pk", "roles", "agency_id", "agency__is_active"
    )
    pairs = set()
    for pk, roles, agency_id, agency_active in people:
        for opening_id, opener_agency in openings.items():
            if policy.hears_of_break_glass(roles, agency_id if agency_active else None, opener_agency):
                pairs.add((pk, opening_id))
    return pairs


def break_glass_used(opening: BreakGlass) -> None:
    """Flag a break-glass opening to the opener's agency SPOCs and to the auditors."""
    actor = opening.user
    candidates = (
        User.objects.filter(is_active=True)
        .filter(policy.break_glass_audience_q(actor.agency_id))
        .exclude(pk=actor.pk)
        .values_list("pk", "roles")
    )
    roles_of = dict(candidates)
    told = {pk for pk, _ in _break_glass_audience({opening.pk: actor.agency_id}, roles_of)}
    # Auditors go to the break-glass review queue, where every opening waits for their review; a SPOC
    # is told (no link: the record is not theirs to open), and follows it up in the agency.
    audit_link = link_to("governance:break_glass")
    links = {pk: audit_link if policy.is_auditor(roles_of[pk]) else "" for pk in sorted(told)}
    alert_now(obj=opening, kind=BREAK_GLASS, links=links)


def _may_hear_of_break_glass(reminders: Sequence[Reminder]) -> set[int]:
    openings = dict(
        BreakGlass.objects.filter(pk__in={r.object_id for r in reminders}).values_list("pk", "user__agency_id")
    )
    pairs = _break_glass_audience(openings, {r.recipient_id for r in reminders})
    return {r.pk for r in reminders if (r.recipient_id, r.object_id) in pairs}


register_kind(
    ReminderKind(
        code=BREAK_GLASS,
        label="Break-glass access used",
        description="Someone in your agency opened a record by break-glass (SPOCs), or anyone did (auditors).",
        headline="Break-glass access was used on {when}",
        show_time=True,
        still_due=happened,
        may_tell=_may_hear_of_break_glass,
    )
)


# --- shares ----------------------------------------------------------------------------------------


def _shared_records(share_ids: Collection[int]) -> dict[int, ShareableModel]:
    """Each share's record (one query per kind of record shared, plus one for the shares)."""
    shares = Share.objects.filter(pk__in=share_ids).select_related("content_type")
    wanted: dict[type[ShareableModel], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for share in shares:
        model = share.content_type.model_class()
        if model is not None and issubclass(model, ShareableModel):
            wanted[model][share.object_id].append(share.pk)
    found: dict[int, ShareableModel] = {}
    for model, by_object in wanted.items():
        for record in model._default_manager.filter(pk__in=list(by_object)):
            found.update(dict.fromkeys(by_object[record.pk], record))
    return found


ABOUT_SHARE = About(records_of=_shared_records)


def sync_share(share: Share, record: ShareableModel | None = None) -> None:
    """Remind the sharer before an explicit share lapses, unless revoked first, while they may read the record."""
    wanted = []
    if share.expires_at is not None and share.revoked_at is None and share.lapsed_at is None and share.granted_by_id:
        at = share.expires_at - dt.timedelta(days=timing("share_expiring_days", 2))
        made = share.created_at or share.expires_at
        if at > made and ABOUT_SHARE.readers(share, [share.granted_by_id]):
            reference = str(getattr(record, "reference", "") or "") if record is not None else ""
            link = link_to(f"{share.content_type.app_label}:detail", share.object_id)
            wanted = [Due(SHARE_EXPIRING, share.granted_by_id, at, share.expires_at, link, reference[:32])]
    sync_reminders(obj=share, kinds=[SHARE_EXPIRING], wanted=wanted)


def _share_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    running = Share.objects.filter(revoked_at__isnull=True, lapsed_at__isnull=True, expires_at__gt=now)
    return still_due_while(reminders, running, "expires_at")


register_kind(
    ReminderKind(
        code=SHARE_EXPIRING,
        label="Share expiring",
        description="Access you shared with another agency is about to end.",
        headline="Access you shared to {reference} ends on {when}",
        show_time=True,
        still_due=_share_still_due,
        may_tell=ABOUT_SHARE.may_tell,
    )
)
