"""Everything panel-side about one case, as the viewer may read it, and what they may do with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cases.lifecycle import CASE_TRANSITIONS
from cases.models import Case, CaseStatus
from panels.lifecycle import PLAN_TRANSITIONS
from panels.models import (
    Action,
    Assessment,
    AssessmentRating,
    ConsentPurpose,
    ConsentRecord,
    ConsentStatus,
    Dimension,
    Discussion,
    Intervention,
    PlanStatus,
    PostExitReview,
    SupportPlan,
)
from panels.permissions import PanelCapability, can, reads_case, standing_on
from panels.rules import is_under_18
from panels.selectors.pack import assessment_changes
from partnership.models import User
from sharing import policy


@dataclass
class AssessmentVersion:
    assessment: Assessment
    previous_version: int | None
    changes: list[dict[str, Any]]
    dimensions: list[tuple[str, list[AssessmentRating]]]


@dataclass
class CasePanelRecord:
    """Everything panel-side about one case, as the viewer may read it."""

    case: Case
    consents: list[ConsentRecord]  # newest first
    current_consent: dict[str, str]  # purpose -> status
    consent_withdrawn: bool
    under_18: bool
    assessments: list[AssessmentVersion]  # newest first
    assessments_withheld: int
    plan: SupportPlan | None
    interventions: list[Intervention]
    actions: list[Action]
    post_exit_reviews: list[PostExitReview]
    decisions: list[Discussion]
    decisions_withheld: int
    allowed: frozenset[PanelCapability]  # what the viewer may do on this case (``panels.permissions``)
    completable: frozenset[int]  # the actions the viewer may mark as done

    @property
    def can_record_consent(self) -> bool:
        return PanelCapability.RECORD_CONSENT in self.allowed

    @property
    def can_assess(self) -> bool:
        return PanelCapability.RECORD_ASSESSMENT in self.allowed

    @property
    def can_manage_interventions(self) -> bool:
        return PanelCapability.MANAGE_INTERVENTIONS in self.allowed

    @property
    def can_add_action(self) -> bool:
        return PanelCapability.ADD_ACTION in self.allowed

    @property
    def can_activate_plan(self) -> bool:
        """The form is offered to who may activate, while the case can become support-active."""
        return (
            PanelCapability.MANAGE_PLAN in self.allowed
            and CaseStatus.SUPPORT_ACTIVE in CASE_TRANSITIONS[self.case.status]
            and PlanStatus.ACTIVE in PLAN_TRANSITIONS[self.plan.status if self.plan else PlanStatus.DRAFT]
        )

    @property
    def latest_assessment(self) -> AssessmentVersion | None:
        return self.assessments[0] if self.assessments else None

    @property
    def channel_consent(self) -> str:
        return self.current_consent.get(ConsentPurpose.CHANNEL_SUPPORT, ConsentStatus.NOT_SOUGHT)


def _by_dimension(ratings: Iterable[AssessmentRating]) -> list[tuple[str, list[AssessmentRating]]]:
    grouped: dict[str, list[AssessmentRating]] = {value: [] for value in Dimension.values}
    for rating in sorted(ratings, key=lambda r: (r.factor.position, r.factor_id)):
        grouped[rating.factor.dimension].append(rating)
    return [(str(Dimension(d).label), rows) for d, rows in grouped.items() if rows]


CASE_CAPABILITIES = (
    PanelCapability.RECORD_ASSESSMENT,
    PanelCapability.RECORD_CONSENT,
    PanelCapability.MANAGE_PLAN,
    PanelCapability.MANAGE_INTERVENTIONS,
    PanelCapability.ADD_ACTION,
)
"""The capabilities asked of one case, shown on its panel record."""


def case_panel_record(*, viewer: User, case: Case) -> CasePanelRecord:
    """The panel record of a case the viewer opened with ``cases.selectors.access_case``.

    Consent, plan, interventions, actions and reviews belong to the case and are read with it;
    assessments and decisions carry their own classification and are cut to the viewer's.
    """
    consents = list(
        ConsentRecord.objects.filter(case=case).select_related("recorded_by").order_by("-recorded_at", "-id")
    )
    current: dict[str, str] = {}
    for record in consents:
        current.setdefault(record.purpose, record.status)
    assessments = list(
        policy.visible_children(viewer, Assessment.objects.filter(case=case))
        .select_related("created_by", "owning_agency")
        .prefetch_related("ratings__factor")
        .order_by("-version")
    )
    versions = []
    for index, version in enumerate(assessments):
        older = assessments[index + 1] if index + 1 < len(assessments) else None
        versions.append(
            AssessmentVersion(
                assessment=version,
                previous_version=older.version if older else None,
                changes=assessment_changes(version, older),
                dimensions=_by_dimension(version.ratings.all()),
            )
        )
    plan = SupportPlan.objects.filter(case=case).first()
    decisions_qs = Discussion.objects.filter(item__case=case)
    decisions = list(
        policy.visible_children(viewer, decisions_qs).select_related("item__meeting").order_by("-decided_at")
    )
    actions = list(
        Action.objects.filter(case=case)
        .select_related("case", "owner_agency", "owner", "meeting")
        .order_by("status", "due_date", "id")
    )
    standing, reads = standing_on(viewer, case.panel), reads_case(viewer, case)
    return CasePanelRecord(
        case=case,
        consents=consents,
        current_consent=current,
        consent_withdrawn=current.get(ConsentPurpose.CHANNEL_SUPPORT) == ConsentStatus.WITHDRAWN,
        under_18=is_under_18(case),
        assessments=versions,
        assessments_withheld=policy.withheld_children(viewer, Assessment.objects.filter(case=case)).count(),
        plan=plan,
        interventions=list(plan.interventions.select_related("provider").order_by("starts_on", "id")) if plan else [],
        actions=actions,
        post_exit_reviews=list(PostExitReview.objects.filter(case=case).order_by("stage")),
        decisions=decisions,
        decisions_withheld=policy.withheld_children(viewer, decisions_qs).count(),
        allowed=frozenset(c for c in CASE_CAPABILITIES if can(viewer, c, case, standing=standing, reads=reads)),
        completable=frozenset(
            a.pk for a in actions if can(viewer, PanelCapability.COMPLETE_ACTION, a, standing=standing, reads=reads)
        ),
    )


def actions_for_case(*, viewer: User, case: Case) -> list[Action]:
    """Actions on a case the viewer already opened."""
    return list(Action.objects.filter(case=case).select_related("owner_agency", "owner").order_by("due_date", "id"))


def consents_for_case(*, viewer: User, case: Case) -> list[ConsentRecord]:
    """The consent ledger of a case the viewer already opened, oldest first."""
    return list(ConsentRecord.objects.filter(case=case).select_related("recorded_by").order_by("recorded_at", "id"))


def support_plan_for(*, viewer: User, case: Case) -> tuple[SupportPlan | None, list[Intervention]]:
    """The plan and its interventions for a case the viewer already opened."""
    plan = SupportPlan.objects.filter(case=case).prefetch_related("interventions__provider").first()
    return plan, list(plan.interventions.all()) if plan else []
