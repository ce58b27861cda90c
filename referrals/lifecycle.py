"""The referral lifecycle, declared once: every allowed move and every named set of states."""

from __future__ import annotations

from core.errors import InvalidTransition
from referrals.models import Referral, ReferralStatus

# Allowed status changes, declared once. Screening (issue 4) moves along this table.
REFERRAL_TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.DRAFT: {ReferralStatus.SUBMITTED},
    ReferralStatus.SUBMITTED: {
        ReferralStatus.SCREENING,
        ReferralStatus.CLOSED,
        ReferralStatus.SIGNPOSTED,
        ReferralStatus.ACCEPTED,
    },
    ReferralStatus.SCREENING: {ReferralStatus.CLOSED, ReferralStatus.SIGNPOSTED, ReferralStatus.ACCEPTED},
    ReferralStatus.CLOSED: set(),
    ReferralStatus.SIGNPOSTED: set(),
    ReferralStatus.ACCEPTED: set(),
}

# Submitted and not yet decided: what screening can still start, record notes on and decide.
UNDECIDED = frozenset({ReferralStatus.SUBMITTED, ReferralStatus.SCREENING})


def check_transition(referral: Referral, target: str) -> None:
    if target not in REFERRAL_TRANSITIONS[referral.status]:
        raise InvalidTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot become "
            f"{ReferralStatus(target).label.lower()}."
        )
