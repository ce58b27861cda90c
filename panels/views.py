"""Panel pages: the chair's dashboard, schedules, the live meeting, the case's panel record and the pack.

Each view parses input with a form, calls one service or selector, and renders.
Domain errors map to pages in one way everywhere: ``NotFound`` is a 404 (the
same page for "missing" and "not yours"), ``PermissionDenied`` (a Django
PermissionDenied) the 403 page, ``ValidationError`` form errors in a GOV.UK
error summary (status 400), ``InvalidTransition`` a banner saying what cannot
happen any more, on the page the chair came from.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import selectors as case_selectors
from cases.models import Case
from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from panels import forms, selectors, services
from panels.models import AssessmentFactor, Meeting, MeetingStatus
from panels.pack_pdf import render_pack_pdf
from partnership.models import User


class SignedInRequest(HttpRequest):
    """Every view here is behind ``login_required`` (and the two-factor middleware): the user is a real User."""

    user: User  # type: ignore[assignment]


def _domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotFound is a 404; PermissionDenied (a Django one) reaches the 403 page by itself."""

    @wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapped


def _status(*candidates: Any) -> int:
    return 400 if any(form is not None and form.errors for form in candidates) else 200


def _refused(request: SignedInRequest, exc: InvalidTransition, url: str) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect(url)


def _meeting_url(meeting_id: int, anchor: str = "") -> str:
    url = reverse("panels:meeting", args=[meeting_id])
    return f"{url}#{anchor}" if anchor else url


def _item_url(meeting_id: int, item_id: int) -> str:
    return reverse("panels:meeting_item", args=[meeting_id, item_id])


def _case_url(case_id: int, anchor: str = "") -> str:
    url = reverse("panels:case", args=[case_id])
    return f"{url}#{anchor}" if anchor else url


def _require_chair(request: SignedInRequest, meeting: Meeting) -> None:
    if not services.is_panel_chair(request.user, meeting.panel):
        raise PermissionDenied("Only the panel's chair or deputy can do this.")


# --- The dashboard and schedules ------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    """Chairs: what needs doing before the next meeting. Members: their panels' schedule."""
    try:
        chair = selectors.chair_dashboard(viewer=request.user)
    except NotFound:
        chair = None
    panels = selectors.panels_with_members_for(viewer=request.user)
    upcoming = list(selectors.meetings_for(viewer=request.user, upcoming_only=True)[:30])
    return render(
        request,
        "panels/panel_dashboard.html",
        {"chair": chair, "panels": panels, "upcoming": upcoming, "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def schedule(request: SignedInRequest, panel_id: int) -> HttpResponse:
    panel = selectors.access_panel(viewer=request.user, panel_id=panel_id)
    is_chair = services.is_panel_chair(request.user, panel)
    form = forms.WhenForm(request.POST or None, prefix="add") if is_chair else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the panel's chair or deputy can add meetings.")
        if form.is_valid():
            try:
                meeting = services.add_meeting(
                    actor=request.user,
                    panel=panel,
                    scheduled_at=form.scheduled_at(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                forms.apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"A meeting has been added on {timezone.localtime(meeting.scheduled_at):%d %B %Y at %H:%M}.",
                )
                return redirect("panels:schedule", panel.pk)
    return render(
        request,
        "panels/meeting_schedule.html",
        {
            "panel": panel,
            "meetings": selectors.schedule_for(viewer=request.user, panel=panel),
            "is_chair": is_chair,
            "form": form,
            "now": timezone.now(),
        },
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def move_meeting(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    _require_chair(request, meeting)
    local = timezone.localtime(meeting.scheduled_at)
    form = forms.WhenForm(request.POST or None, initial={"date": local.date(), "time": local.strftime("%H:%M")})
    if request.method == "POST" and form.is_valid():
        try:
            services.move_meeting(
                actor=request.user,
                meeting_id=meeting.pk,
                scheduled_at=form.scheduled_at(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, reverse("panels:schedule", args=[meeting.panel_id]))
        else:
            messages.success(request, "The meeting has been moved.")
            return redirect("panels:schedule", meeting.panel_id)
    return render(
        request,
        "panels/meeting_move.html",
        {"meeting": meeting, "form": form},
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def cancel_meeting(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    _require_chair(request, meeting)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_meeting(actor=request.user, meeting_id=meeting.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, reverse("panels:schedule", args=[meeting.panel_id]))
        else:
            messages.success(request, "The meeting has been cancelled.")
            return redirect("panels:schedule", meeting.panel_id)
    return render(request, "panels/meeting_cancel.html", {"meeting": meeting, "form": form}, status=_status(form))


# --- The meeting ----------------------------------------------------------------------------------


def _render_meeting(
    request: SignedInRequest, meeting: Meeting, *, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    bound = bound or {}
    attendance_forms = []
    for row in record.attendance:
        prefix = f"attendance-{row.agency.pk}"
        form = bound.get(prefix) or forms.AttendanceForm(
            people=row.people,
            prefix=prefix,
            initial={
                "attendee": str(row.record.attendee_id or "") if row.record else "",
                "present": ("yes" if row.record.present else "no") if row.record else "yes",
            },
        )
        attendance_forms.append((row, form))
    page_forms = {
        "add_form": bound.get("add") or forms.AgendaAddForm(cases=record.addable_cases, prefix="add"),
        "declaration_form": bound.get("declaration")
        or forms.DeclarationForm(cases=[r.case for r in record.agenda.rows], prefix="declaration"),
        "addendum_form": bound.get("addendum") or forms.AddendumForm(prefix="addendum"),
    }
    error_form = next((f for f in bound.values() if f.errors), None)
    return render(
        request,
        "panels/meeting_detail.html",
        {
            "meeting": meeting,
            "record": record,
            "attendance_forms": attendance_forms,
            "error_form": error_form,
            "open": not meeting.is_sealed and meeting.status != MeetingStatus.CANCELLED,
            "today": timezone.localdate(),
            **page_forms,
        },
        status=status,
    )


@login_required
@require_GET
@_domain_errors
def meeting_detail(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    return _render_meeting(request, meeting)


@login_required
@require_POST
@_domain_errors
def build_agenda(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    try:
        added = services.build_agenda(actor=request.user, meeting_id=meeting.pk)
    except InvalidTransition as exc:
        return _refused(request, exc, _meeting_url(meeting.pk))
    if added:
        messages.success(request, f"{len(added)} case{'s' if len(added) != 1 else ''} added to the agenda.")
    else:
        messages.info(request, "No more cases are due at this meeting.")
    return redirect(_meeting_url(meeting.pk, "agenda"))


@login_required
@require_POST
@_domain_errors
def add_to_agenda(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    _require_chair(request, meeting)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.AgendaAddForm(request.POST, cases=record.addable_cases, prefix="add")
    if form.is_valid():
        try:
            services.add_to_agenda(
                actor=request.user,
                meeting_id=meeting.pk,
                case_id=int(form.cleaned_data["case"]),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _meeting_url(meeting.pk))
        else:
            messages.success(request, "The case has been added to the agenda.")
            return redirect(_meeting_url(meeting.pk, "agenda"))
    return _render_meeting(request, meeting, bound={"add": form}, status=400)


@login_required
@require_POST
@_domain_errors
def move_item(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    item = selectors.access_agenda_item(viewer=request.user, item_id=item_id)
    if item.meeting_id != meeting.pk:
        raise NotFound("Not found.")
    form = forms.MoveItemForm(request.POST)
    if not form.is_valid():
        return _render_meeting(request, meeting, status=400)
    try:
        services.move_agenda_item(actor=request.user, item_id=item.pk, direction=form.cleaned_data["direction"])
    except InvalidTransition as exc:
        return _refused(request, exc, _meeting_url(meeting.pk))
    return redirect(_meeting_url(meeting.pk, f"item-{item.pk}"))


@login_required
@require_POST
@_domain_errors
def start_meeting(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    try:
        services.start_meeting(actor=request.user, meeting_id=meeting.pk)
    except InvalidTransition as exc:
        return _refused(request, exc, _meeting_url(meeting.pk))
    messages.success(request, "The meeting has started. Record attendance and a decision for each case.")
    return redirect(_meeting_url(meeting.pk))


@login_required
@require_POST
@_domain_errors
def record_attendance(request: SignedInRequest, meeting_id: int, agency_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    _require_chair(request, meeting)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    row = next((r for r in record.attendance if r.agency.pk == agency_id), None)
    if row is None:
        raise NotFound("Not found.")
    prefix = f"attendance-{agency_id}"
    form = forms.AttendanceForm(request.POST, people=row.people, prefix=prefix)
    if form.is_valid():
        try:
            services.record_attendance(
                actor=request.user,
                meeting_id=meeting.pk,
                agency_id=agency_id,
                present=form.cleaned_data["present"] == "yes",
                attendee=form.chosen_attendee(),
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _meeting_url(meeting.pk))
        else:
            state = "present" if form.cleaned_data["present"] == "yes" else "absent"
            messages.success(request, f"{row.agency.name} recorded as {state}.")
            return redirect(_meeting_url(meeting.pk, "attendance"))
    return _render_meeting(request, meeting, bound={prefix: form}, status=400)


@login_required
@require_POST
@_domain_errors
def declare_interest(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.DeclarationForm(request.POST, cases=[r.case for r in record.agenda.rows], prefix="declaration")
    if form.is_valid():
        try:
            services.declare_interest(
                actor=request.user,
                meeting_id=meeting.pk,
                text=form.cleaned_data["text"],
                case_id=int(form.cleaned_data["case"]) if form.cleaned_data["case"] else None,
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, "Your declaration of interest has been recorded.")
            return redirect(_meeting_url(meeting.pk, "declarations"))
    return _render_meeting(request, meeting, bound={"declaration": form}, status=400)


@login_required
@require_POST
@_domain_errors
def add_addendum(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    form = forms.AddendumForm(request.POST, prefix="addendum")
    if form.is_valid():
        try:
            services.add_addendum(actor=request.user, meeting_id=meeting.pk, text=form.cleaned_data["text"])
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _meeting_url(meeting.pk))
        else:
            messages.success(request, "Your addendum has been added to the minutes.")
            return redirect(_meeting_url(meeting.pk, "addenda"))
    return _render_meeting(request, meeting, bound={"addendum": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def sign_minutes(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    _require_chair(request, meeting)
    if meeting.is_sealed:
        return redirect(_meeting_url(meeting.pk))
    form = forms.SignMinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_minutes(actor=request.user, meeting_id=meeting.pk, minutes=form.cleaned_data["minutes"])
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _meeting_url(meeting.pk))
        else:
            messages.success(request, "The meeting is closed and the minutes are signed.")
            return redirect(_meeting_url(meeting.pk))
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    return render(
        request,
        "panels/meeting_sign.html",
        {"meeting": meeting, "record": record, "form": form},
        status=_status(form),
    )


# --- One agenda item: the live record of a case at the meeting -------------------------------------


def _render_item(
    request: SignedInRequest,
    meeting: Meeting,
    item_id: int,
    *,
    decision_form: forms.DecisionForm | None = None,
    action_form: forms.ActionForm | None = None,
    defer_form: forms.ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    entry = record.item(item_id)
    decision_form = decision_form or forms.DecisionForm(user=request.user, prefix="decision")
    action_form = action_form or forms.ActionForm(people=record.people, prefix="action")
    defer_form = defer_form or forms.ReasonForm(prefix="defer")
    error_form = next((f for f in (decision_form, action_form, defer_form) if f.errors), None)
    return render(
        request,
        "panels/meeting_item.html",
        {
            "meeting": meeting,
            "record": record,
            "entry": entry,
            "decision_form": decision_form,
            "action_form": action_form,
            "defer_form": defer_form,
            "error_form": error_form,
            "open": not meeting.is_sealed and meeting.status != MeetingStatus.CANCELLED,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_GET
@_domain_errors
def meeting_item(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    return _render_item(request, meeting, item_id)


@login_required
@require_POST
@_domain_errors
def record_decision(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    entry = selectors.meeting_record(viewer=request.user, meeting=meeting).item(item_id)
    _require_chair(request, meeting)
    form = forms.DecisionForm(request.POST, user=request.user, prefix="decision")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                actor=request.user,
                item_id=entry.item.pk,
                decision=data["decision"],
                notes=data["notes"],
                dissent=data["dissent"],
                next_review_date=data["next_review_date"],
                exit_reason=data["exit_reason"],
                signposted_to=data["signposted_to"],
                classification=data["classification"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _item_url(meeting.pk, entry.item.pk))
        else:
            messages.success(request, f"The decision on {entry.case.reference} has been recorded.")
            return redirect(_item_url(meeting.pk, entry.item.pk))
    return _render_item(request, meeting, item_id, decision_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def defer_item(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    entry = selectors.meeting_record(viewer=request.user, meeting=meeting).item(item_id)
    _require_chair(request, meeting)
    form = forms.ReasonForm(request.POST, prefix="defer")
    if form.is_valid():
        try:
            services.defer_item(actor=request.user, item_id=entry.item.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _item_url(meeting.pk, entry.item.pk))
        else:
            messages.success(request, f"{entry.case.reference} has been deferred.")
            return redirect(_meeting_url(meeting.pk, "agenda"))
    return _render_item(request, meeting, item_id, defer_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def add_item_action(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    entry = record.item(item_id)
    form = forms.ActionForm(request.POST, people=record.people, prefix="action")
    if form.is_valid():
        try:
            services.add_action(
                actor=request.user,
                case_id=entry.case.pk,
                description=form.cleaned_data["description"],
                owner_agency_id=form.cleaned_data["owner_agency"].pk,
                owner=form.chosen_owner(),
                due_date=form.cleaned_data["due_date"],
                meeting_id=meeting.pk,
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, "The action has been added.")
            return redirect(_item_url(meeting.pk, entry.item.pk) + "#actions")
    return _render_item(request, meeting, item_id, action_form=form, status=400)


# --- The panel pack -------------------------------------------------------------------------------


@login_required
@require_GET
@_domain_errors
def pack(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    panel_pack = selectors.panel_pack_for(viewer=request.user, meeting=meeting)
    response = render(request, "panels/meeting_pack.html", {"meeting": meeting, "pack": panel_pack})
    response["Cache-Control"] = "no-store"
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
@_domain_errors
def pack_pdf(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    panel_pack = selectors.panel_pack_for(viewer=request.user, meeting=meeting)
    response = HttpResponse(render_pack_pdf(panel_pack), content_type="application/pdf")
    day = timezone.localtime(meeting.scheduled_at).date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="panel-pack-{meeting.pk}-{day}.pdf"'
    response["Cache-Control"] = "no-store"
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The case's panel record ------------------------------------------------------------------------


def _render_case(
    request: SignedInRequest, case: Case, *, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    record = selectors.case_panel_record(viewer=request.user, case=case)
    bound = bound or {}
    plan_form = bound.get("plan") or forms.PlanActivateForm(
        prefix="plan", initial={"objectives": record.plan.objectives if record.plan else ""}
    )
    action_form = bound.get("action") or forms.ActionForm(prefix="action")
    error_form = next((f for f in bound.values() if f.errors), None)
    return render(
        request,
        "panels/case_detail.html",
        {
            "case": case,
            "record": record,
            "plan_form": plan_form,
            "action_form": action_form,
            "error_form": error_form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_GET
@_domain_errors
def case_detail(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id)
    return _render_case(request, case)


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def record_consent(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    record = selectors.case_panel_record(viewer=request.user, case=case)
    if not record.can_record_consent:
        raise PermissionDenied("Only the case owner or the chair records consent.")
    form = forms.ConsentForm(request.POST or None, initial={"purpose": "channel_support"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_consent(
                actor=request.user,
                case_id=case.pk,
                purpose=data["purpose"],
                status=data["status"],
                given_by=data["given_by"],
                given_by_name=data["given_by_name"],
                method=data["method"],
                capacity_notes=data["capacity_notes"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            if data["status"] == "withdrawn":
                messages.warning(
                    request,
                    "Consent has been withdrawn. The case is on the next meeting's agenda for a decision on exit.",
                )
            else:
                messages.success(request, "The consent has been recorded.")
            return redirect(_case_url(case.pk, "consent"))
    return render(
        request,
        "panels/case_consent.html",
        {"case": case, "record": record, "form": form},
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def record_assessment(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    record = selectors.case_panel_record(viewer=request.user, case=case)
    if not record.can_contribute:
        raise PermissionDenied("Only the case owner or panel members can assess.")
    latest = record.latest_assessment
    previous = {r.factor_id: (r.rating, r.evidence) for r in latest.assessment.ratings.all()} if latest else {}
    factors = AssessmentFactor.objects.filter(is_active=True).order_by("dimension", "position", "id")
    form = forms.AssessmentForm(
        request.POST or None,
        user=request.user,
        factors=factors,
        initial_ratings=previous,
        initial={
            "conclusion": latest.assessment.conclusion if latest else "",
            "management_plan": latest.assessment.management_plan if latest else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.record_assessment(
                actor=request.user,
                case_id=case.pk,
                ratings=form.ratings(),
                conclusion=form.cleaned_data["conclusion"],
                management_plan=form.cleaned_data["management_plan"],
                classification=form.cleaned_data["classification"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, f"Version {assessment.version} of the assessment has been recorded.")
            return redirect(_case_url(case.pk, "assessment"))
    return render(
        request,
        "panels/case_assessment.html",
        {"case": case, "record": record, "form": form},
        status=_status(form),
    )


@login_required
@require_POST
@_domain_errors
def activate_plan(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    form = forms.PlanActivateForm(request.POST, prefix="plan")
    if form.is_valid():
        try:
            services.activate_support_plan(
                actor=request.user, case_id=case.pk, objectives=form.cleaned_data["objectives"]
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            return _refused(request, exc, _case_url(case.pk, "plan"))
        else:
            messages.success(request, "The support plan is active.")
            return redirect(_case_url(case.pk, "plan"))
    return _render_case(request, case, bound={"plan": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def add_intervention(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    record = selectors.case_panel_record(viewer=request.user, case=case)
    if not record.can_contribute:
        raise PermissionDenied("Only the case owner or panel members can add interventions.")
    form = forms.InterventionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_intervention(
                actor=request.user,
                case_id=case.pk,
                provider_id=data["provider"].pk,
                kind=data["kind"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, "The intervention has been added to the plan.")
            return redirect(_case_url(case.pk, "plan"))
    return render(
        request,
        "panels/case_intervention.html",
        {"case": case, "form": form, "intervention": None},
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def update_intervention(request: SignedInRequest, intervention_id: int) -> HttpResponse:
    intervention = selectors.access_intervention(viewer=request.user, intervention_id=intervention_id)
    case = case_selectors.access_case(viewer=request.user, case_id=intervention.plan.case_id, audit=False)
    form = forms.InterventionUpdateForm(
        request.POST or None,
        initial={"status": intervention.status, "progress_notes": intervention.progress_notes},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_intervention(
                actor=request.user,
                intervention_id=intervention.pk,
                status=form.cleaned_data["status"],
                progress_notes=form.cleaned_data["progress_notes"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, "The intervention has been updated.")
            return redirect(_case_url(case.pk, "plan"))
    return render(
        request,
        "panels/case_intervention.html",
        {"case": case, "form": form, "intervention": intervention},
        status=_status(form),
    )


@login_required
@require_POST
@_domain_errors
def add_case_action(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    form = forms.ActionForm(request.POST, prefix="action")
    if form.is_valid():
        try:
            services.add_action(
                actor=request.user,
                case_id=case.pk,
                description=form.cleaned_data["description"],
                owner_agency_id=form.cleaned_data["owner_agency"].pk,
                owner=form.chosen_owner(),
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, "The action has been added.")
            return redirect(_case_url(case.pk, "actions"))
    return _render_case(request, case, bound={"action": form}, status=400)


@login_required
@require_POST
@_domain_errors
def complete_action(request: SignedInRequest, action_id: int) -> HttpResponse:
    action = selectors.access_action(viewer=request.user, action_id=action_id)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    back = back or _case_url(action.case_id, "actions")
    try:
        services.complete_action(actor=request.user, action_id=action.pk)
    except InvalidTransition as exc:
        return _refused(request, exc, back)
    messages.success(request, "The action is marked as done.")
    return redirect(back)
