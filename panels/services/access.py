"""Who may run a panel's business, and fetching the rows a write locks."""

from __future__ import annotations

from cases.models import Case
from core.errors import NotFound, PermissionDenied
from panels.models import AgendaItem, Meeting
from partnership.models import Panel, User
from sharing import policy


def is_panel_chair(actor: User, panel: Panel) -> bool:
    return actor.is_active and actor.pk in (panel.chair_id, panel.deputy_chair_id)


def require_chair(actor: User, panel: Panel) -> None:
    if not is_panel_chair(actor, panel):
        raise PermissionDenied("Only the panel's chair or deputy can do this.")


def is_panel_member(actor: User, panel: Panel) -> bool:
    return is_panel_chair(actor, panel) or (
        actor.agency_id is not None and panel.memberships.filter(agency_id=actor.agency_id).exists()
    )


def locked_meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("panel").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("Not found.")
    return meeting


def locked_item(item_id: int) -> AgendaItem:
    """The item, its meeting and its case, locked together (a decision changes all three)."""
    item = (
        AgendaItem.objects.select_for_update()
        .select_related("meeting__panel", "case__referral")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("Not found.")
    return item


def readable_case(actor: User, case_id: int, *, lock: bool = False) -> Case:
    """A case the actor may read (else the same 404 as a missing one), with its referral, person and panel."""
    cases = Case.objects.select_for_update() if lock else Case.objects.all()
    case = cases.select_related("referral__subject", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, case.referral)
    return case
