"""The case's panel record: its page, and the consent, assessment, support plan, intervention and
action forms, shaped as the meeting's views are (``panels.views``)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from cases import selectors as case_selectors
from cases.models import Case
from core.web import (
    form_page,
    handle_action,
    handle_form,
    redirect_with_success,
    refusal_to,
    signed_in,
    success_to,
)
from panels import forms, pages, selectors, services
from panels.models import AssessmentFactor, ConsentStatus
from panels.pages import case_url
from panels.permissions import PanelCapability, require
from panels.web import case_view, posted_from
from partnership.web import SignedInRequest

# --- The case's panel record ------------------------------------------------------------------------


@signed_in("GET")
def case_detail(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id)
    return pages.render_case(request, case)


def _consent_recorded(request: SignedInRequest, case: Case, status: str) -> HttpResponseBase:
    if status == ConsentStatus.WITHDRAWN:
        messages.warning(
            request, "Consent has been withdrawn. The case is on the next meeting's agenda for a decision on exit."
        )
        return redirect(case_url(case.pk, "consent"))
    return redirect_with_success(request, "The consent has been recorded.", case_url(case.pk, "consent"))


@case_view("GET", "POST")
def record_consent(request: SignedInRequest, case: Case) -> HttpResponseBase:
    require(request.user, PanelCapability.RECORD_CONSENT, case)
    record = selectors.case_panel_record(viewer=request.user, case=case)
    form = forms.ConsentForm(request.POST or None, initial={"purpose": "channel_support"})
    return handle_form(
        request,
        form,
        action=lambda: services.record_consent(actor=request.user, case_id=case.pk, **form.cleaned_data),
        success=lambda consent: _consent_recorded(request, case, consent.status),
        render=form_page(request, "panels/case_consent.html", {"case": case, "record": record, "form": form}),
    )


@case_view("GET", "POST")
def record_assessment(request: SignedInRequest, case: Case) -> HttpResponseBase:
    require(request.user, PanelCapability.RECORD_ASSESSMENT, case)
    record = selectors.case_panel_record(viewer=request.user, case=case)
    latest = record.latest_assessment.assessment if record.latest_assessment else None
    form = forms.AssessmentForm(
        request.POST or None,
        user=request.user,
        factors=AssessmentFactor.objects.filter(is_active=True).order_by("dimension", "position", "id"),
        initial_ratings={r.factor_id: (r.rating, r.evidence) for r in latest.ratings.all()} if latest else {},
        initial={
            "conclusion": latest.conclusion if latest else "",
            "management_plan": latest.management_plan if latest else "",
        },
    )
    return handle_form(
        request,
        form,
        action=lambda: services.record_assessment(
            actor=request.user,
            case_id=case.pk,
            ratings=form.ratings(),
            conclusion=form.cleaned_data["conclusion"],
            management_plan=form.cleaned_data["management_plan"],
            classification=form.cleaned_data["classification"],
        ),
        success=lambda assessment: redirect_with_success(
            request,
            f"Version {assessment.version} of the assessment has been recorded.",
            case_url(case.pk, "assessment"),
        ),
        render=form_page(request, "panels/case_assessment.html", {"case": case, "record": record, "form": form}),
    )


@case_view("POST")
def activate_plan(request: SignedInRequest, case: Case) -> HttpResponseBase:
    form = forms.PlanActivateForm(request.POST, prefix="plan")
    return posted_from(
        request,
        form,
        partial(pages.render_case, request, case),
        action=lambda: services.activate_support_plan(
            actor=request.user, case_id=case.pk, objectives=form.cleaned_data["objectives"]
        ),
        success=success_to(request, "The support plan is active.", case_url(case.pk, "plan")),
        refused_to=case_url(case.pk, "plan"),
    )


@case_view("GET", "POST")
def add_intervention(request: SignedInRequest, case: Case) -> HttpResponseBase:
    require(request.user, PanelCapability.MANAGE_INTERVENTIONS, case)
    form = forms.InterventionForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: services.add_intervention(
            actor=request.user,
            case_id=case.pk,
            provider_id=form.cleaned_data["provider"].pk,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
        ),
        success=success_to(request, "The intervention has been added to the plan.", case_url(case.pk, "plan")),
        render=form_page(request, "panels/case_intervention.html", {"case": case, "form": form, "intervention": None}),
    )


@signed_in("GET", "POST")
def update_intervention(request: SignedInRequest, intervention_id: int) -> HttpResponseBase:
    intervention = selectors.access_intervention(viewer=request.user, intervention_id=intervention_id)
    case = case_selectors.access_case(viewer=request.user, case_id=intervention.plan.case_id, audit=False)
    form = forms.InterventionUpdateForm(
        request.POST or None,
        initial={"status": intervention.status, "progress_notes": intervention.progress_notes},
    )
    return handle_form(
        request,
        form,
        action=lambda: services.update_intervention(
            actor=request.user,
            intervention_id=intervention.pk,
            status=form.cleaned_data["status"],
            progress_notes=form.cleaned_data["progress_notes"],
        ),
        success=success_to(request, "The intervention has been updated.", case_url(case.pk, "plan")),
        refused=refusal_to(request, reverse("panels:update_intervention", args=[intervention.pk])),
        render=form_page(
            request, "panels/case_intervention.html", {"case": case, "form": form, "intervention": intervention}
        ),
    )


@case_view("POST")
def add_case_action(request: SignedInRequest, case: Case) -> HttpResponseBase:
    form = forms.ActionForm(request.POST, prefix="action")
    return posted_from(
        request,
        form,
        partial(pages.render_case, request, case),
        action=lambda: services.add_action(actor=request.user, case_id=case.pk, **form.action()),
        success=success_to(request, "The action has been added.", case_url(case.pk, "actions")),
    )


def _action_return(request: SignedInRequest, action: Any) -> str:
    """Where a closed action leads: the page the person came from (this site only), else the case's actions."""
    back = request.POST.get("next", "") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    return back or case_url(action.case_id, "actions")


@signed_in("POST")
def complete_action(request: SignedInRequest, action_id: int) -> HttpResponseBase:
    action = selectors.access_action(viewer=request.user, action_id=action_id)
    return handle_action(
        request,
        action=lambda: services.complete_action(actor=request.user, action_id=action.pk),
        done=lambda _done: "The action is marked as done.",
        then=_action_return(request, action),
    )


@signed_in("GET", "POST")
def close_action(request: SignedInRequest, action_id: int) -> HttpResponseBase:
    """Close an action as done, not done or could not be done (the last two with a reason)."""
    action = selectors.access_action(viewer=request.user, action_id=action_id)
    require(request.user, PanelCapability.COMPLETE_ACTION, action)
    form = forms.ActionOutcomeForm(request.POST or None)
    back = _action_return(request, action)
    return handle_form(
        request,
        form,
        action=lambda: services.close_action(
            actor=request.user,
            action_id=action.pk,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
        ),
        success=lambda closed: redirect_with_success(
            request, f"The action is closed: {closed.get_status_display().lower()}.", back
        ),
        refused=refusal_to(request, back),
        render=form_page(request, "panels/action_close.html", {"action": action, "form": form, "back": back}),
    )
