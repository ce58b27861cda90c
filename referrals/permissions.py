"""What people may do to referrals (DESIGN.md rule 11), decided once, on top of ``sharing.policy``.

Reading is the policy's (``policy.can(user, Action.VIEW, referral)``; a referral the user may not
read does not exist for them). Every capability below asks the policy first how the user reads the
referral, and needs a read through their agency's grant: break-glass gives reading only. Then the
user's role and relation to the referral decide. "Panel chair" is the chair (or deputy chair) of the
panel the referral's case belongs to, never anyone who holds the role.

Services call ``require`` (``NotFound`` when the referral does not exist for the user,
``PermissionDenied`` when they may read it but not do this); pages, the API and navigation ask
``can`` (or the ``can_*`` predicates) to decide what to offer, so nobody is shown a button for what
they cannot do.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from partnership.models import AgencyKind, Role, User
from referrals.models import Referral
from sharing import policy
from sharing.policy import Viewer


class Capability(StrEnum):
    EDIT_DRAFT = "edit_referral_draft"
    SUBMIT = "submit_referral"
    SCREEN = "screen_referral"
    SHARE = "share_referral"
    REVOKE_SHARE = "revoke_referral_share"
    EXPORT_CHRONOLOGY = "export_referral_chronology"
    BREAK_GLASS = "break_glass"


# --- Relations a capability can rest on -----------------------------------------------------------


class PanelChairs(Protocol):
    """A panel as these rules read it (``partnership.models.Panel``)."""

    @property
    def chair_id(self) -> int: ...
    @property
    def deputy_chair_id(self) -> int | None: ...


class ManagedCase(Protocol):
    """A case as these rules read it (``cases.models.Case``, which sits above this app)."""

    @property
    def owner_id(self) -> int: ...
    @property
    def panel(self) -> PanelChairs: ...


def chairs_panel(user: Viewer, panel: PanelChairs) -> bool:
    """The chair or deputy chair the partnership named for THIS panel, holding the panel chair role.
    The role alone never makes anyone a chair here; the chair of another panel is nobody here."""
    return bool(
        policy.is_case_worker(user)
        and Role.PANEL_CHAIR in user.roles
        and user.pk is not None
        and user.pk in (panel.chair_id, panel.deputy_chair_id)
    )


def manages_case(user: Viewer, case: ManagedCase) -> bool:
    """The case owner, or the chair (or deputy) of the panel the case belongs to."""
    return bool(user.pk is not None and (case.owner_id == user.pk or chairs_panel(user, case.panel)))


def case_of(referral: Referral) -> ManagedCase | None:
    """The referral's case (a referral accepted for the panel), or None before there is one."""
    try:
        return referral.case
    except ObjectDoesNotExist:
        return None


# The local authority: the case owner's agency (DESIGN.md: panels are chaired by the local authority).
LOCAL_AUTHORITY_KINDS = frozenset({AgencyKind.CHILDRENS_SERVICES, AgencyKind.ADULT_SERVICES})
CASE_OWNER_ROLES = frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR})
CASE_OWNER_RULE = "The case owner must be an active practitioner or panel chair in the local authority"


def _case_owner_q() -> Q:
    return Q(
        is_active=True,
        agency__is_active=True,
        agency__kind__in=sorted(LOCAL_AUTHORITY_KINDS),
        roles__overlap=sorted(CASE_OWNER_ROLES),
    )


def may_own_case(user: User) -> bool:
    """Who a screening officer may name as a case's owner: an active practitioner or chair of an active
    local-authority agency (children's or adult services). One query."""
    return User.objects.filter(_case_owner_q(), pk=user.pk).exists()


def case_owner_candidates() -> QuerySet[User]:
    """Everyone ``may_own_case`` allows, for the screening decision's list of owners."""
    return User.objects.filter(_case_owner_q())


def is_screening_officer(user: Viewer) -> bool:
    """A screening officer of a screening agency (usually police Prevent): the screening queue is theirs."""
    return bool(
        policy.is_case_worker(user)
        and Role.SCREENING_OFFICER in user.roles
        and user.agency is not None
        and user.agency.screens_referrals
    )


def screening_officers() -> QuerySet[User]:
    """Everyone ``is_screening_officer`` holds for, as a queryset (who hears of the screening clock)."""
    return User.objects.filter(
        is_active=True,
        roles__contains=[Role.SCREENING_OFFICER],
        agency__screens_referrals=True,
        agency__is_active=True,
    )


def is_referring_practitioner(user: Viewer, referral: Referral) -> bool:
    return referral.created_by_id is not None and referral.created_by_id == user.pk


# --- Role and relation, per capability (each reads through a grant first, see ``can``) ------------


def _author_of_draft(user: Viewer, referral: Referral) -> bool:
    return referral.is_draft and is_referring_practitioner(user, referral)


def _screener(user: Viewer, referral: Referral) -> bool:
    return not referral.is_draft and is_screening_officer(user)


def _sharer(user: Viewer, referral: Referral) -> bool:
    """The referring practitioner; once there is a case, its owner and its panel's chair too (rule 5)."""
    if referral.is_draft:
        return False
    case = case_of(referral)
    return is_referring_practitioner(user, referral) or (case is not None and manages_case(user, case))


def _submitted(user: Viewer, referral: Referral) -> bool:
    return not referral.is_draft


Relation = Callable[[Viewer, Referral], bool]

RELATIONS: dict[Capability, Relation] = {
    Capability.EDIT_DRAFT: _author_of_draft,
    Capability.SUBMIT: _author_of_draft,
    Capability.SCREEN: _screener,
    Capability.SHARE: _sharer,
    Capability.REVOKE_SHARE: _sharer,
    Capability.EXPORT_CHRONOLOGY: _submitted,
}

REFUSALS: dict[Capability, str] = {
    Capability.EDIT_DRAFT: "Only the author can change a draft, and only until it is submitted.",
    Capability.SUBMIT: "Only the author can submit a draft.",
    Capability.SCREEN: "Only screening officers of the screening agency can screen referrals.",
    Capability.SHARE: "Only the referring practitioner, the case owner or the chair of the case's panel can share this.",
    Capability.REVOKE_SHARE: (
        "Only the referring practitioner, the case owner or the chair of the case's panel can revoke access."
    ),
    Capability.EXPORT_CHRONOLOGY: "This chronology cannot be exported.",
}


_CAPABILITIES = policy.RecordCapabilities(RELATIONS, REFUSALS, break_glass=Capability.BREAK_GLASS)


def can(user: Viewer, capability: Capability, referral: Referral) -> bool:
    """Whether ``user`` may do ``capability`` to ``referral`` (one query at most: how they read it)."""
    return _CAPABILITIES.can(user, capability, referral)


def require(user: Viewer, capability: Capability, referral: Referral) -> None:
    """Refuse unless ``can``: ``NotFound`` when the referral does not exist for the user, else
    ``PermissionDenied`` ("Break-glass gives reading only." for a break-glass reader).

    Break-glass itself is asked of someone who may not read the referral: its refusal is always
    ``NotFound``, so it says nothing about the record.
    """
    _CAPABILITIES.require(user, capability, referral)


def can_edit_draft(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.EDIT_DRAFT, referral)


def can_submit(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.SUBMIT, referral)


def can_screen(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.SCREEN, referral)


def can_share(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.SHARE, referral)


def can_revoke_share(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.REVOKE_SHARE, referral)


def can_export_chronology(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.EXPORT_CHRONOLOGY, referral)


def can_break_glass(user: Viewer, referral: Referral) -> bool:
    return can(user, Capability.BREAK_GLASS, referral)
