"""Consent, support plans and their interventions."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import services as case_services
from cases.lifecycle import SUPPORTED, check_case_transition
from cases.models import Case, CaseStatus
from core.audit import record_event
from core.errors import InvalidTransition, ValidationError
from core.locking import locked_row
from core.models import AuditVerb
from core.services import save_change
from panels import lifecycle
from panels.models import (
    AgendaItem,
    ConsentGiver,
    ConsentPurpose,
    ConsentRecord,
    ConsentStatus,
    Intervention,
    InterventionStatus,
    InterventionType,
    ItemKind,
    Meeting,
    PlanStatus,
    SupportPlan,
)
from panels.permissions import PanelCapability, require
from panels.rules import is_under_18
from panels.services.access import readable_case
from partnership.models import Agency, Panel, User
from referrals import services as referral_services
from referrals.models import EntryType
from sharing import policy

# --- consent ----------------------------------------------------------------------------------


def current_consent(case: Case, purpose: str) -> str:
    latest = ConsentRecord.objects.filter(case=case, purpose=purpose).order_by("-recorded_at", "-id").first()
    return latest.status if latest else ConsentStatus.NOT_SOUGHT


def _consent_errors(case: Case, *, purpose: str, status: str, given_by: str, method: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = ["Choose what the consent is for"]
    if status not in ConsentStatus.values:
        errors["status"] = ["Choose the consent status"]
    if status in (ConsentStatus.GIVEN, ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
        if given_by not in ConsentGiver.values:
            errors["given_by"] = ["Say who gave or refused consent"]
        elif is_under_18(case) and given_by != ConsentGiver.PARENT_GUARDIAN:
            errors["given_by"] = ["For under-18s, consent comes from a parent or guardian"]
        if not method:
            errors["method"] = ["Say how consent was recorded"]
    return errors


def _put_exit_on_next_agenda(*, actor: User, case: Case) -> None:
    """Consent to support withdrawn on a supported case: the next open meeting decides on exit."""
    upcoming = (
        Meeting.objects.filter(panel=case.panel, scheduled_at__gte=timezone.now(), signed_at__isnull=True)
        .filter(status__in=lifecycle.MEETING_OPEN)
        .order_by("scheduled_at")
        .first()
    )
    if upcoming is not None and not upcoming.items.filter(case=case).exists():
        AgendaItem.objects.create(
            meeting=upcoming, case=case, kind=ItemKind.CONSENT_WITHDRAWN, position=0, added_by=actor
        )


@transaction.atomic
def record_consent(
    *,
    actor: User,
    case_id: int,
    purpose: str,
    status: str,
    given_by: str = "",
    given_by_name: str = "",
    method: str = "",
    capacity_notes: str = "",
) -> ConsentRecord:
    """Add to the consent ledger. Withdrawal is prominent and puts exit before the panel."""
    case = readable_case(actor, case_id, lock=True)
    require(actor, PanelCapability.RECORD_CONSENT, case)
    errors = _consent_errors(case, purpose=purpose, status=status, given_by=given_by, method=method)
    if errors:
        raise ValidationError(errors)
    record = ConsentRecord.objects.create(
        case=case,
        purpose=purpose,
        status=status,
        given_by=given_by,
        given_by_name=given_by_name.strip(),
        method=method,
        capacity_notes=capacity_notes.strip(),
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    withdrawn = status == ConsentStatus.WITHDRAWN
    referral_services.add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.CONSENT,
        title=f"Consent {ConsentStatus(status).label.lower()}: {ConsentPurpose(purpose).label.lower()}",
        body=capacity_notes.strip(),
        significant=withdrawn,
    )
    if withdrawn and purpose == ConsentPurpose.CHANNEL_SUPPORT and case.status in SUPPORTED:
        _put_exit_on_next_agenda(actor=actor, case=case)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=record, details={"case": case.pk, "status": status})
    return record


# --- support plans ---------------------------------------------------------------------------


@transaction.atomic
def activate_support_plan(*, actor: User, case_id: int, objectives: str) -> SupportPlan:
    """A plan becomes active only for an adopted case with Channel-support consent given."""
    case = readable_case(actor, case_id, lock=True)
    require(actor, PanelCapability.MANAGE_PLAN, case)
    plan = SupportPlan.objects.select_for_update().filter(case=case).first()
    lifecycle.check_plan_transition(plan, PlanStatus.ACTIVE)
    case_services.require_case_manager(actor, case)
    check_case_transition(case, CaseStatus.SUPPORT_ACTIVE)
    if current_consent(case, ConsentPurpose.CHANNEL_SUPPORT) != ConsentStatus.GIVEN:
        raise InvalidTransition("Record consent to Channel support before the plan can become active.")
    if not objectives.strip():
        raise ValidationError({"objectives": ["Set out the plan's objectives"]})
    if plan is None:
        plan = SupportPlan.objects.create(
            case=case, status=PlanStatus.ACTIVE, objectives=objectives.strip(), activated_at=timezone.now()
        )
    else:
        plan.status = PlanStatus.ACTIVE
        plan.objectives = objectives.strip()
        plan.activated_at = timezone.now()
        plan.save(update_fields=["status", "objectives", "activated_at", "updated_at"])
    case_services.transition_case(
        actor=actor,
        case_id=case.pk,
        to_status=CaseStatus.SUPPORT_ACTIVE,
        reason="Support plan activated with consent recorded",
    )
    return plan


def cases_due_review(panel: Panel) -> QuerySet[Case]:
    return Case.objects.filter(panel=panel, status__in=SUPPORTED)


# --- interventions -----------------------------------------------------------------------------


@transaction.atomic
def add_intervention(
    *,
    actor: User,
    case_id: int,
    provider_id: int,
    kind: str,
    description: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Intervention:
    case = readable_case(actor, case_id)
    require(actor, PanelCapability.MANAGE_INTERVENTIONS, case)
    errors: dict[str, list[str]] = {}
    if kind not in InterventionType.values:
        errors["kind"] = ["Choose the type of intervention"]
    if not Agency.objects.filter(pk=provider_id, is_active=True).exists():
        errors["provider"] = ["Choose the provider"]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["The end must be after the start"]
    if errors:
        raise ValidationError(errors)
    plan, _ = SupportPlan.objects.get_or_create(case=case)
    intervention = Intervention.objects.create(
        plan=plan,
        provider_id=provider_id,
        kind=kind,
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=intervention, details={"case": case.pk})
    return intervention


@transaction.atomic
def update_intervention(*, actor: User, intervention_id: int, status: str, progress_notes: str = "") -> Intervention:
    """Record an intervention's status and progress (the case owner or panel members)."""
    intervention = locked_row(Intervention, intervention_id, "plan__case__referral", "plan__case__panel")
    case = intervention.plan.case
    policy.require(actor, policy.Action.VIEW, case.referral)
    require(actor, PanelCapability.MANAGE_INTERVENTIONS, case)
    if status not in InterventionStatus.values:
        raise ValidationError({"status": ["Choose the intervention's status"]})
    lifecycle.check_intervention_transition(intervention, status)
    changes = {"status": status, "progress_notes": progress_notes.strip()}
    details = {"case": case.pk, "status": status}
    return save_change(intervention, changes, actor=actor, verb=AuditVerb.CHANGED, details=details, validate=True)
