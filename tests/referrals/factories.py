"""Referrals in each state, built through the services so grants and audit are real."""

from __future__ import annotations

import datetime as dt

from partnership.models import User
from referrals import services
from referrals.models import Referral


def draft_referral(author: User, **changes) -> Referral:
    draft = services.start_referral(actor=author)
    answers = {
        "given_name": "Jordan",
        "family_name": "Testperson",
        "date_of_birth": dt.date(2008, 3, 14),
        "postcode": "NS1 4AB",
        "concerns": "Sharing extremist videos with classmates.",
        "ideology": "extreme_right_wing",
        "urgency": "priority",
        **changes,
    }
    return services.update_draft(actor=author, referral_id=draft.pk, expected_version=None, changes=answers)


def submitted_referral(author: User, **changes) -> Referral:
    draft = draft_referral(author, **changes)
    return services.submit_referral(actor=author, referral_id=draft.pk)
