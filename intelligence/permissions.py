"""What people may do with tension reports and the self-assessment (DESIGN.md rule 11), decided once,
on top of ``sharing.policy``.

Tension reports are shareable records: reading is the policy's, and every capability on a report
first needs a read through the reader's agency's grant (break-glass gives reading only). Then:

* recording a report: a case worker, for their own agency;
* reviewing it in the weekly partnership review: a chair of one of the partnership's panels, or a SPOC;
* linking an event, planning and closing the response: someone of the source agency, or a reviewer;
* sharing it (and revoking a share): its author, or a SPOC of the source agency;
* opening it by break-glass (DESIGN.md rule 9), as for a referral: a case worker whose clearance and
  agency the report's own rules still admit (``sharing.policy.may_break_glass``); the refusal is
  always "not found", so it says nothing about the report.

The self-assessment is the partnership's, not case content: every member of the partnership (anyone
signed in holding a role) reads it; partnership admins and the chairs of the partnership's panels
edit it and adapt the framework's wording.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from django.db.models import Exists, Model, Q, QuerySet, Value

from core.errors import NotFound, PermissionDenied
from intelligence.models import TensionReport
from partnership.models import Panel, Role
from sharing import policy
from sharing.policy import Viewer


class Capability(StrEnum):
    RECORD_TENSION = "record_tension_report"
    REVIEW_TENSION = "review_tension_report"
    PLAN_RESPONSE = "plan_tension_response"
    SHARE_TENSION = "share_tension_report"
    BREAK_GLASS = "break_glass_tension_report"
    READ_SELF_ASSESSMENT = "read_self_assessment"
    EDIT_SELF_ASSESSMENT = "edit_self_assessment"


MEMBER_ROLES = frozenset(Role)
M = TypeVar("M", bound=Model)

# ``noting_chair`` notes on each row for whom, and whether they chair a panel.
_CHAIR_FOR = "intelligence_chair_for"
_CHAIRS = "intelligence_chairs"


def _may_chair(user: Viewer) -> bool:
    return policy.is_case_worker(user) and Role.PANEL_CHAIR in user.roles and user.pk is not None


def _chaired_panels(user: Viewer) -> QuerySet[Panel]:
    return Panel.objects.filter(Q(chair_id=user.pk) | Q(deputy_chair_id=user.pk))


def noting_chair(user: Viewer, queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset``, each row noting whether ``user`` chairs a panel, so that ``chairs_a_panel`` (and the
    self-assessment's edit right) answers with ``noted_on`` one of those rows without a query of its own."""
    if not _may_chair(user):
        return queryset
    noted: QuerySet[M] = queryset.annotate(**{_CHAIR_FOR: Value(user.pk), _CHAIRS: Exists(_chaired_panels(user))})
    return noted


def chairs_a_panel(user: Viewer, noted_on: Model | None = None) -> bool:
    """A chair (or deputy chair) the partnership named for one of its panels, holding the chair role.
    One query (none without the role, or when ``noted_on`` is a row ``noting_chair`` fetched for them)."""
    if not _may_chair(user):
        return False
    if noted_on is not None and getattr(noted_on, _CHAIR_FOR, None) == user.pk:
        return bool(getattr(noted_on, _CHAIRS))
    return _chaired_panels(user).exists()


def is_reviewer(user: Viewer) -> bool:
    """Who reviews the tension log each week: the panels' chairs and the agencies' SPOCs."""
    return policy.is_case_worker(user) and (Role.SPOC in user.roles or chairs_a_panel(user))


def can_record_tension(user: Viewer) -> bool:
    return policy.is_case_worker(user)


def require_record_tension(user: Viewer) -> None:
    if not can_record_tension(user):
        raise PermissionDenied("Only case workers of a partner agency record tension reports.")


def _of_source_agency(user: Viewer, report: TensionReport) -> bool:
    return user.agency_id is not None and user.agency_id == report.owning_agency_id


def _planner(user: Viewer, report: TensionReport) -> bool:
    return _of_source_agency(user, report) or is_reviewer(user)


def _sharer(user: Viewer, report: TensionReport) -> bool:
    author = report.created_by_id is not None and report.created_by_id == user.pk
    return author or (_of_source_agency(user, report) and Role.SPOC in user.roles)


Relation = Callable[[Viewer, TensionReport], bool]

RELATIONS: dict[Capability, Relation] = {
    Capability.REVIEW_TENSION: lambda user, _report: is_reviewer(user),
    Capability.PLAN_RESPONSE: _planner,
    Capability.SHARE_TENSION: _sharer,
}

REFUSALS: dict[Capability, str] = {
    Capability.REVIEW_TENSION: "Only the chairs of the partnership's panels and agency SPOCs review tension reports.",
    Capability.PLAN_RESPONSE: "Only the source agency or a reviewer plans the response to this report.",
    Capability.SHARE_TENSION: "Only the author or a SPOC of the source agency can share this report.",
}


_CAPABILITIES = policy.RecordCapabilities(RELATIONS, REFUSALS, break_glass=Capability.BREAK_GLASS)


def can(user: Viewer, capability: Capability, report: TensionReport) -> bool:
    """Whether ``user`` may do ``capability`` to ``report`` (a query or two: how they read it, and a chair's panel)."""
    return _CAPABILITIES.can(user, capability, report)


def require(user: Viewer, capability: Capability, report: TensionReport) -> None:
    """``NotFound`` when the report does not exist for the user, else ``PermissionDenied`` unless ``can``.

    Break-glass is asked of someone who may not read the report: its refusal is always ``NotFound``.
    """
    _CAPABILITIES.require(user, capability, report)


def can_read_report(user: Viewer, report: TensionReport) -> bool:
    return policy.can(user, policy.Action.VIEW, report)


# --- The self-assessment ---------------------------------------------------------------------------


def can_read_self_assessment(user: Any) -> bool:
    """Every member of the partnership: an active, signed-in holder of any role."""
    return policy.holds_any_role(user, MEMBER_ROLES)


def can_edit_self_assessment(user: Any, noted_on: Model | None = None) -> bool:
    """Partnership admins and the chairs of the partnership's panels (``noted_on``: see ``noting_chair``)."""
    return policy.holds_any_role(user, {Role.PARTNERSHIP_ADMIN}) or chairs_a_panel(user, noted_on)


def require_read_self_assessment(user: Any) -> None:
    if not can_read_self_assessment(user):
        raise NotFound("Not found.")


def require_edit_self_assessment(user: Any, noted_on: Model | None = None) -> None:
    require_read_self_assessment(user)
    if not can_edit_self_assessment(user, noted_on):
        raise PermissionDenied("Only partnership admins and panel chairs change the self-assessment.")


def self_assessment_readers_q() -> Q:
    """``can_read_self_assessment`` as a filter on users (who may be told of its actions)."""
    return Q(is_active=True, roles__overlap=sorted(MEMBER_ROLES))
