"""Partnership statistics pages. Domain errors map to pages in ``core.middleware.DomainErrorMiddleware``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.errors import NotFound, ValidationError
from core.forms import apply_service_errors
from core.web import form_status
from partnership.web import SignedInRequest
from reports import forms, selectors


@login_required
@require_GET
def outcomes_report(request: SignedInRequest) -> HttpResponse:
    """Counts for a period, small numbers suppressed: chairs, partnership admins and auditors (404 for others)."""
    if not selectors.can_read_outcome_report(request.user):
        raise NotFound("Not found.")
    start, end = forms.last_twelve_months()
    form = forms.OutcomeReportForm(request.GET or None, initial={"start": start, "end": end})
    report = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if not form.is_bound or form.is_valid():
        try:
            report = selectors.outcome_report(viewer=request.user, start=start, end=end)
        except ValidationError as exc:  # a period the report refuses: on the form, with the error summary
            apply_service_errors(form, exc)
    return render(
        request,
        "reports/report_outcomes.html",
        {"form": form, "report": report, "start": start, "end": end, "small_number": selectors.SMALL_NUMBER},
        status=form_status(form),
    )
