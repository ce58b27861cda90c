"""Who is reminded of what, and when, about data-sharing agreements.

- Review due: every active partnership admin, at 09:00 London ``dsa_review_days_before`` (30) days
  before an agency's latest agreement reaches its review date.
- Lapsed: the same people at 09:00 London on the day after the review date, the first day the
  agency receives no new shares or information requests.

The headline names the agency, the agreement's reference and the review date and nothing about people; the link goes to the
page that records a renewal. Recording an agreement states its agency's reminders; a renewal
(a later review date) cancels the older agreement's. A nightly re-check (``partnership.tasks``)
keeps every agency's reminders in step, for admins added or removed since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from core.models import Reminder
from core.notifications import (
    Due,
    ReminderKind,
    at_london,
    link_to,
    recipients_who,
    register_kind,
    still_among,
    sync_reminders,
    timing,
)
from partnership.models import Agency, DataSharingAgreement, User
from partnership.permissions import can_configure, configurers_q

DSA_REVIEW_DUE = "dsa_review_due"
DSA_LAPSED = "dsa_lapsed"
KINDS = (DSA_REVIEW_DUE, DSA_LAPSED)


def _admins() -> list[int]:
    admins = User.objects.filter(configurers_q())
    return list(admins.order_by("pk").values_list("pk", flat=True))


def _wanted(agreement: DataSharingAgreement, admins: Sequence[int]) -> list[Due]:
    event_at = at_london(agreement.review_due)
    link = link_to("agreement_record", agreement.agency_id)
    moments = {
        DSA_REVIEW_DUE: at_london(agreement.review_due - dt.timedelta(days=timing("dsa_review_days_before", 30))),
        DSA_LAPSED: at_london(agreement.review_due + dt.timedelta(days=1)),
    }
    reference = agreement.reference[:32]
    return [Due(kind, pk, at, event_at, link, reference) for kind, at in moments.items() for pk in admins]


def _latest() -> Q:
    """The signed agreement with the latest review date of its agency: the one whose review is reminded."""
    latest = (
        DataSharingAgreement.objects.filter(agency=OuterRef("agency"), signed_on__isnull=False)
        .order_by("-review_due", "-pk")
        .values("pk")[:1]
    )
    return Q(pk=Subquery(latest), agency__is_active=True)


def sync_agency(agency: Agency, *, admins: Sequence[int] | None = None) -> None:
    """The agency's agreements have exactly the reminders they should (idempotent)."""
    admins = _admins() if admins is None else admins
    latest = set(DataSharingAgreement.objects.filter(_latest(), agency=agency).values_list("pk", flat=True))
    for agreement in DataSharingAgreement.objects.filter(agency=agency).select_related("agency"):
        wanted = _wanted(agreement, admins) if agreement.pk in latest else []
        sync_reminders(obj=agreement, kinds=KINDS, wanted=wanted)


def sync_all_agencies() -> int:
    """Beat's nightly re-check: every agency with an agreement; how many."""
    admins, count = _admins(), 0
    agencies = Agency.objects.filter(data_sharing_agreements__isnull=False).distinct().order_by("pk")
    for agency in agencies:
        with transaction.atomic():
            sync_agency(agency, admins=admins)
        count += 1
    return count


# Due while the agreement is still its agency's latest; told to those who are still partnership admins.
_still_latest = still_among(DataSharingAgreement.objects.filter(_latest()))
_admins_told = recipients_who(can_configure)


@dataclass(frozen=True)
class AgreementKind(ReminderKind):
    """A reminder about an agreement: ``{agency}`` in the headline is its agency's name as it is when sent."""

    def title(self, reminder: Reminder) -> str:
        agency = DataSharingAgreement.objects.filter(pk=reminder.object_id).values_list("agency__name", flat=True)
        return super().title(reminder).replace("{agency}", agency.first() or "an agency")


for code, label, description, headline in (
    (
        DSA_REVIEW_DUE,
        "Data-sharing agreement review due",
        "An agency's data-sharing agreement reaches its review date in 30 days (partnership admins).",
        "The data-sharing agreement with {{agency}} ({reference}) is due for review by {when}",
    ),
    (
        DSA_LAPSED,
        "Data-sharing agreement lapsed",
        "An agency's data-sharing agreement passed its review date, so it is sent nothing new (partnership admins).",
        "The data-sharing agreement with {{agency}} ({reference}) lapsed after its review date of {when}",
    ),
):
    register_kind(AgreementKind(code, label, headline, _still_latest, _admins_told, description))
