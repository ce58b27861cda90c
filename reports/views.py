"""Partnership statistics pages and downloads. Domain errors map to pages in ``core.middleware.DomainErrorMiddleware``.

Every view is for chairs, partnership admins and auditors (``reports.permissions``); anyone else gets
the not-found page. A period other than a calendar year or quarter is an error on the period form."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from core.errors import NotFound
from core.web import form_status
from partnership.web import SignedInRequest
from reports import disclosure, exports, figures, forms, selectors


def _require_reader(request: SignedInRequest) -> None:
    if not selectors.may_read_statistics(request.user):
        raise NotFound("Not found.")


def _period_form(request: SignedInRequest) -> forms.StatisticsPeriodForm:
    return forms.StatisticsPeriodForm(request.GET or {"period": str(timezone.localdate().year)})


def _statistics_page(request: SignedInRequest, form: forms.StatisticsPeriodForm) -> HttpResponse:
    statistics = None
    if form.is_valid():
        statistics = selectors.partnership_statistics(viewer=request.user, period=form.cleaned_data["period"])
    context = {"form": form, "smallest_shown": disclosure.SMALL.stop, "statistics": statistics}
    if statistics is not None:
        context |= {
            "figures": figures.statistics_figures(statistics),
            "funnel": figures.funnel_figure(statistics),
            "quarter_grids": [statistics.grid(name) for name in figures.QUARTER_BREAKDOWNS],
        }
    return render(request, "reports/statistics.html", context, status=form_status(form))


@login_required
@require_GET
def outcomes_report(request: SignedInRequest) -> HttpResponse:
    """Referrals of a calendar year or quarter, with charts, small numbers suppressed."""
    _require_reader(request)
    return _statistics_page(request, _period_form(request))


@login_required
@require_GET
def operations_report(request: SignedInRequest) -> HttpResponse:
    """Caseload, overdue requests and actions, and panel attendance, as of today."""
    _require_reader(request)
    operations = selectors.partnership_operations(viewer=request.user)
    context = {
        "operations": operations,
        "figures": figures.operations_figures(operations),
        "attendance_chart": figures.attendance_chart(operations),
    }
    return render(request, "reports/operations.html", context)


def _download(request: SignedInRequest, kind: str) -> HttpResponse:
    """The Home Office return (``csv``) or the printable report (``pdf``) for the period; the page with
    its error summary when the period is not a calendar year or quarter."""
    _require_reader(request)
    form = _period_form(request)
    if not form.is_valid():
        return _statistics_page(request, form)
    statistics = selectors.partnership_statistics(viewer=request.user, period=form.cleaned_data["period"])
    if kind == "csv":
        response = HttpResponse(exports.home_office_csv(statistics), content_type="text/csv; charset=utf-8")
    else:
        operations = selectors.partnership_operations(viewer=request.user)
        pdf = exports.partnership_report_pdf(
            statistics, operations, reader=request.user.get_full_name() or request.user.username, now=timezone.now()
        )
        response = HttpResponse(pdf, content_type="application/pdf")
    name = "prevent-return" if kind == "csv" else "partnership-statistics"
    response["Content-Disposition"] = f'attachment; filename="{name}-{statistics.period.label}.{kind}"'
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def home_office_return(request: SignedInRequest) -> HttpResponse:
    return _download(request, "csv")


@login_required
@require_GET
def partnership_report(request: SignedInRequest) -> HttpResponse:
    return _download(request, "pdf")
