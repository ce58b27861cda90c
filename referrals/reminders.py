"""Who is reminded of what, and when, for referrals.

- Screening clock at risk: the screening agencies' screening officers who may
  read the referral, at 09:00 on the working day before the screening falls due;
  gone once screened.

Each ``sync_*`` runs inside the transaction of the event that changed the
record and states the reminders it should now have (core.notifications keeps
the outbox in step). Timings: ``settings.CONVENE_REMINDER_TIMINGS``.
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils import timezone

from core.notifications import Wording, link_to, resync_each
from core.notifications.due_dates import DueAhead
from referrals import permissions
from referrals.models import Referral, ReferralStatus
from sharing.reminders import About

SCREENING_AT_RISK = "screening_at_risk"

AWAITING_SCREENING = (ReferralStatus.SUBMITTED, ReferralStatus.SCREENING)


def _referrals(ids: Collection[int]) -> dict[int, Referral]:
    return Referral.objects.in_bulk(list(ids))


# A screening reminder is about its referral: only the screening officers who may read it hear.
ABOUT_REFERRAL = About(records_of=_referrals)


# --- screening clock ---------------------------------------------------------------------------

SCREENING_REMINDER = DueAhead(
    kind=SCREENING_AT_RISK,
    open_records=Referral.objects.filter(status__in=AWAITING_SCREENING),
    due_field="screening_due_at",
    timing="screening_at_risk_working_days",
    working_days=1,
).register(
    Wording(
        label="Screening clock at risk",
        description="A referral waiting for screening is due to be screened within a working day.",
        headline="Screening of referral {reference} is due by the end of {when}",
    ),
    may_tell=ABOUT_REFERRAL.may_tell,
)


def sync_referral(referral: Referral) -> None:
    """While a referral awaits screening, its screening officers hear a working day before the clock runs out."""
    if referral.status not in AWAITING_SCREENING or referral.screening_due_at is None:
        SCREENING_REMINDER.cancel(referral)
        return
    officers = permissions.screening_officers().values_list("pk", flat=True)
    SCREENING_REMINDER.sync(
        referral,
        due=referral.screening_due_at,
        recipients=ABOUT_REFERRAL.readers(referral, officers),
        link=link_to("referrals:detail", referral.pk),
        reference=referral.reference or "",
    )


# --- nightly re-check ----------------------------------------------------------------------------


def sync_open_reminders() -> int:
    """Re-state the reminders of every referral whose screening clock is still running (idempotent): a
    safety net for records written before a kind existed. Each record is locked while its reminders are
    re-stated, as its services do."""
    awaiting = Referral.objects.filter(status__in=AWAITING_SCREENING, screening_due_at__gte=timezone.now())
    return resync_each(awaiting, sync_referral)
