"""Partnership statistics pages. Domain errors map to pages in ``core.middleware.DomainErrorMiddleware``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import NotFound
from core.web import form_status
from partnership.web import SignedInRequest
from reports import disclosure, forms, selectors


@login_required
@require_GET
def outcomes_report(request: SignedInRequest) -> HttpResponse:
    """Counts for a calendar year or quarter, small numbers suppressed: chairs, admins and auditors (404 for others)."""
    if not selectors.may_read_statistics(request.user):
        raise NotFound("Not found.")
    form = forms.StatisticsPeriodForm(request.GET or {"period": str(timezone.localdate().year)})
    statistics = None
    if form.is_valid():
        statistics = selectors.partnership_statistics(viewer=request.user, period=form.cleaned_data["period"])
    return render(
        request,
        "reports/report_outcomes.html",
        {
            "form": form,
            "period": statistics and statistics.period,
            "tables": statistics and statistics.tables,
            "smallest_shown": disclosure.SMALL.stop,
        },
        status=form_status(form),
    )
