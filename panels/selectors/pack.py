"""The panel pack for one reader, and what it carries of many cases' chronologies at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case
from core.audit import record_event
from core.errors import PermissionDenied
from core.models import AuditVerb
from panels.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Assessment,
    AssessmentRating,
    Intervention,
    Meeting,
    SupportPlan,
)
from panels.permissions import guest_items, reads_pack, standing_on
from panels.selectors.actions import ActionReview, actions_review_for
from panels.selectors.agenda import agenda_for
from partnership.models import User
from referrals.models import ChronologyEntry, EntryType
from referrals.selectors import Chronology, ChronologyItem
from sharing import policy


@dataclass
class PackCase:
    case: Case
    item: AgendaItem
    latest_assessment: Assessment | None
    changes: list[dict[str, Any]]
    plan: SupportPlan | None
    overdue_actions: list[Action]
    chronology: Any


@dataclass
class PanelPack:
    meeting: Meeting
    reader: User
    generated_at: dt.datetime
    cases: list[PackCase] = field(default_factory=list)
    withheld: int = 0
    actions: ActionReview | None = None


def assessment_changes(latest: Assessment, previous: Assessment | None) -> list[dict[str, Any]]:
    """Factor by factor, what changed since the previous version."""
    if previous is None:
        return []
    before = {r.factor_id: r for r in previous.ratings.all()}
    out = []
    for rating in latest.ratings.all():
        old = before.get(rating.factor_id)
        if old is None or old.rating != rating.rating:
            out.append({"factor": rating.factor.name, "was": old.rating if old else None, "now": rating.rating})
    return out


def panel_pack_for(*, viewer: User, meeting: Meeting) -> PanelPack:
    """The pack for ONE reader of the panel's members (``READ_PACK``), or a guest's for their item
    alone (``reads_pack``; else PermissionDenied): only what they could open in the app, at their
    clearance. Each case carries every contribution the reader may see and the entries marked
    significant, the significant ones emphasised (``ChronologyItem.entry.significant``).

    Audited as a disclosure. A fixed number of queries whatever the number of cases.
    """
    standing = standing_on(viewer, meeting.panel)
    guest = guest_items(viewer, meeting, standing=standing)
    if not reads_pack(viewer, meeting, standing=standing, guest=guest):
        raise PermissionDenied("The panel pack is for the panel's members.")
    # The disclosure's own audit event below names the cases: no list-view event as well.
    agenda = agenda_for(viewer=viewer, meeting=meeting, standing=standing, guest=guest, audit=False)
    withheld = agenda.withheld or 0
    pack = PanelPack(
        meeting=meeting,
        reader=viewer,
        generated_at=timezone.now(),
        withheld=withheld,
        # A guest's pack is their item alone: no other case's actions.
        actions=actions_review_for(viewer=viewer, meeting=meeting) if guest is None else None,
    )
    case_ids = [row.case.pk for row in agenda.rows]
    assessments = _assessments_by_case(viewer, case_ids)
    plans = _plans_by_case(case_ids)
    overdue = _overdue_actions_by_case(case_ids)
    chronologies = pack_chronologies(viewer=viewer, referral_ids=case_ids)
    for row in agenda.rows:
        versions = assessments.get(row.case.pk, [])
        latest = versions[0] if versions else None
        previous = versions[1] if len(versions) > 1 else None
        pack.cases.append(
            PackCase(
                case=row.case,
                item=row.item,
                latest_assessment=latest,
                changes=assessment_changes(latest, previous) if latest else [],
                plan=plans.get(row.case.pk),
                overdue_actions=overdue.get(row.case.pk, []),
                chronology=chronologies[row.case.pk],
            )
        )
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        obj=meeting,
        details={
            "panel_pack": case_ids,
            "withheld": withheld,
            "actions": sorted(a.pk for a in pack.actions.all) if pack.actions else [],
        },
    )
    return pack


def _assessments_by_case(viewer: User, case_ids: list[int]) -> dict[int, list[Assessment]]:
    """Each case's assessments the viewer may see, newest version first, with their ratings."""
    assessments: dict[int, list[Assessment]] = {}
    for a in (
        policy.visible_children(viewer, Assessment.objects.filter(case_id__in=case_ids))
        .prefetch_related(Prefetch("ratings", queryset=AssessmentRating.objects.select_related("factor")))
        .order_by("case_id", "-version")
    ):
        assessments.setdefault(a.case_id, []).append(a)
    return assessments


def _plans_by_case(case_ids: list[int]) -> dict[int, SupportPlan]:
    return {
        p.case_id: p
        for p in SupportPlan.objects.filter(case_id__in=case_ids).prefetch_related(
            Prefetch("interventions", queryset=Intervention.objects.select_related("provider"))
        )
    }


def _overdue_actions_by_case(case_ids: list[int]) -> dict[int, list[Action]]:
    overdue: dict[int, list[Action]] = {}
    for action in Action.objects.filter(
        case_id__in=case_ids, status=ActionStatus.OPEN, due_date__lt=timezone.localdate()
    ).select_related("owner_agency"):
        overdue.setdefault(action.case_id, []).append(action)
    return overdue


def pack_chronologies(*, viewer: User, referral_ids: list[int]) -> dict[int, Chronology]:
    """What the pack carries of each case's chronology: every agency contribution the viewer may see
    (a summary where it is above their clearance) and any other entry marked significant. Significance
    is an emphasis, never a filter on contributions. Three queries whatever the number of cases."""
    entries = ChronologyEntry.objects.filter(
        Q(entry_type=EntryType.CONTRIBUTION) | Q(significant=True), referral_id__in=referral_ids
    )
    return _chronologies(viewer, referral_ids, entries)


def _chronologies(viewer: User, referral_ids: list[int], entries: QuerySet[ChronologyEntry]) -> dict[int, Chronology]:
    """The viewer's part of ``entries`` per record: shown (summaries applied) and withheld counted."""
    if not referral_ids:
        return {}
    shown = (
        policy.visible_children(viewer, entries, summary_field="releasable_summary")
        .select_related("owning_agency", "created_by")
        .prefetch_related("documents")
        .order_by("occurred_at", "id")
    )
    withheld = dict(
        policy.withheld_children(viewer, entries, summary_field="releasable_summary")
        .order_by()
        .values_list("referral_id")
        .annotate(n=Count("id"))
    )
    out = {pk: Chronology(items=[], withheld=withheld.get(pk, 0)) for pk in referral_ids}
    for entry in shown:
        out[entry.referral_id].items.append(ChronologyItem(entry=entry, full=policy.reads_in_full(viewer, entry)))
    return out
