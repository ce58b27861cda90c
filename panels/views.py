"""Panel pages: the chair's dashboard, schedules, the live meeting, the case's panel record and the pack.

Each view opens what it needs through a selector, binds a form and lets ``core.web.handle_form``
(``handle_action`` for a button) call one service: a ``ValidationError`` lands on the form (400),
success flashes and redirects, and a refusal the form cannot show (``InvalidTransition``: the
meeting is signed, the item decided) is a banner on the page the chair came from.
``panels.pages`` builds the pages with several forms. Everything else maps to pages once, in
``core.middleware.DomainErrorMiddleware``: ``NotFound`` is the 404 page (the same for "missing"
and "not yours"), ``PermissionDenied`` the 403 page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import selectors as case_selectors
from cases.models import Case
from core.errors import NotFound
from core.web import (
    form_page,
    handle_action,
    handle_form,
    redirect_with_success,
    refusal_message,
    refusal_to,
    success_to,
)
from panels import forms, lifecycle, pages, selectors, services
from panels.models import AssessmentFactor, ConsentStatus, MeetingStatus
from panels.pack_pdf import render_pack_pdf
from panels.pages import case_url, item_url, meeting_url
from panels.permissions import PanelCapability, can, require
from partnership.web import SignedInRequest

# --- The dashboard and schedules ------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    """Chairs: what needs doing before the next meeting. Members: their panels' schedule."""
    try:
        chair = selectors.chair_dashboard(viewer=request.user)
    except NotFound:  # not a chair: the members' dashboard
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
def schedule(request: SignedInRequest, panel_id: int) -> HttpResponseBase:
    panel = selectors.access_panel(viewer=request.user, panel_id=panel_id)
    can_manage = can(request.user, PanelCapability.MANAGE_MEETING, panel)
    if request.method == "POST":
        require(request.user, PanelCapability.MANAGE_MEETING, panel)
    form = forms.WhenForm(request.POST or None, prefix="add")

    meetings = selectors.schedule_for(viewer=request.user, panel=panel)

    def added(meeting: Any) -> HttpResponseBase:
        when = timezone.localtime(meeting.scheduled_at)
        message = f"A meeting has been added on {when:%d %B %Y at %H:%M}."
        return redirect_with_success(request, message, reverse("panels:schedule", args=[panel.pk]))

    return handle_form(
        request,
        form,
        action=lambda: services.add_meeting(
            actor=request.user, panel=panel, scheduled_at=form.scheduled_at(), reason=form.cleaned_data["reason"]
        ),
        success=added,
        render=lambda status: render(
            request,
            "panels/meeting_schedule.html",
            {
                "panel": panel,
                "meetings": meetings,
                "movable": {m.pk for m in meetings if lifecycle.meeting_is_open(m)},
                "cancellable": {m.pk for m in meetings if lifecycle.meeting_can_become(m, MeetingStatus.CANCELLED)},
                "can_manage": can_manage,
                "form": form if can_manage else None,
                "now": timezone.now(),
            },
            status=status,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def move_meeting(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.MANAGE_MEETING, meeting.panel)
    local = timezone.localtime(meeting.scheduled_at)
    form = forms.WhenForm(request.POST or None, initial={"date": local.date(), "time": local.strftime("%H:%M")})
    back = reverse("panels:schedule", args=[meeting.panel_id])
    return handle_form(
        request,
        form,
        action=lambda: services.move_meeting(
            actor=request.user,
            meeting_id=meeting.pk,
            scheduled_at=form.scheduled_at(),
            reason=form.cleaned_data["reason"],
        ),
        success=success_to(request, "The meeting has been moved.", back),
        refused=refusal_to(request, back),
        render=form_page(request, "panels/meeting_move.html", {"meeting": meeting, "form": form}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel_meeting(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.MANAGE_MEETING, meeting.panel)
    form = forms.ReasonForm(request.POST or None)
    back = reverse("panels:schedule", args=[meeting.panel_id])
    return handle_form(
        request,
        form,
        action=lambda: services.cancel_meeting(
            actor=request.user, meeting_id=meeting.pk, reason=form.cleaned_data["reason"]
        ),
        success=success_to(request, "The meeting has been cancelled.", back),
        refused=refusal_to(request, back),
        render=form_page(request, "panels/meeting_cancel.html", {"meeting": meeting, "form": form}),
    )


# --- The meeting ----------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_detail(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    return pages.render_meeting(request, meeting)


@login_required
@require_POST
def build_agenda(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)

    def built(added: list[Any]) -> str:
        if not added:
            return "No more cases are due at this meeting."
        return f"{len(added)} case{'s' if len(added) != 1 else ''} added to the agenda."

    return handle_action(
        request,
        action=lambda: services.build_agenda(actor=request.user, meeting_id=meeting.pk),
        done=built,
        then=meeting_url(meeting.pk, "agenda"),
    )


@login_required
@require_POST
def add_to_agenda(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.ADD_TO_AGENDA, meeting.panel)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.AgendaAddForm(request.POST, cases=record.addable_cases, prefix="add")
    return handle_form(
        request,
        form,
        action=lambda: services.add_to_agenda(
            actor=request.user,
            meeting_id=meeting.pk,
            case_id=int(form.cleaned_data["case"]),
            reason=form.cleaned_data["reason"],
        ),
        success=success_to(request, "The case has been added to the agenda.", meeting_url(meeting.pk, "agenda")),
        refused=refusal_to(request, meeting_url(meeting.pk)),
        render=lambda status: pages.render_meeting(request, meeting, bound={"add": form}, status=status),
    )


@login_required
@require_POST
def move_item(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    item = selectors.access_agenda_item(viewer=request.user, item_id=item_id)
    if item.meeting_id != meeting.pk:
        raise NotFound("Not found.")
    form = forms.MoveItemForm(request.POST)
    return handle_form(
        request,
        form,
        action=lambda: services.move_agenda_item(
            actor=request.user, item_id=item.pk, direction=form.cleaned_data["direction"]
        ),
        success=lambda _moved: redirect(meeting_url(meeting.pk, f"item-{item.pk}")),
        refused=refusal_to(request, meeting_url(meeting.pk)),
        render=lambda status: pages.render_meeting(request, meeting, status=status),
    )


@login_required
@require_POST
def start_meeting(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    return handle_action(
        request,
        action=lambda: services.start_meeting(actor=request.user, meeting_id=meeting.pk),
        done=lambda _started: "The meeting has started. Record attendance and a decision for each case.",
        then=meeting_url(meeting.pk),
    )


@login_required
@require_POST
def record_attendance(request: SignedInRequest, meeting_id: int, agency_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.RECORD_ATTENDANCE, meeting.panel)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    row = next((r for r in record.attendance if r.agency.pk == agency_id), None)
    if row is None:
        raise NotFound("Not found.")
    prefix = f"attendance-{agency_id}"
    form = forms.AttendanceForm(request.POST, people=row.people, prefix=prefix)

    def recorded(_attendance: Any) -> HttpResponseBase:
        state = "present" if form.cleaned_data["present"] == "yes" else "absent"
        return redirect_with_success(
            request, f"{row.agency.name} recorded as {state}.", meeting_url(meeting.pk, "attendance")
        )

    return handle_form(
        request,
        form,
        action=lambda: services.record_attendance(
            actor=request.user,
            meeting_id=meeting.pk,
            agency_id=agency_id,
            present=form.cleaned_data["present"] == "yes",
            attendee=form.chosen_person("attendee"),
        ),
        success=recorded,
        refused=refusal_to(request, meeting_url(meeting.pk)),
        render=lambda status: pages.render_meeting(request, meeting, bound={prefix: form}, status=status),
    )


@login_required
@require_POST
def invite_members(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)

    def invited(made: list[Any]) -> str:
        if not made:
            return "Everyone on the panel is already invited."
        return f"{len(made)} {'person' if len(made) == 1 else 'people'} from the panel invited."

    return handle_action(
        request,
        action=lambda: services.invite_members(actor=request.user, meeting_id=meeting.pk),
        done=invited,
        then=meeting_url(meeting.pk, "attendees"),
    )


@login_required
@require_POST
def invite_person(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.INVITE_ATTENDEES, meeting.panel)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.InviteForm(request.POST, people=record.invitable, prefix="invite")
    return handle_form(
        request,
        form,
        action=lambda: services.invite_person(
            actor=request.user, meeting_id=meeting.pk, person_id=getattr(form.chosen_person("person"), "pk", None)
        ),
        success=lambda invitation: redirect_with_success(
            request, f"{_name(invitation.person)} is invited to the meeting.", meeting_url(meeting.pk, "attendees")
        ),
        refused=refusal_to(request, meeting_url(meeting.pk)),
        render=lambda status: pages.render_meeting(request, meeting, bound={"invite": form}, status=status),
    )


def _name(person: Any) -> str:
    return str(person.get_full_name() or person.username)


@login_required
@require_POST
def record_attendee(request: SignedInRequest, meeting_id: int, invitation_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.RECORD_ATTENDANCE, meeting.panel)
    form = forms.AttendeeForm(request.POST)
    return handle_form(
        request,
        form,
        action=lambda: services.record_attendee(
            actor=request.user, meeting_id=meeting.pk, invitation_id=invitation_id, status=form.cleaned_data["status"]
        ),
        success=lambda invitation: redirect_with_success(
            request,
            f"{_name(invitation.person)} recorded as {invitation.get_status_display().lower()}.",
            meeting_url(meeting.pk, "attendees"),
        ),
        refused=refusal_to(request, meeting_url(meeting.pk, "attendees")),
        render=lambda status: pages.render_meeting(request, meeting, status=status),
    )


@login_required
@require_POST
def confirm_confidentiality(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    """The signed-in attendee confirms the confidentiality statement, or (``invitation``) the chair
    records the confirmation of someone in the room."""
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    raw = request.POST.get("invitation", "")
    invitation_id = int(raw) if raw.isdigit() else None
    return handle_action(
        request,
        action=lambda: services.confirm_confidentiality(
            actor=request.user, meeting_id=meeting.pk, invitation_id=invitation_id
        ),
        done=lambda invitation: (
            "You have confirmed the confidentiality statement."
            if invitation.person_id == request.user.pk
            else f"{_name(invitation.person)}'s confirmation of the confidentiality statement is recorded."
        ),
        then=meeting_url(meeting.pk, "confidentiality" if invitation_id is None else "attendees"),
    )


@login_required
@require_POST
def override_quorum(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.OVERRIDE_QUORUM, meeting.panel)
    form = forms.QuorumOverrideForm(request.POST, prefix="override")
    return handle_form(
        request,
        form,
        action=lambda: services.override_quorum(
            actor=request.user, meeting_id=meeting.pk, reason=form.cleaned_data["reason"]
        ),
        success=success_to(
            request,
            "The quorum override is recorded: the meeting may decide and sign its minutes.",
            meeting_url(meeting.pk, "attendance"),
        ),
        refused=refusal_to(request, meeting_url(meeting.pk, "attendance")),
        render=lambda status: pages.render_meeting(request, meeting, bound={"override": form}, status=status),
    )


@login_required
@require_POST
def declare_interest(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.DeclarationForm(request.POST, cases=[r.case for r in record.agenda.rows], prefix="declaration")
    return handle_form(
        request,
        form,
        action=lambda: services.declare_interest(
            actor=request.user,
            meeting_id=meeting.pk,
            text=form.cleaned_data["text"],
            case_id=int(form.cleaned_data["case"]) if form.cleaned_data["case"] else None,
        ),
        success=success_to(
            request, "Your declaration of interest has been recorded.", meeting_url(meeting.pk, "declarations")
        ),
        render=lambda status: pages.render_meeting(request, meeting, bound={"declaration": form}, status=status),
    )


@login_required
@require_POST
def add_addendum(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    form = forms.AddendumForm(request.POST, prefix="addendum")
    return handle_form(
        request,
        form,
        action=lambda: services.add_addendum(actor=request.user, meeting_id=meeting.pk, text=form.cleaned_data["text"]),
        success=success_to(request, "Your addendum has been added to the minutes.", meeting_url(meeting.pk, "addenda")),
        refused=refusal_to(request, meeting_url(meeting.pk)),
        render=lambda status: pages.render_meeting(request, meeting, bound={"addendum": form}, status=status),
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_minutes(request: SignedInRequest, meeting_id: int) -> HttpResponseBase:
    """The blockers first, then the form. A refusal (items undecided, no quorum) is shown on the
    form with 409 and the minutes typed so far kept in it, never a redirect that loses them."""
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.SIGN_MINUTES, meeting.panel)
    if meeting.is_sealed:
        return redirect(meeting_url(meeting.pk))
    form = forms.SignMinutesForm(request.POST or None, initial={"minutes": meeting.minutes})

    def refused(refusal: Exception) -> None:
        form.add_error(None, refusal_message(refusal))

    def page(status: int) -> HttpResponse:
        record = selectors.meeting_record(viewer=request.user, meeting=meeting)
        context = {"meeting": meeting, "record": record, "blockers": selectors.sign_blockers(record), "form": form}
        return render(request, "panels/meeting_sign.html", context, status=status)

    return handle_form(
        request,
        form,
        action=lambda: services.sign_minutes(
            actor=request.user, meeting_id=meeting.pk, minutes=form.cleaned_data["minutes"]
        ),
        success=success_to(request, "The meeting is closed and the minutes are signed.", meeting_url(meeting.pk)),
        refused=refused,
        render=page,
    )


# --- One agenda item: the live record of a case at the meeting -------------------------------------


@login_required
@require_GET
def meeting_item(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    return pages.render_item(request, meeting, item_id)


@login_required
@require_POST
def record_decision(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    entry = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id).item(item_id)
    require(request.user, PanelCapability.RECORD_DECISION, entry.item)
    form = forms.DecisionForm(request.POST, user=request.user, prefix="decision")
    here = item_url(meeting.pk, entry.item.pk)
    return handle_form(
        request,
        form,
        action=lambda: services.record_decision(actor=request.user, item_id=entry.item.pk, **form.cleaned_data),
        success=success_to(request, f"The decision on {entry.case.reference} has been recorded.", here),
        refused=refusal_to(request, here),
        render=lambda status: pages.render_item(request, meeting, item_id, bound={"decision": form}, status=status),
    )


@login_required
@require_POST
def invite_guest(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponseBase:
    """The chair invites someone outside the panel for this item alone."""
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    require(request.user, PanelCapability.INVITE_ATTENDEES, meeting.panel)
    record = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id)
    entry = record.item(item_id)
    form = forms.InviteForm(request.POST, people=selectors.possible_guests(record=record, entry=entry), prefix="guest")
    here = item_url(meeting.pk, entry.item.pk, "guests")
    return handle_form(
        request,
        form,
        action=lambda: services.invite_person(
            actor=request.user,
            meeting_id=meeting.pk,
            person_id=getattr(form.chosen_person("person"), "pk", None),
            item_id=entry.item.pk,
        ),
        success=lambda invitation: redirect_with_success(
            request, f"{_name(invitation.person)} is invited for {entry.case.reference} alone.", here
        ),
        refused=refusal_to(request, here),
        render=lambda status: pages.render_item(request, meeting, item_id, bound={"guest": form}, status=status),
    )


@login_required
@require_POST
def defer_item(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    entry = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id).item(item_id)
    require(request.user, PanelCapability.BUILD_AGENDA, meeting.panel)
    form = forms.ReasonForm(request.POST, prefix="defer")
    return handle_form(
        request,
        form,
        action=lambda: services.defer_item(
            actor=request.user, item_id=entry.item.pk, reason=form.cleaned_data["reason"]
        ),
        success=success_to(request, f"{entry.case.reference} has been deferred.", meeting_url(meeting.pk, "agenda")),
        refused=refusal_to(request, item_url(meeting.pk, entry.item.pk)),
        render=lambda status: pages.render_item(request, meeting, item_id, bound={"defer": form}, status=status),
    )


@login_required
@require_POST
def add_item_action(request: SignedInRequest, meeting_id: int, item_id: int) -> HttpResponseBase:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    record = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id)
    entry = record.item(item_id)
    form = forms.ActionForm(request.POST, people=record.people, prefix="action")
    return handle_form(
        request,
        form,
        action=lambda: services.add_action(
            actor=request.user, case_id=entry.case.pk, meeting_id=meeting.pk, **form.action()
        ),
        success=success_to(request, "The action has been added.", item_url(meeting.pk, entry.item.pk, "actions")),
        render=lambda status: pages.render_item(request, meeting, item_id, bound={"action": form}, status=status),
    )


# --- The panel pack -------------------------------------------------------------------------------


@login_required
@require_GET
def pack(request: SignedInRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    panel_pack = selectors.panel_pack_for(viewer=request.user, meeting=meeting)
    response = render(request, "panels/meeting_pack.html", {"meeting": meeting, "pack": panel_pack})
    response["Cache-Control"] = "no-store"
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
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


@login_required
@require_GET
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


@login_required
@require_http_methods(["GET", "POST"])
def record_consent(request: SignedInRequest, case_id: int) -> HttpResponseBase:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
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


@login_required
@require_http_methods(["GET", "POST"])
def record_assessment(request: SignedInRequest, case_id: int) -> HttpResponseBase:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
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


@login_required
@require_POST
def activate_plan(request: SignedInRequest, case_id: int) -> HttpResponseBase:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    form = forms.PlanActivateForm(request.POST, prefix="plan")
    return handle_form(
        request,
        form,
        action=lambda: services.activate_support_plan(
            actor=request.user, case_id=case.pk, objectives=form.cleaned_data["objectives"]
        ),
        success=success_to(request, "The support plan is active.", case_url(case.pk, "plan")),
        refused=refusal_to(request, case_url(case.pk, "plan")),
        render=lambda status: pages.render_case(request, case, bound={"plan": form}, status=status),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_intervention(request: SignedInRequest, case_id: int) -> HttpResponseBase:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
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


@login_required
@require_http_methods(["GET", "POST"])
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


@login_required
@require_POST
def add_case_action(request: SignedInRequest, case_id: int) -> HttpResponseBase:
    case = case_selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    form = forms.ActionForm(request.POST, prefix="action")
    return handle_form(
        request,
        form,
        action=lambda: services.add_action(actor=request.user, case_id=case.pk, **form.action()),
        success=success_to(request, "The action has been added.", case_url(case.pk, "actions")),
        render=lambda status: pages.render_case(request, case, bound={"action": form}, status=status),
    )


def _action_return(request: SignedInRequest, action: Any) -> str:
    """Where a closed action leads: the page the person came from (this site only), else the case's actions."""
    back = request.POST.get("next", "") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    return back or case_url(action.case_id, "actions")


@login_required
@require_POST
def complete_action(request: SignedInRequest, action_id: int) -> HttpResponseBase:
    action = selectors.access_action(viewer=request.user, action_id=action_id)
    return handle_action(
        request,
        action=lambda: services.complete_action(actor=request.user, action_id=action.pk),
        done=lambda _done: "The action is marked as done.",
        then=_action_return(request, action),
    )


@login_required
@require_http_methods(["GET", "POST"])
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
