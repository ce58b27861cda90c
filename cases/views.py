"""Case pages: the case and its lifecycle, information requests and contributions, the chronology
pages and exports (the screening decision that opens a case is ``cases.screening_views``).

Each view opens what it needs through a selector, binds a form and lets ``core.web.handle_form``
(``handle_action`` for a button) call one service; ``cases.pages`` builds what a page shows.
Domain errors a view does not handle map to pages once, in ``core.middleware.DomainErrorMiddleware``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET, require_POST

from cases import exports, forms, list_forms, pages, permissions, selectors, services
from cases.list_pages import list_page
from cases.models import Case, CaseStatus, InformationRequest
from cases.permissions import Capability
from core import views as core_views
from core.errors import ConflictError, NotFound, ValidationError
from core.forms import posted_reason
from core.pagination import Page
from core.web import (
    form_page,
    handle_action,
    handle_form,
    record_view,
    redirect_with_success,
    refusal_to,
    safe_return,
    stored_file_response,
    success_to,
)
from partnership.web import SignedInRequest
from referrals import forms as referral_forms
from referrals import pages as referral_pages
from referrals import selectors as referral_selectors
from referrals.models import Referral

# The views about one case or request open it here; the page that shows it audits the read (with
# what it shows), and a service its write.
case_view = record_view(
    "case_id", lambda viewer, pk: selectors.access_case_page(viewer=viewer, case_id=pk, audit=False)
)
chronology_view = record_view(
    "case_id", lambda viewer, pk: selectors.access_case(viewer=viewer, case_id=pk, audit=False)
)
request_view = record_view(
    "request_id", lambda viewer, pk: selectors.access_request(viewer=viewer, request_id=pk, audit=False)
)

# --- Cases -----------------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: SignedInRequest) -> HttpResponse:
    """The cases the viewer may read: mine, my agency's or all, filtered and sorted, a page at a time."""

    def fetch(filters: dict[str, str], cursor: str | None) -> tuple[Page[Case], dict[str, Any]]:
        page = selectors.case_page_visible_to(
            viewer=request.user, cursor=cursor, page_size=referral_pages.PAGE_SIZE, filters=filters
        )
        return page, {}

    return list_page(request, list_forms.CaseListForm(request.GET), "cases/case_list.html", fetch)


def _render_case(
    request: SignedInRequest,
    case: Case,
    *,
    status: int = 200,
    transition_form: forms.CaseTransitionForm | None = None,
    request_form: forms.RequestInformationForm | None = None,
    note_form: forms.CaseNoteForm | None = None,
) -> HttpResponse:
    context = pages.case_context(
        request.user, case, transition_form=transition_form, request_form=request_form, note_form=note_form
    )
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: SignedInRequest, case_id: int) -> HttpResponse:
    return _render_case(request, selectors.access_case_page(viewer=request.user, case_id=case_id))


@case_view("POST")
def case_transition(request: SignedInRequest, case: Case) -> HttpResponseBase:
    # Every status is a valid answer here, so a stale page meets "someone changed this", not "invalid choice".
    form = forms.CaseTransitionForm(request.POST, case=case, allowed=CaseStatus.values)

    def stale(exc: ConflictError) -> HttpResponse:
        current = selectors.access_case_page(viewer=request.user, case_id=case.pk, audit=False)
        form.show_conflict(exc.message, current.version)
        return _render_case(request, current, transition_form=form, status=409)

    return handle_form(
        request,
        form,
        action=lambda: services.transition_case(
            actor=request.user,
            case_id=case.pk,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        ),
        success=lambda moved: redirect_with_success(
            request, f"{moved.reference} is now: {moved.get_status_display().lower()}.", pages.case_url(moved.pk)
        ),
        render=lambda status: _render_case(request, case, transition_form=form, status=status),
        conflict=stale,
        refused=lambda exc: form.add_error("to_status", exc.message),
    )


@case_view("POST")
def case_request_information(request: SignedInRequest, case: Case) -> HttpResponseBase:
    form = forms.RequestInformationForm(
        request.POST,
        default_due=pages.default_due_date(case.request_working_days),  # type: ignore[attr-defined]
    )
    return handle_form(
        request,
        form,
        action=lambda: services.request_information(actor=request.user, case_id=case.pk, **form.request()),
        success=lambda created: redirect_with_success(
            request, pages.requested(created), pages.case_url(case.pk, "requests")
        ),
        render=lambda status: _render_case(request, case, request_form=form, status=status),
    )


@case_view("POST")
def case_note(request: SignedInRequest, case: Case) -> HttpResponseBase:
    form = forms.CaseNoteForm(request.POST, user=request.user)
    return handle_form(
        request,
        form,
        action=lambda: services.add_case_note(
            actor=request.user,
            referral_id=case.pk,
            text=form.cleaned_data["text"],
            classification=int(form.cleaned_data["classification"]),
            originator_only=form.cleaned_data["originator_only"],
        ),
        success=success_to(request, "Your note has been added to the chronology.", pages.case_url(case.pk, "notes")),
        render=lambda status: _render_case(request, case, note_form=form, status=status),
        refused=lambda exc: form.add_error(None, exc.message),
    )


# --- Information requests --------------------------------------------------------------------------


@login_required
@require_GET
def request_queue(request: SignedInRequest) -> HttpResponse:
    """Information requests: assigned to me, to my agency, or all I can see; filtered and sorted."""

    def fetch(filters: dict[str, str], cursor: str | None) -> tuple[Page[InformationRequest], dict[str, Any]]:
        page, overdue = selectors.request_page_visible_to(
            viewer=request.user, filters=filters, cursor=cursor, page_size=referral_pages.PAGE_SIZE
        )
        rows = [{"request": r, "overdue": selectors.is_overdue(r)} for r in page.results]
        return page, {"rows": rows, "overdue": overdue}

    form = list_forms.RequestQueueForm(request.GET, agency_id=request.user.agency_id)
    return list_page(request, form, "cases/request_queue.html", fetch)


def _render_request(
    request: SignedInRequest,
    info_request: InformationRequest,
    *,
    status: int = 200,
    assign_form: forms.AssignRequestForm | None = None,
    contribution_form: forms.ContributionForm | None = None,
) -> HttpResponse:
    context = pages.request_context(
        request.user, info_request, assign_form=assign_form, contribution_form=contribution_form
    )
    return render(request, "cases/request_detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: SignedInRequest, request_id: int) -> HttpResponse:
    return _render_request(request, selectors.access_request(viewer=request.user, request_id=request_id))


@request_view("POST")
def request_assign(request: SignedInRequest, info_request: InformationRequest) -> HttpResponseBase:
    form = forms.AssignRequestForm(request.POST, agency_id=info_request.agency_id)
    back = pages.request_url(info_request.pk)

    def assigned(_: InformationRequest) -> HttpResponseBase:
        assignee = form.cleaned_data["assignee"]
        return redirect_with_success(
            request, f"The request has been assigned to {assignee.get_full_name() or assignee}.", back
        )

    return handle_form(
        request,
        form,
        action=lambda: services.assign_request(
            actor=request.user, request_id=info_request.pk, assignee=form.cleaned_data["assignee"]
        ),
        success=assigned,
        render=lambda status: _render_request(request, info_request, assign_form=form, status=status),
        refused=refusal_to(request, back),
    )


@request_view("POST")
def request_contribution(request: SignedInRequest, info_request: InformationRequest) -> HttpResponseBase:
    form = forms.ContributionForm(request.POST, request.FILES, user=request.user)
    back = pages.request_url(info_request.pk)
    return handle_form(
        request,
        form,
        action=lambda: services.return_contribution(
            actor=request.user,
            request_id=info_request.pk,
            text=form.cleaned_data["text"],
            classification=int(form.cleaned_data["classification"]),
            releasable_summary=form.cleaned_data["releasable_summary"],
            documents=form.cleaned_data["documents"],
        ),
        success=success_to(request, f"Your agency's contribution to {info_request.reference} has been returned.", back),
        render=lambda status: _render_request(request, info_request, contribution_form=form, status=status),
        refused=refusal_to(request, back),
    )


@request_view("POST")
def request_chase(request: SignedInRequest, info_request: InformationRequest) -> HttpResponseBase:
    return handle_action(
        request,
        action=lambda: services.chase_request(actor=request.user, request_id=info_request.pk),
        done=lambda chased: f"{info_request.agency.name} has been chased.",
        then=pages.requests_home_url(info_request),
    )


@request_view("POST")
def request_close(request: SignedInRequest, info_request: InformationRequest) -> HttpResponseBase:
    reason = posted_reason(request.POST)
    return handle_action(
        request,
        action=lambda: services.close_request(actor=request.user, request_id=info_request.pk, reason=reason),
        done=lambda closed: f"The request to {info_request.agency.name} has been closed.",
        then=pages.requests_home_url(info_request),
    )


@request_view("GET", "POST")
def request_extend(request: SignedInRequest, info_request: InformationRequest) -> HttpResponseBase:
    permissions.require(request.user, Capability.EXTEND_REQUEST, info_request)
    form = forms.ExtendRequestForm(request.POST or None, initial={"due_date": info_request.due_date})
    back = pages.requests_home_url(info_request)

    def extended(_: InformationRequest) -> HttpResponseBase:
        day = date_format(form.cleaned_data["due_date"], "j F Y")
        return redirect_with_success(request, f"The request to {info_request.agency.name} is now due on {day}.", back)

    return handle_form(
        request,
        form,
        action=lambda: services.extend_request(
            actor=request.user,
            request_id=info_request.pk,
            due_date=form.cleaned_data["due_date"],
            reason=form.cleaned_data["reason"],
        ),
        success=extended,
        render=form_page(
            request, "cases/request_extend.html", {"info_request": info_request, "form": form, "back_url": back}
        ),
        refused=refusal_to(request, back),
    )


# --- The chronology --------------------------------------------------------------------------------


def _render_chronology(
    request: SignedInRequest, referral: Referral, *, case: Case | None, export_name: str
) -> HttpResponse:
    form = forms.ChronologyFilterForm(request.GET or None)
    context, status = pages.chronology_context(
        request.user, referral, form, case=case, export_name=export_name, return_to=request.get_full_path()
    )
    response = render(request, "cases/chronology_detail.html", context, status=status)
    add_never_cache_headers(response)
    return response


@chronology_view("GET")
def case_chronology(request: SignedInRequest, case: Case) -> HttpResponse:
    return _render_chronology(request, case.referral, case=case, export_name="cases:case_chronology_export")


@login_required
@require_GET
def referral_chronology(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = referral_selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if referral.is_draft:
        raise NotFound("Not found.")
    return _render_chronology(request, referral, case=None, export_name="cases:referral_chronology_export")


def _export(request: SignedInRequest, referral: Referral, *, reference: str, title: str, fmt: str) -> HttpResponse:
    form = forms.ChronologyFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return core_views.bad_request(request)
    try:
        chronology = selectors.export_chronology(viewer=request.user, referral=referral, fmt=fmt, **form.filters())
    except ValidationError as exc:
        raise NotFound("No such export.") from exc  # an unknown format is a missing page
    return exports.chronology_download(
        chronology,
        referral_forms.clearance_names(),
        fmt=fmt,
        referral=referral,
        reference=reference,
        title=title,
        reader=request.user,
    )


@chronology_view("GET")
def case_chronology_export(request: SignedInRequest, case: Case, fmt: str) -> HttpResponse:
    return _export(request, case.referral, reference=case.reference, title=f"Case {case.reference}", fmt=fmt)


@login_required
@require_GET
def referral_chronology_export(request: SignedInRequest, referral_id: int, fmt: str) -> HttpResponse:
    referral = referral_selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if referral.is_draft or not referral.reference:
        raise NotFound("Not found.")
    return _export(request, referral, reference=referral.reference, title=f"Referral {referral.reference}", fmt=fmt)


@login_required
@require_POST
def entry_significance(request: SignedInRequest, entry_id: int) -> HttpResponseBase:
    significant = request.POST.get("significant") == "yes"
    entry = services.mark_significant(actor=request.user, entry_id=entry_id, significant=significant)
    message = f"{entry.title} is {'now marked' if significant else 'no longer marked'} as significant."
    fallback = reverse("cases:referral_chronology", args=[entry.referral_id])
    return redirect_with_success(request, message, safe_return(request, fallback) + f"#entry-{entry.pk}")


@login_required
@require_GET
def entry_document_download(request: SignedInRequest, document_id: int) -> FileResponse:
    return stored_file_response(selectors.access_entry_document(viewer=request.user, document_id=document_id))
