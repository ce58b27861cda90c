"""The auditors' pages: search the trail, export a search, a record's access report, a user's
activity report, the break-glass review queue, and subject access. Each view parses its input,
calls one selector (which checks the auditor role and audits the read) or service, and renders.
They show the trail, never a record's content (DESIGN rule 8), except the subject access bundle:
a disclosure an auditor cleared to the highest level produces, audited as an export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import PermissionDenied, ValidationError
from core.forms import apply_service_errors
from core.models import AuditEvent
from core.pagination import Page
from core.web import handle_form, redirect_with_success, refusal_to
from governance import break_glass, exports, selectors, services, subject_access_exports
from governance import subject_access as subject_access_reads
from governance.forms import AuditSearchForm, BreakGlassReviewForm, SubjectAccessForm
from governance.models import BreakGlassReview
from governance.permissions import Capability, can, require
from governance.records import normalise_reference, object_type_label, verb_label
from partnership.web import SignedInRequest

PAGE_SIZE = 50
BUNDLE_OUTPUTS = ("json", "pdf", "zip")


def _require_auditor(request: SignedInRequest) -> None:
    if not can(request.user, Capability.READ_AUDIT_TRAIL):
        raise PermissionDenied("Only auditors can read the audit trail.")


@dataclass(frozen=True)
class EventRow:
    """An event as the pages show it: labels for people, the trail's own fields only."""

    event: AuditEvent
    action: str
    record_type: str
    reference: str


def event_rows(events: list[AuditEvent]) -> list[EventRow]:
    return [
        EventRow(
            event=event,
            action=verb_label(event.verb),
            record_type=object_type_label(event.object_type),
            reference=getattr(event, "reference", ""),
        )
        for event in events
    ]


def _page_links(request: SignedInRequest, page: Page[Any]) -> dict[str, str]:
    """Links to the neighbouring pages that keep the search."""
    links = {}
    for name, cursor in (("previous_url", page.previous_cursor), ("next_url", page.next_cursor)):
        if cursor:
            params = request.GET.copy()
            params["cursor"] = cursor
            links[name] = f"?{params.urlencode()}"
    return links


def _cursor(request: SignedInRequest) -> str | None:
    return request.GET.get("cursor") or None


def _paging(request: SignedInRequest, page: Page[Any] | None) -> dict[str, Any]:
    """Where a page of results stands: whether it is the first, and links to its neighbours."""
    return {"first_page": not request.GET.get("cursor"), **(_page_links(request, page) if page else {})}


def _event_page(request: SignedInRequest, page: Page[Any] | None) -> dict[str, Any]:
    """A page of trail events as the pages show them, with its place among the pages."""
    return {"rows": event_rows(page.results if page else []), **_paging(request, page)}


def _search_params(request: SignedInRequest) -> str:
    params = request.GET.copy()
    params.pop("cursor", None)
    return params.urlencode()


def _filters(request: SignedInRequest, form: AuditSearchForm) -> tuple[selectors.TrailFilters, Any]:
    """The search the form asks for; a person's names become their referrals' ids."""
    given, family = form.names()
    people = None
    if given or family:
        people = selectors.records_of_person(viewer=request.user, given_name=given, family_name=family)
    ids = tuple(match.referral_id for match in people) if people is not None else None
    return selectors.check_filters(form.filters(ids)), people


def _render_search(request: SignedInRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "governance/audit_search.html", context, status=status)


@login_required
@require_GET
def audit_search(request: SignedInRequest) -> HttpResponse:
    _require_auditor(request)
    form = AuditSearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "page": None, "export_limit": selectors.EXPORT_LIMIT}
    if form.is_valid():
        try:
            filters, people = _filters(request, form)
            page = selectors.search_trail(
                viewer=request.user, filters=filters, cursor=_cursor(request), page_size=PAGE_SIZE
            )
        except ValidationError as exc:
            if "cursor" in getattr(exc, "message_dict", {}):
                raise
            apply_service_errors(form, exc)
        else:
            context.update(
                page=page,
                people=people,
                filters=filters,
                search_params=_search_params(request),
                **_event_page(request, page),
            )
    return _render_search(request, context, status=400 if form.errors else 200)


@login_required
@require_GET
def audit_export(request: SignedInRequest) -> HttpResponse:
    """The search as CSV (at most ``EXPORT_LIMIT`` events, newest first); the export is audited."""
    _require_auditor(request)
    form = AuditSearchForm(request.GET)
    if form.is_valid():
        try:
            filters, _people = _filters(request, form)
            export = selectors.export_trail(viewer=request.user, filters=filters)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response = HttpResponse(exports.trail_csv(export.rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
            response["X-Content-Type-Options"] = "nosniff"
            response["X-Export-Truncated"] = "true" if export.truncated else "false"
            return response
    return _render_search(request, {"form": form, "page": None, "export_limit": selectors.EXPORT_LIMIT}, 400)


@login_required
@require_GET
def record_access(request: SignedInRequest, reference: str) -> HttpResponse:
    """Who read or changed anything about one record, and when (404 for a reference that names nothing)."""
    _require_auditor(request)
    report = selectors.record_access_report(
        viewer=request.user, reference=reference, cursor=_cursor(request), page_size=PAGE_SIZE
    )
    context = {"report": report, **_event_page(request, report.page)}
    return render(request, "governance/record_access.html", context)


@login_required
@require_GET
def user_activity(request: SignedInRequest, username: str) -> HttpResponse:
    """What one user did, as the trail records it (failed sign-ins under that username included)."""
    _require_auditor(request)
    report = selectors.user_activity_report(
        viewer=request.user, username=username, cursor=_cursor(request), page_size=PAGE_SIZE
    )
    context = {
        "report": report,
        "by_verb": [(verb_label(row.verb), row) for row in report.by_verb],
        "touched": [(object_type_label(row.object_type), row) for row in report.records],
        **_event_page(request, report.page),
    }
    return render(request, "governance/user_activity.html", context)


# --- Break-glass review ------------------------------------------------------------------------------


@login_required
@require_GET
def break_glass_queue(request: SignedInRequest) -> HttpResponse:
    """Openings waiting for review, oldest first (``?show=reviewed``: those reviewed, newest first)."""
    _require_auditor(request)
    reviewed = request.GET.get("show") == "reviewed"
    queue = break_glass.break_glass_queue(
        viewer=request.user, reviewed=reviewed, cursor=_cursor(request), page_size=PAGE_SIZE
    )
    context = {"queue": queue, **_paging(request, queue.page)}
    return render(request, "governance/break_glass_queue.html", context)


@login_required
def break_glass_opening(request: SignedInRequest, event_id: int) -> HttpResponseBase:
    """One opening, what was read under it, and the auditor's decision (made here, once)."""
    _require_auditor(request)
    form = BreakGlassReviewForm(request.POST if request.method == "POST" else None)

    def page(status: int) -> HttpResponse:
        detail = break_glass.break_glass_opening(viewer=request.user, event_id=event_id)
        context = {"detail": detail, "form": form, "reads": event_rows(detail.reads)}
        return render(request, "governance/break_glass_opening.html", context, status=status)

    def decide() -> BreakGlassReview:
        data = form.cleaned_data
        return services.review_break_glass_opening(
            actor=request.user, event_id=event_id, decision=data["decision"], note=data["note"]
        )

    return handle_form(
        request,
        form,
        action=decide,
        success=lambda review: redirect_with_success(
            request,
            f"You marked the opening {review.get_decision_display().lower()}.",
            reverse("governance:break_glass"),
        ),
        render=page,
        conflict=refusal_to(request, request.path),
    )


# --- Subject access ----------------------------------------------------------------------------------


@login_required
@require_GET
def subject_access_start(request: SignedInRequest) -> HttpResponseBase:
    """Find the person by one of their records' references."""
    require(request.user, Capability.PRODUCE_SUBJECT_ACCESS)
    form = SubjectAccessForm(request.GET or None)
    if form.is_valid():
        try:
            reference = normalise_reference(form.cleaned_data["reference"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("governance:subject_access", reference)
    status = 400 if form.errors else 200
    return render(request, "governance/subject_access_start.html", {"form": form}, status=status)


@login_required
@require_GET
def subject_access(request: SignedInRequest, reference: str) -> HttpResponse:
    """What is held about the person of one record, kind by kind, and the bundle's downloads."""
    summary = subject_access_reads.subject_access_summary(viewer=request.user, reference=reference)
    held = [(kind, n) for kind, n in summary.counts.items() if n]
    return render(request, "governance/subject_access.html", {"summary": summary, "held": held})


@login_required
@require_GET
def subject_access_bundle(request: SignedInRequest, reference: str, output: str) -> HttpResponse:
    """The bundle as JSON or PDF, produced now (audited as an export); the selector checks who asks."""
    if output not in BUNDLE_OUTPUTS:
        raise Http404("No such format.")
    bundle = subject_access_reads.produce_subject_access(viewer=request.user, reference=reference, output=output)
    name = f"subject-access-{bundle.case_reference or bundle.reference}-{timezone.localtime().strftime('%Y%m%d-%H%M')}"
    reader = request.user.get_full_name() or request.user.username
    if output == "pdf":
        response = HttpResponse(
            subject_access_exports.bundle_pdf(bundle, reader=reader), content_type="application/pdf"
        )
    elif output == "zip":
        response = HttpResponse(
            subject_access_exports.bundle_zip(bundle, reader=reader), content_type="application/zip"
        )
    else:
        response = HttpResponse(subject_access_exports.bundle_json(bundle), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}.{output}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def trail_integrity(request: SignedInRequest) -> HttpResponse:
    """The trail's seals as the auditors check them: the newest checkpoint and verification run."""
    standing = selectors.trail_integrity(viewer=request.user)
    return render(request, "governance/trail_integrity.html", {"standing": standing})
