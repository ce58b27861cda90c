"""Who is reminded of what, and when, for referrals.

- Screening clock at risk: the screening agencies' screening officers who may
  read the referral, at 09:00 on the working day before the screening falls due;
  gone once screened.

Each ``sync_*`` runs inside the transaction of the event that changed the
record and states the reminders it should now have (core.notifications keeps
the outbox in step). Timings: ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import Reminder
from core.notifications import (
    Due,
    ReminderKind,
    at_london,
    london_date,
    register_kind,
    sync_reminders,
    timing,
    working_days_before,
)
from partnership.models import User
from referrals import permissions
from referrals.models import Referral, ReferralStatus
from sharing import policy
from sharing.reminders import About

SCREENING_AT_RISK = "screening_at_risk"

AWAITING_SCREENING = (ReferralStatus.SUBMITTED, ReferralStatus.SCREENING)


def link_to(url_name: str, *args: object) -> str:
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


def spoc_ids(agency_id: int) -> list[int]:
    return list(User.objects.filter(policy.agency_spocs_q(agency_id), is_active=True).values_list("pk", flat=True))


def _date_of(moment: dt.datetime | None) -> dt.date | None:
    return london_date(moment) if moment else None


def _referrals(ids: Collection[int]) -> dict[int, Referral]:
    return Referral.objects.in_bulk(list(ids))


# A screening reminder is about its referral: only the screening officers who may read it hear.
ABOUT_REFERRAL = About(records_of=_referrals)


# --- screening clock ---------------------------------------------------------------------------


def sync_referral(referral: Referral) -> None:
    """While a referral awaits screening, its screening officers hear a working day before the clock runs out."""
    wanted = []
    if referral.status in AWAITING_SCREENING and referral.screening_due_at is not None:
        due_day = london_date(referral.screening_due_at)
        at = at_london(working_days_before(due_day, timing("screening_at_risk_working_days", 1)))
        officers = permissions.screening_officers().values_list("pk", flat=True)
        link = link_to("referrals:detail", referral.pk)
        wanted = [
            Due(SCREENING_AT_RISK, pk, at, referral.screening_due_at, link, referral.reference or "")
            for pk in ABOUT_REFERRAL.readers(referral, officers)
        ]
    sync_reminders(obj=referral, kinds=[SCREENING_AT_RISK], wanted=wanted)


def _screening_still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    due = dict(
        Referral.objects.filter(pk__in={r.object_id for r in reminders}, status__in=AWAITING_SCREENING).values_list(
            "pk", "screening_due_at"
        )
    )
    return {r.pk for r in reminders if r.object_id in due and due[r.object_id] == r.event_at}


register_kind(
    ReminderKind(
        code=SCREENING_AT_RISK,
        label="Screening clock at risk",
        description="A referral waiting for screening is due to be screened within a working day.",
        headline="Screening of referral {reference} is due by the end of {when}",
        still_due=_screening_still_due,
        may_tell=ABOUT_REFERRAL.may_tell,
    )
)


# --- nightly re-check ----------------------------------------------------------------------------


def sync_open_reminders() -> int:
    """Re-state the reminders of every referral whose screening clock is still running (idempotent): a
    safety net for records written before a kind existed. Each record is locked while its reminders are
    re-stated, as its services do."""
    count = 0
    awaiting = Referral.objects.filter(status__in=AWAITING_SCREENING, screening_due_at__gte=timezone.now())
    for pk in awaiting.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            referral = Referral.objects.select_for_update().filter(pk=pk).first()
            if referral is not None:
                sync_referral(referral)
                count += 1
    return count
