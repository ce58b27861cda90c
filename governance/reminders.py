"""Who is reminded of what, and when, for information governance.

- Break-glass review overdue: every active auditor but the opener, at 09:00 London on the first
  working day an opening has waited more than ``review_within()`` working days for review; gone
  once it is reviewed. The text names no record and no person (``{when}`` is the opening's
  moment); the link goes to the opening in the review queue, which only auditors may open.

The queue is read from the trail, so openings are not written here: a nightly re-check
(``governance.tasks``) states the reminders of every opening still waiting, and a review cancels
its own at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse

from core.models import AuditEvent, Reminder
from core.notifications import (
    Due,
    ReminderKind,
    cancel_reminders,
    recipients_who,
    register_kind,
    still_among,
    sync_reminders,
)
from governance import break_glass
from governance.permissions import audit_trail_readers_q, can_read_audit_trail
from partnership.models import User

BREAK_GLASS_REVIEW_OVERDUE = "break_glass_review_overdue"


def _wanted(opening: AuditEvent, auditors: Sequence[int]) -> list[Due]:
    at = break_glass.overdue_from(opening.occurred_at)
    link = reverse("governance:break_glass_opening", args=[opening.pk])
    return [
        Due(BREAK_GLASS_REVIEW_OVERDUE, pk, at, opening.occurred_at, link) for pk in auditors if pk != opening.actor_id
    ]


def sync_waiting_openings() -> int:
    """Every opening still waiting for review has exactly the reminders it should (idempotent)."""
    auditors = list(User.objects.filter(audit_trail_readers_q()).order_by("pk").values_list("pk", flat=True))
    count = 0
    for opening in break_glass.waiting().order_by("pk").iterator():
        with transaction.atomic():
            sync_reminders(obj=opening, kinds=[BREAK_GLASS_REVIEW_OVERDUE], wanted=_wanted(opening, auditors))
        count += 1
    return count


def review_done(opening: AuditEvent) -> None:
    cancel_reminders(obj=opening, kinds=[BREAK_GLASS_REVIEW_OVERDUE])


_auditors = recipients_who(can_read_audit_trail)


def _auditors_told(reminders: Sequence[Reminder]) -> set[int]:
    """Auditors but the opener, while they are auditors."""
    auditors = _auditors(reminders)
    openers = dict(break_glass.openings().filter(pk__in={r.object_id for r in reminders}).values_list("pk", "actor_id"))
    return {
        r.pk
        for r in reminders
        if r.pk in auditors and r.object_id in openers and openers[r.object_id] != r.recipient_id
    }


register_kind(
    ReminderKind(
        code=BREAK_GLASS_REVIEW_OVERDUE,
        label="Break-glass review overdue",
        description="A break-glass opening has waited more than 5 working days for an auditor's review (auditors).",
        headline="A break-glass opening of {when} is waiting for review",
        show_time=True,
        still_due=still_among(break_glass.waiting()),
        may_tell=_auditors_told,
    )
)
