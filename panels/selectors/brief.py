"""What one agenda item puts before the panel to decide on, as its reader may see it: the concerns,
every contribution they may see (a releasable summary where one is above their clearance), the latest
assessment and what changed since the one before, consent, the plan; and, for the chair, who else
may be invited for this item alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, Subquery

from cases.models import Case
from core.audit import record_event
from core.models import AuditVerb
from panels.models import (
    Assessment,
    AssessmentRating,
    ConsentPurpose,
    ConsentRecord,
    ConsentStatus,
    Intervention,
    SupportPlan,
)
from panels.permissions import may_attend
from panels.selectors.meeting_record import MeetingItem, MeetingRecord
from panels.selectors.pack import assessment_changes
from partnership.models import PanelMembership, User
from referrals.models import EntryType
from referrals.selectors import Chronology, chronology_for
from sharing import policy


@dataclass
class ItemBrief:
    contributions: Chronology
    latest_assessment: Assessment | None
    previous_version: int | None
    changes: list[dict[str, Any]]
    consent: str  # the current Channel support consent status
    consent_label: str
    plan: SupportPlan | None
    interventions: list[Intervention]


def item_brief(*, viewer: User, entry: MeetingItem) -> ItemBrief:
    """The brief for an item of a case the viewer reads (it is on their agenda rows). The contributions
    are read as the chronology is, audited as a read of the case. A fixed number of queries: the
    contributions (``chronology_for``) and the audit insert, the latest two assessments and their ratings, and the case's
    consent with its plan (and the plan's interventions, when there is one)."""
    case = entry.case
    contributions = chronology_for(
        viewer=viewer, referral=case.referral, entry_type=EntryType.CONTRIBUTION, audit=False
    )
    # Audited as ``chronology_for`` would, without asking again how the case is read: it is on the
    # viewer's agenda rows, so they read it through their agency's grant (``policy.visible``), never
    # only through break-glass.
    record_event(
        actor=viewer,
        verb=AuditVerb.RECORD_VIEWED,
        obj=case.referral,
        details={"chronology": [i.entry.pk for i in contributions.items], "withheld": contributions.withheld},
    )
    versions = list(
        policy.visible_children(viewer, Assessment.objects.filter(case=case))
        .prefetch_related(Prefetch("ratings", queryset=AssessmentRating.objects.select_related("factor")))
        .order_by("-version")[:2]
    )
    latest = versions[0] if versions else None
    previous = versions[1] if len(versions) > 1 else None
    held = _consent_and_plan(case)
    consent = held.channel_consent or ConsentStatus.NOT_SOUGHT  # type: ignore[attr-defined]
    plan = _plan_of(held)
    return ItemBrief(
        contributions=contributions,
        latest_assessment=latest,
        previous_version=previous.version if previous else None,
        changes=assessment_changes(latest, previous) if latest else [],
        consent=consent,
        consent_label=str(ConsentStatus(consent).label),
        plan=plan,
        interventions=list(plan.interventions.all()) if plan else [],
    )


def _consent_and_plan(case: Case) -> Case:
    """The case again with its current Channel support consent status (``channel_consent``), its
    support plan and the plan's interventions with their providers: one query (two with a plan)."""
    latest_consent = (
        ConsentRecord.objects.filter(case_id=OuterRef("pk"), purpose=ConsentPurpose.CHANNEL_SUPPORT)
        .order_by("-recorded_at", "-id")
        .values("status")[:1]
    )
    return (
        Case.objects.filter(pk=case.pk)
        .select_related("support_plan")
        .annotate(channel_consent=Subquery(latest_consent))
        .prefetch_related(
            Prefetch(
                "support_plan__interventions",
                queryset=Intervention.objects.select_related("provider").order_by("starts_on", "id"),
            )
        )
        .get()
    )


def _plan_of(case: Case) -> SupportPlan | None:
    try:
        return case.support_plan
    except SupportPlan.DoesNotExist:
        return None


def possible_guests(*, record: MeetingRecord, entry: MeetingItem) -> list[User]:
    """People the chair may invite for this item alone: case workers outside the panel's member
    agencies (and the chairs') whose agency reads the item's case at their clearance, not invited yet.
    Two queries (the people, and who of them reads the case)."""
    panel = record.meeting.panel
    members = PanelMembership.objects.filter(panel=panel).values("agency_id")
    chairs = [pk for pk in (panel.chair_id, panel.deputy_chair_id) if pk]
    invited = [i.person_id for i in record.invitations]
    people = [
        person
        for person in User.objects.filter(is_active=True, agency__isnull=False, agency__is_active=True)
        .exclude(Q(agency__in=members) | Q(agency__users__pk__in=chairs) | Q(pk__in=invited))
        .select_related("agency")
        .order_by("agency__name", "first_name", "last_name")
        .distinct()
        if may_attend(person)
    ]
    readers = {pk for pk, _ in policy.readers_of([entry.case.referral], [p.pk for p in people])}
    return [person for person in people if person.pk in readers]
