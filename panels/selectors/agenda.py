"""Panels, meetings, agendas and the records on them that the viewer may open: the same 404 for
"missing" and "not yours", and items on cases the viewer cannot read left out (counted for the
panel's members only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.lifecycle import REQUEST_OPEN
from cases.models import Case
from core.audit import record_event
from core.errors import NotFound, id_or_not_found
from core.models import AuditVerb
from panels.models import (
    Action,
    AgendaItem,
    Discussion,
    Intervention,
    Invitation,
    Meeting,
)
from panels.permissions import PanelCapability, Standing, can, guest_items
from partnership.models import Agency, Panel, PanelMembership, User
from referrals.models import Referral
from sharing import policy


def panels_for(*, viewer: User) -> QuerySet[Panel]:
    """Panels the viewer chairs or whose member agencies include the viewer's agency (case workers only:
    what each of them may do there is ``panels.permissions``)."""
    if not policy.is_case_worker(viewer):
        return Panel.objects.none()
    return (
        Panel.objects.filter(
            Q(chair=viewer) | Q(deputy_chair=viewer) | Q(memberships__agency_id=viewer.agency_id or -1)
        )
        .distinct()
        .select_related("chair")
        .order_by("name")
    )


def meetings_for(*, viewer: User, upcoming_only: bool = False) -> QuerySet[Meeting]:
    """Meetings of the viewer's panels, and those they are invited to (a guest: one item of it)."""
    invited = Invitation.objects.filter(person_id=viewer.pk if policy.is_case_worker(viewer) else None)
    meetings = Meeting.objects.filter(
        Q(panel__in=panels_for(viewer=viewer)) | Q(pk__in=invited.values("meeting_id"))
    ).select_related("panel")
    if upcoming_only:
        meetings = meetings.filter(scheduled_at__gte=timezone.now() - dt.timedelta(hours=12))
    return meetings.order_by("scheduled_at")


def access_meeting(*, viewer: User, meeting_id: Any) -> Meeting:
    pk = id_or_not_found(meeting_id)
    meeting = meetings_for(viewer=viewer).filter(pk=pk).select_related("panel__chair", "signed_by").first()
    if meeting is None:
        raise NotFound("Not found.")
    return meeting


@dataclass
class AgendaRow:
    item: AgendaItem
    case: Case
    outstanding_requests: int
    decided: bool = False  # a decision is recorded, whether or not the viewer may read it


@dataclass
class Agenda:
    meeting: Meeting
    rows: list[AgendaRow]
    withheld: int | None  # items on cases the viewer may not read; None: not for this viewer to know


def agenda_for(
    *,
    viewer: User,
    meeting: Meeting,
    standing: Standing | None = None,
    guest: frozenset[int] | None = None,
    item_id: int | None = None,
    audit: bool = True,
) -> Agenda:
    """The agenda as this viewer may see it: items on cases they cannot read are left out, and counted
    for the panel's members only (``SEE_WITHHELD_COUNTS``): to anyone else they do not exist. A guest
    (``guest``: the items they are invited for, from ``panels.permissions.guest_items``) sees those alone.

    ``item_id`` cuts the agenda to that one item (an item's page: ``withheld`` then counts that item
    alone). ``audit=False`` is for a caller that audits the read itself (the pack's disclosure, the
    item's chronology read). One query (and the audit insert) whatever the number of items: each item
    comes with its case, its outstanding information requests counted, whether the viewer reads the
    case (``policy.visible``, in SQL) and whether a decision is recorded.
    """
    items_of = meeting.items.all() if guest is None else meeting.items.filter(pk__in=sorted(guest))
    if item_id is not None:
        items_of = items_of.filter(pk=item_id)
    items = list(
        items_of.select_related("case__referral__subject", "case__owner")
        .annotate(
            outstanding_requests=Count(
                "case__information_requests", filter=Q(case__information_requests__status__in=REQUEST_OPEN)
            ),
            readable=Exists(policy.visible(viewer, Referral.objects.filter(pk=OuterRef("case_id")))),
            decided=Exists(Discussion.objects.filter(item_id=OuterRef("pk"))),
        )
        .order_by("position", "id")
    )
    rows = [
        AgendaRow(item=i, case=i.case, outstanding_requests=i.outstanding_requests, decided=i.decided)
        for i in items
        if i.readable
    ]
    if rows and audit:
        record_event(
            actor=viewer, verb=AuditVerb.LIST_VIEWED, obj=meeting, details={"agenda": [r.case.pk for r in rows]}
        )
    counts = guest is None and can(viewer, PanelCapability.SEE_WITHHELD_COUNTS, meeting.panel, standing=standing)
    return Agenda(meeting=meeting, rows=rows, withheld=len(items) - len(rows) if counts else None)


def access_panel(*, viewer: User, panel_id: Any) -> Panel:
    """A panel the viewer chairs or belongs to; the same 404 for missing and not-theirs."""
    pk = id_or_not_found(panel_id)
    panel = panels_for(viewer=viewer).filter(pk=pk).first()
    if panel is None:
        raise NotFound("Not found.")
    return panel


def schedule_for(*, viewer: User, panel: Panel) -> list[Meeting]:
    """Every meeting of a panel the viewer already opened with ``access_panel`` (no case content)."""
    return list(Meeting.objects.filter(panel=panel).order_by("scheduled_at", "id"))


def panels_with_members_for(*, viewer: User) -> list[Panel]:
    """The viewer's panels with their member agencies (two queries)."""
    return list(panels_for(viewer=viewer).prefetch_related("memberships__agency"))


def attending_agencies(meeting: Meeting) -> list[Agency]:
    """The agencies whose attendance the meeting records: every member agency, the chair's (and
    deputy's) own, and any other agency recorded as attending. Each says whether it counts towards
    the quorum (``counts_for_quorum``: a member agency or the chairs'). One query."""
    panel = meeting.panel
    chairs = [pk for pk in (panel.chair_id, panel.deputy_chair_id) if pk]
    member = Exists(PanelMembership.objects.filter(panel=panel, agency_id=OuterRef("pk")))
    chairs_own = Exists(User.objects.filter(pk__in=chairs, agency_id=OuterRef("pk")))
    counts = Q(member) | Q(chairs_own)
    return list(
        Agency.objects.filter(counts | Q(pk__in=meeting.attendance.values("agency_id")))
        .annotate(counts_for_quorum=ExpressionWrapper(counts, output_field=BooleanField()))
        .order_by("name")
    )


def readable_case_ids(viewer: User, case_ids: Iterable[int | None]) -> set[int]:
    ids = {pk for pk in case_ids if pk is not None}
    if not ids:
        return set()
    return set(policy.visible(viewer, Referral.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def access_agenda_item(*, viewer: User, item_id: Any) -> AgendaItem:
    """An agenda item of a meeting the viewer may open, on a case they may read; else 404."""
    pk = id_or_not_found(item_id)
    item = (
        AgendaItem.objects.filter(pk=pk, meeting__in=meetings_for(viewer=viewer))
        .select_related("meeting__panel", "case")
        .first()
    )
    if item is None or not readable_case_ids(viewer, [item.case_id]):
        raise NotFound("Not found.")
    guest = guest_items(viewer, item.meeting)
    if guest is not None and item.pk not in guest:
        raise NotFound("Not found.")
    return item


def access_action(*, viewer: User, action_id: Any) -> Action:
    """An action on a case the viewer may read; else 404."""
    pk = id_or_not_found(action_id)
    action = Action.objects.select_related("case", "owner_agency", "owner").filter(pk=pk).first()
    if action is None or not readable_case_ids(viewer, [action.case_id]):
        raise NotFound("Not found.")
    return action


def access_intervention(*, viewer: User, intervention_id: Any) -> Intervention:
    pk = id_or_not_found(intervention_id)
    intervention = Intervention.objects.select_related("plan__case", "provider").filter(pk=pk).first()
    if intervention is None or not readable_case_ids(viewer, [intervention.plan.case_id]):
        raise NotFound("Not found.")
    return intervention
