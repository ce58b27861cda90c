"""Fetching the rows a write locks, and the case a write is about. Who may act is
``panels.permissions``; each service asks it."""

from __future__ import annotations

from cases.models import Case
from core.errors import NotFound
from core.locking import locked_row
from panels.models import AgendaItem, Meeting
from partnership.models import User
from sharing import policy


def locked_meeting(meeting_id: int) -> Meeting:
    return locked_row(Meeting, meeting_id, "panel")


def locked_item(item_id: int) -> AgendaItem:
    """The item, its meeting and its case, locked together (a decision changes all three)."""
    return locked_row(AgendaItem, item_id, "meeting__panel", "case__referral")


def readable_case(actor: User, case_id: int, *, lock: bool = False) -> Case:
    """A case the actor may read (else the same 404 as a missing one), with its referral, person and panel."""
    cases = Case.objects.select_for_update() if lock else Case.objects.all()
    case = cases.select_related("referral__subject", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    return case
