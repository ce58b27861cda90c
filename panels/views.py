"""Panel pages: the chair's dashboard, schedules, the live meeting and the pack
(the case's panel record: ``panels.case_views``).

Each view opens what it needs through a selector, binds a form and lets ``core.web.handle_form``
(``handle_action`` for a button) call one service: a ``ValidationError`` lands on the form (400),
success flashes and redirects, and a refusal the form cannot show (``InvalidTransition``: the
meeting is signed, the item decided) is a banner on the page the chair came from.
``panels.pages`` builds the pages with several forms. Everything else maps to pages once, in
``core.middleware.DomainErrorMiddleware``: ``NotFound`` is the 404 page (the same for "missing"
and "not yours"), ``PermissionDenied`` the 403 page.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from core.errors import NotFound
from core.web import (
    form_page,
    handle_action,
    handle_form,
    redirect_with_success,
    refusal_message,
    refusal_to,
    signed_in,
    success_to,
)
from panels import forms, lifecycle, pages, selectors, services
from panels.models import Meeting, MeetingStatus
from panels.pack_pdf import render_pack_pdf
from panels.pages import item_url, meeting_url
from panels.permissions import PanelCapability, can, require
from panels.web import meeting_view, posted_from
from partnership.web import SignedInRequest


def _how_many_added(made: list[Any], *, one: str, many: str, where: str, none: str) -> str:
    """What a button that adds several at once says: how many it added (``one`` or ``many`` of them,
    then ``where``), or ``none`` when there was nothing left to add."""
    if not made:
        return none
    return f"{len(made)} {one if len(made) == 1 else many} {where}"


# --- The dashboard and schedules ------------------------------------------------------------------


@signed_in("GET")
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


@signed_in("GET", "POST")
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


@meeting_view("GET", "POST")
def move_meeting(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
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


@meeting_view("GET", "POST")
def cancel_meeting(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
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


@meeting_view("GET")
def meeting_detail(request: SignedInRequest, meeting: Meeting) -> HttpResponse:
    return pages.render_meeting(request, meeting)


@meeting_view("POST")
def build_agenda(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    return handle_action(
        request,
        action=lambda: services.build_agenda(actor=request.user, meeting_id=meeting.pk),
        done=lambda added: _how_many_added(
            added, one="case", many="cases", where="added to the agenda.", none="No more cases are due at this meeting."
        ),
        then=meeting_url(meeting.pk, "agenda"),
    )


@meeting_view("POST")
def add_to_agenda(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    require(request.user, PanelCapability.ADD_TO_AGENDA, meeting.panel)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.AgendaAddForm(request.POST, cases=record.addable_cases, prefix="add")
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.add_to_agenda(
            actor=request.user,
            meeting_id=meeting.pk,
            case_id=int(form.cleaned_data["case"]),
            reason=form.cleaned_data["reason"],
        ),
        success=success_to(request, "The case has been added to the agenda.", meeting_url(meeting.pk, "agenda")),
        refused_to=meeting_url(meeting.pk),
    )


@meeting_view("POST")
def move_item(request: SignedInRequest, meeting: Meeting, item_id: int) -> HttpResponseBase:
    item = selectors.access_agenda_item(viewer=request.user, item_id=item_id)
    if item.meeting_id != meeting.pk:
        raise NotFound("Not found.")
    form = forms.MoveItemForm(request.POST)
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.move_agenda_item(
            actor=request.user, item_id=item.pk, direction=form.cleaned_data["direction"]
        ),
        success=lambda _moved: redirect(meeting_url(meeting.pk, f"item-{item.pk}")),
        refused_to=meeting_url(meeting.pk),
    )


@meeting_view("POST")
def start_meeting(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    return handle_action(
        request,
        action=lambda: services.start_meeting(actor=request.user, meeting_id=meeting.pk),
        done=lambda _started: "The meeting has started. Record attendance and a decision for each case.",
        then=meeting_url(meeting.pk),
    )


@meeting_view("POST")
def record_attendance(request: SignedInRequest, meeting: Meeting, agency_id: int) -> HttpResponseBase:
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

    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.record_attendance(
            actor=request.user,
            meeting_id=meeting.pk,
            agency_id=agency_id,
            present=form.cleaned_data["present"] == "yes",
            attendee=form.chosen_person("attendee"),
        ),
        success=recorded,
        refused_to=meeting_url(meeting.pk),
    )


@meeting_view("POST")
def invite_members(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    return handle_action(
        request,
        action=lambda: services.invite_members(actor=request.user, meeting_id=meeting.pk),
        done=lambda made: _how_many_added(
            made,
            one="person",
            many="people",
            where="from the panel invited.",
            none="Everyone on the panel is already invited.",
        ),
        then=meeting_url(meeting.pk, "attendees"),
    )


@meeting_view("POST")
def invite_person(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    require(request.user, PanelCapability.INVITE_ATTENDEES, meeting.panel)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.InviteForm(request.POST, people=record.invitable, prefix="invite")
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.invite_person(
            actor=request.user, meeting_id=meeting.pk, person_id=getattr(form.chosen_person("person"), "pk", None)
        ),
        success=lambda invitation: redirect_with_success(
            request, f"{_name(invitation.person)} is invited to the meeting.", meeting_url(meeting.pk, "attendees")
        ),
        refused_to=meeting_url(meeting.pk),
    )


def _name(person: Any) -> str:
    return str(person.get_full_name() or person.username)


@meeting_view("POST")
def record_attendee(request: SignedInRequest, meeting: Meeting, invitation_id: int) -> HttpResponseBase:
    require(request.user, PanelCapability.RECORD_ATTENDANCE, meeting.panel)
    form = forms.AttendeeForm(request.POST)
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.record_attendee(
            actor=request.user, meeting_id=meeting.pk, invitation_id=invitation_id, status=form.cleaned_data["status"]
        ),
        success=lambda invitation: redirect_with_success(
            request,
            f"{_name(invitation.person)} recorded as {invitation.get_status_display().lower()}.",
            meeting_url(meeting.pk, "attendees"),
        ),
        refused_to=meeting_url(meeting.pk, "attendees"),
    )


@meeting_view("POST")
def confirm_confidentiality(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    """The signed-in attendee confirms the confidentiality statement, or (``invitation``) the chair
    records the confirmation of someone in the room."""
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


@meeting_view("POST")
def override_quorum(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    require(request.user, PanelCapability.OVERRIDE_QUORUM, meeting.panel)
    form = forms.QuorumOverrideForm(request.POST, prefix="override")
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.override_quorum(
            actor=request.user, meeting_id=meeting.pk, reason=form.cleaned_data["reason"]
        ),
        success=success_to(
            request,
            "The quorum override is recorded: the meeting may decide and sign its minutes.",
            meeting_url(meeting.pk, "attendance"),
        ),
        refused_to=meeting_url(meeting.pk, "attendance"),
    )


@meeting_view("POST")
def declare_interest(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    form = forms.DeclarationForm(request.POST, cases=[r.case for r in record.agenda.rows], prefix="declaration")
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.declare_interest(
            actor=request.user,
            meeting_id=meeting.pk,
            text=form.cleaned_data["text"],
            case_id=int(form.cleaned_data["case"]) if form.cleaned_data["case"] else None,
        ),
        success=success_to(
            request, "Your declaration of interest has been recorded.", meeting_url(meeting.pk, "declarations")
        ),
    )


@meeting_view("POST")
def add_addendum(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    form = forms.AddendumForm(request.POST, prefix="addendum")
    return posted_from(
        request,
        form,
        partial(pages.render_meeting, request, meeting),
        action=lambda: services.add_addendum(actor=request.user, meeting_id=meeting.pk, text=form.cleaned_data["text"]),
        success=success_to(request, "Your addendum has been added to the minutes.", meeting_url(meeting.pk, "addenda")),
        refused_to=meeting_url(meeting.pk),
    )


@meeting_view("GET", "POST")
def sign_minutes(request: SignedInRequest, meeting: Meeting) -> HttpResponseBase:
    """The blockers first, then the form. A refusal (items undecided, no quorum) is shown on the
    form with 409 and the minutes typed so far kept in it, never a redirect that loses them."""
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


@meeting_view("GET")
def meeting_item(request: SignedInRequest, meeting: Meeting, item_id: int) -> HttpResponse:
    return pages.render_item(request, meeting, item_id)


@meeting_view("POST")
def record_decision(request: SignedInRequest, meeting: Meeting, item_id: int) -> HttpResponseBase:
    entry = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id).item(item_id)
    require(request.user, PanelCapability.RECORD_DECISION, entry.item)
    form = forms.DecisionForm(request.POST, user=request.user, prefix="decision")
    here = item_url(meeting.pk, entry.item.pk)
    return posted_from(
        request,
        form,
        partial(pages.render_item, request, meeting, item_id),
        action=lambda: services.record_decision(actor=request.user, item_id=entry.item.pk, **form.cleaned_data),
        success=success_to(request, f"The decision on {entry.case.reference} has been recorded.", here),
        refused_to=here,
    )


@meeting_view("POST")
def invite_guest(request: SignedInRequest, meeting: Meeting, item_id: int) -> HttpResponseBase:
    """The chair invites someone outside the panel for this item alone."""
    require(request.user, PanelCapability.INVITE_ATTENDEES, meeting.panel)
    record = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id)
    entry = record.item(item_id)
    form = forms.InviteForm(request.POST, people=selectors.possible_guests(record=record, entry=entry), prefix="guest")
    here = item_url(meeting.pk, entry.item.pk, "guests")
    return posted_from(
        request,
        form,
        partial(pages.render_item, request, meeting, item_id),
        action=lambda: services.invite_person(
            actor=request.user,
            meeting_id=meeting.pk,
            person_id=getattr(form.chosen_person("person"), "pk", None),
            item_id=entry.item.pk,
        ),
        success=lambda invitation: redirect_with_success(
            request, f"{_name(invitation.person)} is invited for {entry.case.reference} alone.", here
        ),
        refused_to=here,
    )


@meeting_view("POST")
def defer_item(request: SignedInRequest, meeting: Meeting, item_id: int) -> HttpResponseBase:
    entry = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id).item(item_id)
    require(request.user, PanelCapability.BUILD_AGENDA, meeting.panel)
    form = forms.ReasonForm(request.POST, prefix="defer")
    return posted_from(
        request,
        form,
        partial(pages.render_item, request, meeting, item_id),
        action=lambda: services.defer_item(
            actor=request.user, item_id=entry.item.pk, reason=form.cleaned_data["reason"]
        ),
        success=success_to(request, f"{entry.case.reference} has been deferred.", meeting_url(meeting.pk, "agenda")),
        refused_to=item_url(meeting.pk, entry.item.pk),
    )


@meeting_view("POST")
def add_item_action(request: SignedInRequest, meeting: Meeting, item_id: int) -> HttpResponseBase:
    record = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id)
    entry = record.item(item_id)
    form = forms.ActionForm(request.POST, people=record.people, prefix="action")
    return posted_from(
        request,
        form,
        partial(pages.render_item, request, meeting, item_id),
        action=lambda: services.add_action(
            actor=request.user, case_id=entry.case.pk, meeting_id=meeting.pk, **form.action()
        ),
        success=success_to(request, "The action has been added.", item_url(meeting.pk, entry.item.pk, "actions")),
    )


# --- The panel pack -------------------------------------------------------------------------------


@meeting_view("GET")
def pack(request: SignedInRequest, meeting: Meeting) -> HttpResponse:
    panel_pack = selectors.panel_pack_for(viewer=request.user, meeting=meeting)
    return _never_cached(render(request, "panels/meeting_pack.html", {"meeting": meeting, "pack": panel_pack}))


@meeting_view("GET")
def pack_pdf(request: SignedInRequest, meeting: Meeting) -> HttpResponse:
    panel_pack = selectors.panel_pack_for(viewer=request.user, meeting=meeting)
    response = HttpResponse(render_pack_pdf(panel_pack), content_type="application/pdf")
    day = timezone.localtime(meeting.scheduled_at).date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="panel-pack-{meeting.pk}-{day}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return _never_cached(response)


def _never_cached(response: HttpResponse) -> HttpResponse:
    """The pack holds the meeting's cases: no copy kept by the browser or on the way."""
    response["Cache-Control"] = "no-store"
    add_never_cache_headers(response)
    return response
