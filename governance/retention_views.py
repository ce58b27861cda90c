"""Retention pages: the schedule (partnership admins), and for information governance what is due
for disposal, a batch's approval, the disposal log and legal holds. Each view parses its input and
calls one selector or service; records appear by reference only, never their content."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.web import form_page, handle_form, redirect_with_refusal, redirect_with_success, refusal_to, success_to
from governance import retention, services
from governance.forms import ApproveDisposalForm, LegalHoldForm, LiftHoldForm, RetentionScheduleForm
from governance.models import BatchStatus
from governance.permissions import Capability, can, require
from partnership.web import SignedInRequest


@login_required
@require_GET
def retention_overview(request: SignedInRequest) -> HttpResponse:
    """What is waiting for approval, the schedule in force, and the ways to the log and holds."""
    context = {
        "waiting": retention.batches_waiting(viewer=request.user),
        "schedule": retention.current_schedule(),
    }
    return render(request, "governance/retention_overview.html", context)


@login_required
def retention_schedule(request: SignedInRequest) -> HttpResponseBase:
    """A partnership admin sets how long each kind of record is kept (audited)."""
    require(request.user, Capability.CONFIGURE_RETENTION)
    schedule = retention.current_schedule()
    initial = {
        "case_years": schedule.case_years,
        "referral_years": schedule.referral_years,
        "draft_days": schedule.draft_days,
    }
    form = RetentionScheduleForm(request.POST if request.method == "POST" else None, initial=initial)

    def save() -> None:
        services.set_retention_schedule(actor=request.user, **form.cleaned_data)

    return handle_form(
        request,
        form,
        action=save,
        success=success_to(request, "The retention schedule has been saved.", request.path),
        render=form_page(request, "governance/retention_schedule.html", {"form": form}),
    )


@login_required
def disposal_batch(request: SignedInRequest, batch_id: int) -> HttpResponseBase:
    """A batch's records by reference; an IG officer approves its disposal here."""
    form = ApproveDisposalForm(request.POST if request.method == "POST" else None)

    def page(status: int) -> HttpResponse:
        detail = retention.disposal_batch(viewer=request.user, batch_id=batch_id)
        context = {
            "detail": detail,
            "form": form,
            "can_approve": detail.batch.status != BatchStatus.DISPOSED
            and can(request.user, Capability.APPROVE_DISPOSAL),
        }
        return render(request, "governance/disposal_batch.html", context, status=status)

    def approve() -> services.DisposalOutcome:
        return services.approve_disposal(actor=request.user, batch_id=batch_id)

    def done(outcome: services.DisposalOutcome) -> HttpResponseBase:
        kept = f" {outcome.kept} kept: see why below." if outcome.kept else ""
        message = f"Batch {outcome.batch.pk} approved: {outcome.disposed} record{'s' if outcome.disposed != 1 else ''} disposed of.{kept}"
        return redirect_with_success(request, message, request.path)

    if request.method == "POST":
        require(request.user, Capability.APPROVE_DISPOSAL)
    return handle_form(
        request, form, action=approve, success=done, render=page, conflict=refusal_to(request, request.path)
    )


@login_required
@require_GET
def disposal_log(request: SignedInRequest) -> HttpResponse:
    return render(request, "governance/disposal_log.html", {"batches": retention.disposal_log(viewer=request.user)})


@login_required
def legal_holds(request: SignedInRequest) -> HttpResponseBase:
    """Holds in place and lifted, and the form that places one."""
    require(request.user, Capability.MANAGE_LEGAL_HOLD)
    form = LegalHoldForm(request.POST if request.method == "POST" else None)

    def place() -> Any:
        return services.place_legal_hold(actor=request.user, **form.cleaned_data)

    def page(status: int) -> HttpResponse:
        context = {"form": form, "holds": retention.holds_page(viewer=request.user)}
        return render(request, "governance/legal_holds.html", context, status=status)

    return handle_form(
        request,
        form,
        action=place,
        success=success_to(request, "The legal hold is in place: its records will not be disposed of.", request.path),
        render=page,
        conflict=refusal_to(request, request.path),
    )


@login_required
def lift_legal_hold(request: SignedInRequest, hold_id: int) -> HttpResponseBase:
    hold = retention.hold_for(viewer=request.user, hold_id=hold_id)
    form = LiftHoldForm(request.POST if request.method == "POST" else None)
    holds_url = reverse("governance:legal_holds")

    def lift() -> Any:
        return services.lift_legal_hold(actor=request.user, hold_id=hold_id, **form.cleaned_data)

    return handle_form(
        request,
        form,
        action=lift,
        success=success_to(request, "The legal hold has been lifted.", holds_url),
        render=form_page(request, "governance/legal_hold_lift.html", {"form": form, "hold": hold}),
        conflict=lambda exc: redirect_with_refusal(request, exc, holds_url),
    )
