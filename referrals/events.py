"""Who is told what has just happened, for referrals.

- New referral to screen: the screening agencies' screening officers who may read it, when it is
  submitted (not the one who submitted it); not delivered once it has been screened.

Each function is called, in one line, by the service that makes the change, inside its transaction
(``core.notifications.events``)."""

from __future__ import annotations

from core.notifications import EventKind, link_to, register_event_kinds, still_among, tell_now
from partnership.models import User
from referrals import permissions
from referrals.models import Referral
from referrals.reminders import ABOUT_REFERRAL, AWAITING_SCREENING

REFERRAL_TO_SCREEN = "referral_to_screen"


def referral_submitted(referral: Referral, *, actor: User | None) -> None:
    """Tell the screening officers who may read ``referral`` that it waits for screening."""
    officers = permissions.screening_officers().values_list("pk", flat=True)
    readers = ABOUT_REFERRAL.readers(referral, officers)
    link = link_to("referrals:detail", referral.pk)
    tell_now(referral, REFERRAL_TO_SCREEN, readers, actor=actor, link=link, reference=referral.reference or "")


register_event_kinds(
    {
        REFERRAL_TO_SCREEN: EventKind(
            "New referral to screen",
            "A referral was submitted and waits for screening by your agency.",
            "Referral {reference} was submitted on {when} and waits for screening",
            still_due=still_among(Referral.objects.filter(status__in=AWAITING_SCREENING)),
            may_tell=ABOUT_REFERRAL.may_tell,
        ),
    }
)
