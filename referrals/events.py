"""Who is told what has just happened, for referrals.

- New referral to screen: the screening agencies' screening officers who may read it, when it is
  submitted (not the one who submitted it); not delivered once it has been screened.
- Referral screened: its referrer, while they may read it, that screening is complete, and nothing
  of the outcome (police do not confirm onward routing to a referrer): whatever the decision, the
  same words; the referral's page shows them what they may see.

Each function is called, in one line, by the service that makes the change, inside its transaction
(``core.notifications.events``)."""

from __future__ import annotations

from core.notifications import EventKind, happened, link_to, register_event_kinds, still_among, tell_now
from partnership.models import User
from referrals import permissions
from referrals.models import Referral
from referrals.reminders import ABOUT_REFERRAL, AWAITING_SCREENING

REFERRAL_TO_SCREEN = "referral_to_screen"
REFERRAL_SCREENED = "referral_screened"


def referral_submitted(referral: Referral, *, actor: User | None) -> None:
    """Tell the screening officers who may read ``referral`` that it waits for screening."""
    officers = permissions.screening_officers().values_list("pk", flat=True)
    readers = ABOUT_REFERRAL.readers(referral, officers)
    link = link_to("referrals:detail", referral.pk)
    tell_now(referral, REFERRAL_TO_SCREEN, readers, actor=actor, link=link, reference=referral.reference or "")


def referral_screened(referral: Referral, *, actor: User | None) -> None:
    """Tell the referrer, while they may read ``referral``, that it has been screened (never how)."""
    readers = ABOUT_REFERRAL.readers(referral, [referral.created_by_id] if referral.created_by_id else [])
    link = link_to("referrals:detail", referral.pk)
    tell_now(referral, REFERRAL_SCREENED, readers, actor=actor, link=link, reference=referral.reference or "")


register_event_kinds(
    {
        REFERRAL_TO_SCREEN: EventKind(
            "New referral to screen",
            "A referral was submitted and waits for screening by your agency.",
            "Referral {reference} was submitted on {when} and waits for screening",
            still_due=still_among(Referral.objects.filter(status__in=AWAITING_SCREENING)),
            may_tell=ABOUT_REFERRAL.may_tell,
        ),
        REFERRAL_SCREENED: EventKind(
            "Your referral screened",
            "A referral you made has been screened (what the partnership shares of it is on its page).",
            "Screening of your referral {reference} was completed on {when}",
            still_due=happened,
            may_tell=ABOUT_REFERRAL.may_tell,
        ),
    }
)
