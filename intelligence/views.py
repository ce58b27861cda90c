"""Tension monitoring and self-assessment pages. Each view opens what it needs through a selector, binds a
form and lets ``core.web.handle_form`` (``handle_action`` for a button) call one service. Domain errors a
view does not handle map to pages once, in ``core.middleware.DomainErrorMiddleware``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import InvalidTransition, NotFound, ValidationError
from core.web import (
    first_form_with_errors,
    form_page,
    handle_action,
    handle_form,
    redirect_with_success,
    success_to,
)
from intelligence import charts, forms, permissions, selectors, services
from intelligence.models import ActionStatus, TensionReport
from intelligence.permissions import Capability
from partnership.models import User
from partnership.web import SignedInRequest
from sharing import policy
from sharing import services as sharing_services
from sharing.models import BreakGlass

GET_POST = require_http_methods(["GET", "POST"])
NO_BREAK_GLASS_MATCH = "No tension report you can open with that reference"


def _report_url(pk: int) -> str:
    return reverse("intelligence:report", args=[pk])


def _assessment_url(pk: int) -> str:
    return reverse("intelligence:assessment", args=[pk])


@login_required
@require_GET
def index(request: SignedInRequest) -> HttpResponse:
    """Where the two halves start: the tension log for case workers, the self-assessment for every member."""
    user = request.user
    reads_tensions = permissions.can_record_tension(user)
    if not (reads_tensions or permissions.can_read_self_assessment(user)):
        raise NotFound("Not found.")
    return render(
        request,
        "intelligence/index.html",
        {"reads_tensions": reads_tensions, "reads_assessment": permissions.can_read_self_assessment(user)},
    )


# --- Tension reports ---------------------------------------------------------------------------------


def _require_case_worker(request: SignedInRequest) -> None:
    if not permissions.can_record_tension(request.user):
        raise NotFound("Not found.")


@login_required
@require_GET
def tension_log(request: SignedInRequest) -> HttpResponse:
    """The week's reports for the weekly partnership review, highest level first, and how many are withheld."""
    _require_case_worker(request)
    log = selectors.weekly_log(viewer=request.user, week=selectors.parse_week(request.GET.get("week")))
    context = {
        "log": log,
        "reviews": permissions.is_reviewer(request.user),
        "previous_url": f"?week={log.previous_week.isoformat()}",
        "next_url": f"?week={log.next_week.isoformat()}" if log.next_week else "",
    }
    return render(request, "intelligence/tension_log.html", context)


@login_required
@GET_POST
def tension_new(request: SignedInRequest) -> HttpResponseBase:
    _require_case_worker(request)
    form = forms.TensionReportForm(request.POST or None, user=request.user)
    return handle_form(
        request,
        form,
        action=lambda: services.record_tension_report(actor=request.user, **form.cleaned_data),
        success=lambda report: redirect_with_success(
            request, f"Tension report {report.reference} recorded.", _report_url(report.pk)
        ),
        render=form_page(request, "intelligence/tension_form.html", {"form": form}),
    )


def _render_report(request: SignedInRequest, report: TensionReport, *, status: int = 200, **bound: Any) -> HttpResponse:
    user = request.user
    review_form = bound.get("review_form") or forms.ReviewForm()
    share_form = bound.get("share_form") or forms.ShareForm()
    context = {
        "report": report,
        "events": selectors.events_of(report=report),
        "shares": selectors.shares_of(viewer=user, report=report),
        "can_review": permissions.can(user, Capability.REVIEW_TENSION, report),
        "can_plan": permissions.can(user, Capability.PLAN_RESPONSE, report),
        "can_share": permissions.can(user, Capability.SHARE_TENSION, report),
        "review_form": review_form,
        "share_form": share_form,
        "error_form": first_form_with_errors(review_form, share_form),
        "week": selectors.week_of(report.occurred_on),
        "now": timezone.now(),
        "under_break_glass": policy.under_break_glass(user, report),
    }
    return render(request, "intelligence/tension_detail.html", context, status=status)


@login_required
@require_GET
def tension_detail(request: SignedInRequest, report_id: int) -> HttpResponse:
    return _render_report(request, selectors.access_report(viewer=request.user, report_id=report_id))


def _open_break_glass(actor: User, reference: str, reason: str) -> tuple[TensionReport, BreakGlass]:
    """Missing and refused look the same: an error on the reference, nothing about the report."""
    report = selectors.report_for_break_glass(reference=reference)
    if report is None or not permissions.can(actor, Capability.BREAK_GLASS, report):
        raise ValidationError({"reference": [NO_BREAK_GLASS_MATCH]})
    return report, sharing_services.open_break_glass(actor=actor, record=report, reason=reason)


def _opened(request: SignedInRequest, report: TensionReport, opening: BreakGlass) -> HttpResponse:
    until = timezone.localtime(opening.expires_at).strftime("%H:%M")
    messages.warning(
        request,
        f"You have opened {report.reference} with break-glass access until {until}, to read it only. "
        "Your agency's single point of contact and the auditors have been told, and the audit trail "
        "records every read.",
    )
    return redirect("intelligence:report", report.pk)


@login_required
@GET_POST
def tension_break_glass(request: SignedInRequest) -> HttpResponseBase:
    """Open one tension report outside the sharing rules, for a stated reason (reading only)."""
    _require_case_worker(request)
    form = forms.BreakGlassForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: _open_break_glass(request.user, form.cleaned_data["reference"], form.cleaned_data["reason"]),
        success=lambda opened: _opened(request, *opened),
        render=form_page(request, "intelligence/tension_break_glass.html", {"form": form}),
    )


def _post_on_report(
    request: SignedInRequest,
    report_id: int,
    form: Any,
    *,
    form_name: str,
    action: Callable[[TensionReport], Any],
    done: Callable[[TensionReport, Any], str],
) -> HttpResponseBase:
    """A form posted from the report's page: on an error the page again, with the form's errors."""
    report = selectors.access_report(viewer=request.user, report_id=report_id, audit=False)
    return handle_form(
        request,
        form,
        action=lambda: action(report),
        success=lambda result: redirect_with_success(request, done(report, result), _report_url(report.pk)),
        render=lambda status: _render_report(request, report, status=status, **{form_name: form}),
    )


@login_required
@require_POST
def tension_review(request: SignedInRequest, report_id: int) -> HttpResponseBase:
    form = forms.ReviewForm(request.POST)
    return _post_on_report(
        request,
        report_id,
        form,
        form_name="review_form",
        action=lambda report: services.review_tension_report(
            actor=request.user, report_id=report.pk, note=form.cleaned_data["note"]
        ),
        done=lambda report, _reviewed: f"{report.reference} reviewed.",
    )


@login_required
@require_POST
def tension_share(request: SignedInRequest, report_id: int) -> HttpResponseBase:
    form = forms.ShareForm(request.POST)
    return _post_on_report(
        request,
        report_id,
        form,
        form_name="share_form",
        action=lambda report: services.share_tension_report(
            actor=request.user,
            report_id=report.pk,
            agency=form.cleaned_data["agency"],
            reason=form.cleaned_data["reason"],
        ),
        done=lambda _report, share: f"Shared with {share.agency.name}.",
    )


@login_required
@GET_POST
def tension_revoke_share(request: SignedInRequest, report_id: int, share_id: int) -> HttpResponseBase:
    """Confirm, with a reason, that an agency no longer reads the report (its author or a source SPOC)."""
    report = selectors.access_report(viewer=request.user, report_id=report_id, audit=False)
    share = selectors.share_to_revoke(viewer=request.user, report=report, share_id=share_id)
    form = forms.RevokeShareForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: services.revoke_tension_share(
            actor=request.user, report_id=report.pk, share_id=share.pk, reason=form.cleaned_data["reason"]
        ),
        success=success_to(request, f"Access for {share.agency.name} has been revoked.", _report_url(report.pk)),
        render=form_page(
            request, "intelligence/tension_revoke_share.html", {"form": form, "report": report, "share": share}
        ),
    )


@login_required
@GET_POST
def event_new(request: SignedInRequest, report_id: int) -> HttpResponseBase:
    report = selectors.access_report(viewer=request.user, report_id=report_id, audit=False)
    permissions.require(request.user, Capability.PLAN_RESPONSE, report)
    form = forms.EventForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: services.link_event(
            actor=request.user,
            report_id=report.pk,
            title=form.cleaned_data["title"],
            starts_at=form.starts_at(),
            location=form.cleaned_data["location"],
            lead_agency=form.cleaned_data["lead_agency"],
            response_plan=form.cleaned_data["response_plan"],
        ),
        success=success_to(request, "Event and response plan linked.", _report_url(report.pk)),
        render=form_page(request, "intelligence/event_form.html", {"form": form, "report": report}),
    )


@login_required
@GET_POST
def response_action_new(request: SignedInRequest, event_id: int) -> HttpResponseBase:
    event = selectors.open_event(viewer=request.user, event_id=event_id)
    permissions.require(request.user, Capability.PLAN_RESPONSE, event.report)
    form = forms.ResponseActionForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: services.add_response_action(actor=request.user, event_id=event.pk, **form.cleaned_data),
        success=success_to(request, "Action added to the response.", _report_url(event.report_id)),
        render=form_page(request, "intelligence/response_action_form.html", {"form": form, "event": event}),
    )


def _close_action(request: SignedInRequest, close: Callable[[str], Any], then: str) -> HttpResponseBase:
    """The close buttons of a response's or a plan's action: ``close(status)`` with the status the button
    posted (an unreadable one asks to leave it open, which the service refuses), then back to ``then``."""
    form = forms.CloseActionForm(request.POST)
    status = form.cleaned_data["status"] if form.is_valid() else ActionStatus.OPEN
    return handle_action(
        request,
        action=lambda: close(status),
        done=lambda closed: f"Action marked {ActionStatus(closed.status).label.lower()}.",
        then=then,
    )


@login_required
@require_POST
def response_action_close(request: SignedInRequest, action_id: int) -> HttpResponseBase:
    action = selectors.open_response_action(viewer=request.user, action_id=action_id)
    return _close_action(
        request,
        lambda status: services.close_response_action(actor=request.user, action_id=action.pk, status=status),
        then=_report_url(action.event.report_id),
    )


@login_required
@require_GET
def tension_trends(request: SignedInRequest) -> HttpResponse:
    """Reports per area per month over what the viewer may read, small numbers suppressed, with charts."""
    _require_case_worker(request)
    trends = selectors.area_trends(viewer=request.user)
    charted = [
        (trend, charts.bar_chart(f"Tension reports a month in {trend.area.name}", trend.points)) for trend in trends
    ]
    return render(request, "intelligence/tension_trends.html", {"charted": charted, "months": selectors.TREND_MONTHS})


# --- The self-assessment -------------------------------------------------------------------------------


@login_required
@GET_POST
def assessments(request: SignedInRequest) -> HttpResponseBase:
    years = selectors.assessments_for(viewer=request.user)
    can_edit = permissions.can_edit_self_assessment(request.user)
    form = forms.StartAssessmentForm(request.POST or None)
    if request.method == "POST" and not can_edit:
        permissions.require_edit_self_assessment(request.user)
    return handle_form(
        request,
        form,
        action=lambda: services.start_self_assessment(actor=request.user, year=form.cleaned_data["year"]),
        success=lambda started: redirect_with_success(
            request, f"Self-assessment {started.year} started.", _assessment_url(started.pk)
        ),
        render=form_page(
            request,
            "intelligence/assessment_list.html",
            {
                "form": form,
                "years": years,
                "can_edit": can_edit,
                "dimensions": selectors.dimensions() if can_edit else [],
            },
        ),
    )


@login_required
@require_GET
def assessment_detail(request: SignedInRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.year_for(viewer=request.user, assessment_id=assessment_id)
    dimensions = selectors.scored_dimensions(assessment=assessment)
    context = {
        "assessment": assessment,
        "dimensions": dimensions,
        "actions": selectors.actions_of(assessment=assessment),
        "can_edit": permissions.can_edit_self_assessment(request.user, noted_on=assessment)
        and assessment.status == "draft",
        "complete": all(d.year_score is not None for d in dimensions),  # type: ignore[attr-defined]
    }
    return render(request, "intelligence/assessment_detail.html", context)


@login_required
@GET_POST
def assessment_score(request: SignedInRequest, assessment_id: int, dimension_id: int) -> HttpResponseBase:
    assessment = selectors.editable_year(viewer=request.user, assessment_id=assessment_id)
    dimension = selectors.dimension_to_score(assessment=assessment, dimension_id=dimension_id)
    scored: Any = dimension  # with the year's score of it, if any
    initial = None if scored.year_score is None else {"score": str(scored.year_score), "evidence": scored.year_evidence}
    form = forms.ScoreForm(request.POST or None, dimension=dimension, initial=initial)
    return handle_form(
        request,
        form,
        action=lambda: services.score_dimension(
            actor=request.user, assessment_id=assessment.pk, dimension=dimension, **form.cleaned_data
        ),
        success=success_to(request, f"{dimension.title}: scored.", _assessment_url(assessment.pk)),
        render=form_page(
            request,
            "intelligence/assessment_score.html",
            {"form": form, "assessment": assessment, "dimension": dimension},
        ),
    )


@login_required
@GET_POST
def assessment_action_new(request: SignedInRequest, assessment_id: int) -> HttpResponseBase:
    assessment = selectors.editable_year(viewer=request.user, assessment_id=assessment_id)
    form = forms.AssessmentActionForm(request.POST or None, owners=selectors.assessment_action_owners())
    return handle_form(
        request,
        form,
        action=lambda: services.add_assessment_action(
            actor=request.user, assessment_id=assessment.pk, **form.cleaned_data
        ),
        success=success_to(request, "Action added to the plan.", _assessment_url(assessment.pk)),
        render=form_page(request, "intelligence/assessment_action_form.html", {"form": form, "assessment": assessment}),
    )


@login_required
@require_POST
def assessment_action_close(request: SignedInRequest, assessment_id: int, action_id: int) -> HttpResponseBase:
    assessment = selectors.editable_year(viewer=request.user, assessment_id=assessment_id)
    if not assessment.actions.filter(pk=action_id).exists():
        raise NotFound("Not found.")
    return _close_action(
        request,
        lambda status: services.close_assessment_action(actor=request.user, action_id=action_id, status=status),
        then=_assessment_url(assessment.pk),
    )


@login_required
@require_POST
def assessment_complete(request: SignedInRequest, assessment_id: int) -> HttpResponseBase:
    assessment = selectors.editable_year(viewer=request.user, assessment_id=assessment_id)
    return handle_action(
        request,
        action=lambda: services.complete_self_assessment(actor=request.user, assessment_id=assessment.pk),
        done=lambda done: f"Self-assessment {done.year} completed.",
        then=_assessment_url(assessment.pk),
        refusals=(InvalidTransition, ValidationError),
    )


@login_required
@require_GET
def assessment_history(request: SignedInRequest) -> HttpResponse:
    """Years side by side, one row per dimension: the years asked for (``?years=2025&years=2026``), else all."""
    years = [int(y) for y in request.GET.getlist("years") if y.isascii() and y.isdigit()]
    compared, rows = selectors.compare_years(viewer=request.user, years=years)
    return render(request, "intelligence/assessment_history.html", {"years": compared, "rows": rows})


@login_required
@GET_POST
def framework_edit(request: SignedInRequest, dimension_id: int) -> HttpResponseBase:
    """The partnership adapts a dimension's wording (partnership admins and panel chairs)."""
    dimension = selectors.dimension_to_adapt(viewer=request.user, dimension_id=dimension_id)
    initial = {"title": dimension.title, **{f"level_{d.score}": d.text for d in dimension.descriptors.all()}}
    form = forms.DimensionWordingForm(request.POST or None, initial=initial)
    return handle_form(
        request,
        form,
        action=lambda: services.adapt_dimension(
            actor=request.user,
            dimension_id=dimension.pk,
            title=form.cleaned_data["title"],
            descriptors=form.descriptors(),
        ),
        success=success_to(request, "The framework's wording is saved.", reverse("intelligence:assessments")),
        render=form_page(request, "intelligence/framework_form.html", {"form": form, "dimension": dimension}),
    )
