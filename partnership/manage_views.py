"""The partnership admins' configuration pages (under /manage/). Each view reads through
``partnership.selectors`` (which refuse anyone who may not configure) and writes through one
service in ``partnership.services`` or ``partnership.people``, with ``core.web``'s form and
button dances; nothing here decides anything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from core.errors import ConflictError, PermissionDenied, ValidationError, id_or_not_found
from core.web import View, form_page, handle_action, handle_form, redirect_with_success, signed_in, success_to
from partnership import people, permissions, selectors, services
from partnership.forms import (
    ROLE_NAMES,
    AgencyForm,
    ClearanceLevelForm,
    ImportConfirmForm,
    ImportUploadForm,
    InviteForm,
    PanelForm,
    PersonForm,
    SettingsForm,
    SingleSignOnForm,
)
from partnership.models import Agency, AgencyKind, ChangeRequest, ClearanceLevel, User
from partnership.session_times import stamp_new_session
from partnership.snapshots import SETTINGS_KEYS
from partnership.web import SignedInRequest

REFUSALS = (PermissionDenied, ValidationError, ConflictError)


def admin_page(*methods: str) -> Callable[[View], View]:
    """Signed in, one of ``methods``, and able to configure (else the 403 page)."""

    def wrap(view: View) -> View:
        @wraps(view)
        def guarded(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            permissions.require_configure(request.user)
            return view(request, *args, **kwargs)

        return signed_in(*methods)(guarded)

    return wrap


def _form_page(request: SignedInRequest, form: Any, template: str, **context: Any) -> Callable[[int], HttpResponseBase]:
    return form_page(request, f"partnership/manage/{template}", {"form": form, **context})


# --- The hub ----------------------------------------------------------------------------------


@admin_page("GET")
def index(request: SignedInRequest) -> HttpResponse:
    waiting = selectors.pending_changes_for(viewer=request.user).count()
    return render(request, "partnership/manage/index.html", {"waiting": waiting})


# --- Agencies ---------------------------------------------------------------------------------


@admin_page("GET")
def agencies(request: SignedInRequest) -> HttpResponse:
    rows = selectors.agency_list_for(viewer=request.user)
    return render(request, "partnership/manage/agency_list.html", {"rows": rows})


AGENCY_FIELDS = ("name", "kind", "screens_referrals", "is_active")


@admin_page("GET", "POST")
def agency_page(request: SignedInRequest, agency_id: int | None = None) -> HttpResponseBase:
    """Add an agency (no id) or change one: the same form, page and way back."""
    agency = None if agency_id is None else selectors.agency_for(viewer=request.user, agency_id=agency_id)
    initial = {key: getattr(agency, key) for key in AGENCY_FIELDS} if agency else {"is_active": True}
    form = AgencyForm(request.POST or None, initial=initial)

    def save() -> Agency:
        if agency is None:
            return services.create_agency(actor=request.user, **form.cleaned_data)
        return services.update_agency(actor=request.user, agency=agency, **form.cleaned_data)

    # A changed agency is named as the page showed it.
    done = (lambda added: f"{added.name} added.") if agency is None else (lambda _: f"{agency.name} saved.")
    return handle_form(
        request,
        form,
        action=save,
        success=lambda saved: redirect_with_success(request, done(saved), reverse("manage:agencies")),
        render=_form_page(request, form, "agency_form.html", agency=agency),
    )


@admin_page("GET", "POST")
def agency_sign_on(request: SignedInRequest, agency_id: int) -> HttpResponseBase:
    """The agency's OpenID Connect provider: issuer, client, allowed domains and what counts as MFA."""
    agency, config = selectors.single_sign_on_for(viewer=request.user, agency_id=agency_id)
    form = SingleSignOnForm(
        request.POST or None, initial=SingleSignOnForm.initial_for(config), has_secret=config is not None
    )
    callback = request.build_absolute_uri(reverse("sso_callback"))
    return handle_form(
        request,
        form,
        action=lambda: services.configure_single_sign_on(actor=request.user, agency=agency, values=form.values()),
        success=success_to(request, f"Single sign-on for {agency.name} saved.", reverse("manage:agencies")),
        render=_form_page(request, form, "agency_sign_on.html", agency=agency, config=config, callback=callback),
    )


# --- Clearance levels -------------------------------------------------------------------------


@admin_page("GET")
def clearance_levels(request: SignedInRequest) -> HttpResponse:
    levels = selectors.clearance_levels_for(viewer=request.user)
    return render(request, "partnership/manage/clearance_list.html", {"levels": levels})


@admin_page("GET", "POST")
def clearance_page(request: SignedInRequest, level_id: int | None = None) -> HttpResponseBase:
    """Add a clearance level (no id) or change one, on the same form."""
    level = None if level_id is None else selectors.clearance_level_for(viewer=request.user, level_id=level_id)
    initial = {"rank": level.rank, "name": level.name, "description": level.description} if level else None
    form = ClearanceLevelForm(request.POST or None, initial=initial)

    def save() -> ClearanceLevel:
        if level is None:
            return services.create_clearance_level(actor=request.user, **form.cleaned_data)
        return services.update_clearance_level(actor=request.user, level=level, **form.cleaned_data)

    done = "Clearance level added." if level is None else "Clearance level saved."
    return handle_form(
        request,
        form,
        action=save,
        success=success_to(request, done, reverse("manage:clearance_levels")),
        render=_form_page(request, form, "clearance_form.html", level=level),
    )


# --- People -----------------------------------------------------------------------------------


@admin_page("GET")
def people_list(request: SignedInRequest) -> HttpResponse:
    persons = selectors.people_page_for(viewer=request.user)
    return render(request, "partnership/manage/people_list.html", {"people": persons, "role_names": ROLE_NAMES})


def _saved(request: SignedInRequest, user: User, pending: ChangeRequest | None) -> HttpResponseBase:
    message = f"{user.get_full_name() or user.username} saved."
    if pending is not None:
        message += " A new role or higher clearance waits for a second partnership admin's approval."
    return redirect_with_success(request, message, reverse("manage:person", args=[user.pk]))


@admin_page("GET", "POST")
def person_invite(request: SignedInRequest) -> HttpResponseBase:
    form = InviteForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: people.invite_user(actor=request.user, values=form.values()),
        success=lambda user: _saved(request, user, next(iter(services.pending_change_requests(user=user)), None)),
        render=_form_page(request, form, "person_invite.html"),
    )


@admin_page("GET")
def person(request: SignedInRequest, user_id: int) -> HttpResponse:
    user, pending, enrolled = selectors.person_for(viewer=request.user, user_id=user_id)
    context = {
        "person": user,
        "pending": [(change, change_rows(change)) for change in pending],
        "enrolled": enrolled,
        "own": user.pk == request.user.pk,
        "role_names": ROLE_NAMES,
        "invitable": user.is_active and bool(user.email) and not user.has_usable_password(),
    }
    return render(request, "partnership/manage/person.html", context)


@admin_page("GET", "POST")
def person_edit(request: SignedInRequest, user_id: int) -> HttpResponseBase:
    user = selectors.user_for(viewer=request.user, user_id=user_id)
    own = user.pk == request.user.pk
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(user), own=own)

    def save() -> services.UserChange:
        return services.update_user(actor=request.user, user=user, changes=form.cleaned_data)

    return handle_form(
        request,
        form,
        action=save,
        success=lambda change: _saved(request, change.user, change.pending),
        render=_form_page(request, form, "person_edit.html", person=user, own=own),
        refusals=(PermissionDenied,),
        refused=lambda exc: form.add_error(None, exc.message),
    )


PERSON_ACTIONS: dict[str, tuple[Callable[[User, User], Any], str]] = {
    "deactivate": (
        lambda actor, user: services.update_user(actor=actor, user=user, changes={"is_active": False}),
        "{name} can no longer sign in; their sessions and API tokens have ended.",
    ),
    "reactivate": (
        lambda actor, user: services.update_user(actor=actor, user=user, changes={"is_active": True}),
        "{name} can sign in again.",
    ),
    "reset_two_factor": (
        lambda actor, user: people.reset_two_factor(actor=actor, user=user),
        "{name}'s two-factor authentication was reset: they set it up again when they next sign in.",
    ),
    "invite": (
        lambda actor, user: people.send_invitation(actor=actor, user=user),
        "An invitation was sent to {name}.",
    ),
}


@admin_page("POST")
def person_action(request: SignedInRequest, user_id: int, action: str) -> HttpResponseBase:
    user = selectors.user_for(viewer=request.user, user_id=user_id)
    if action not in PERSON_ACTIONS:
        raise ValidationError("No such action.")
    do, done = PERSON_ACTIONS[action]
    return handle_action(
        request,
        action=lambda: do(request.user, user),
        done=lambda _: done.format(name=user.get_full_name() or user.username),
        then=reverse("manage:person", args=[user.pk]),
        refusals=REFUSALS,
    )


@admin_page("GET", "POST")
def people_import(request: SignedInRequest) -> HttpResponseBase:
    """Upload a CSV, see every row checked (nothing written), then import them all at once."""
    confirming = "payload" in request.POST
    uploading = request.method == "POST" and not confirming
    upload = ImportUploadForm(request.POST, request.FILES) if uploading else ImportUploadForm()
    confirm = ImportConfirmForm(request.POST if confirming else None)
    context: dict[str, Any] = {"form": upload, "confirm": None, "outcome": None}
    if confirming and confirm.is_valid():
        outcome = people.import_users(actor=request.user, text=confirm.cleaned_data["payload"], apply=True)
        if outcome.applied:
            message = f"{len(outcome.rows)} people imported and invited."
            return redirect_with_success(request, message, reverse("manage:people"))
        context["outcome"] = outcome
    elif confirming:  # the signed file was tampered with or is too old: ask for it again
        context["form"] = upload = ImportUploadForm({}, MultiValueDict())
        upload.full_clean()
        upload.errors["file"] = upload.error_class(confirm.errors["payload"])
    elif uploading and upload.is_valid():
        text = upload.cleaned_data["file"]
        outcome = people.import_users(actor=request.user, text=text, apply=False)
        context.update(outcome=outcome, payload=ImportConfirmForm.sign(text) if outcome.valid else "")
    status = 400 if upload.errors or (context["outcome"] and not context["outcome"].valid) else 200
    return render(request, "partnership/manage/people_import.html", context, status=status)


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invited person's one-time link: choose a password, then enrol two-factor."""

    template_name = "partnership/manage/invitation_accept.html"
    token_generator = people.invitation_tokens
    reset_url_token = "welcome"  # noqa: S105  (the placeholder in the URL, not a secret)

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        user = form.user
        services.accept_invitation(user=user, password=form.cleaned_data["new_password1"])
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        auth_login(self.request, user, backend="partnership.backends.PartnershipBackend")
        stamp_new_session(self.request)
        return redirect("two_factor_setup")


# --- Changes waiting for a second admin -------------------------------------------------------

FIELD_NAMES = {
    "agency": "Agency",
    "clearance_rank": "Clearance rank",
    "roles": "Roles",
    "is_active": "Active",
    "second_admin_approval": "Second-admin approval",
}


def change_rows(change: ChangeRequest) -> list[tuple[str, Any, Any]]:
    """(what, from, to) for each part of a change, in words."""
    roles = ROLE_NAMES

    def shown(key: str, value: Any) -> Any:
        if key == "roles":
            return ", ".join(str(roles.get(code, code)) for code in value or []) or "None"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return "None" if value is None else value

    return [
        (FIELD_NAMES.get(key, key), shown(key, change.before.get(key)), shown(key, value))
        for key, value in change.after.items()
    ]


@admin_page("GET")
def changes(request: SignedInRequest) -> HttpResponse:
    waiting = selectors.pending_changes_for(viewer=request.user)
    rows = [
        (
            change,
            change_rows(change),
            permissions.can_approve(request.user, change),
            permissions.can_reject(request.user, change),
        )
        for change in waiting
    ]
    return render(request, "partnership/manage/change_list.html", {"rows": rows})


@admin_page("POST")
def change_decide(request: SignedInRequest, request_id: int, decision: str) -> HttpResponseBase:
    change = selectors.change_request_for(viewer=request.user, request_id=id_or_not_found(request_id))
    decide = {"approve": services.approve_change_request, "reject": services.reject_change_request}.get(decision)
    if decide is None:
        raise ValidationError("No such decision.")
    return handle_action(
        request,
        action=lambda: decide(actor=request.user, change_request=change),
        done=lambda _: f"Change {'approved' if decision == 'approve' else 'rejected'}.",
        then=reverse("manage:changes"),
        refusals=REFUSALS,
    )


# --- Panels -----------------------------------------------------------------------------------


@admin_page("GET")
def panels(request: SignedInRequest) -> HttpResponse:
    return render(
        request, "partnership/manage/panel_list.html", {"panels": selectors.panel_list_for(viewer=request.user)}
    )


def _save_panel(actor: User, form: PanelForm, panel: Any) -> Any:
    values = form.panel_values()
    if panel is None:
        panel = services.create_panel(actor=actor, values=values)
    else:
        panel = services.update_panel(actor=actor, panel=panel, changes=values)
    kept = {m.agency_id: list(m.representatives.all()) for m in panel.memberships.all()}
    members = {agency: kept.get(agency.pk, []) for agency in form.cleaned_data["member_agencies"]}
    return services.set_panel_members(actor=actor, panel=panel, members=members)


@admin_page("GET", "POST")
def panel_page(request: SignedInRequest, panel_id: int | None = None) -> HttpResponseBase:
    """Add a panel (no id) or change one, on the same form."""
    panel = None if panel_id is None else selectors.panel_for(viewer=request.user, panel_id=panel_id)
    form = PanelForm(request.POST or None, initial=PanelForm.initial_for(panel))
    return handle_form(
        request,
        form,
        action=lambda: _save_panel(request.user, form, panel),
        success=lambda saved: redirect_with_success(request, f"{saved.name} saved.", reverse("manage:panels")),
        render=_form_page(request, form, "panel_form.html", panel=panel, kinds=AgencyKind),
    )


# --- Partnership settings ---------------------------------------------------------------------


@admin_page("GET", "POST")
def partnership_settings(request: SignedInRequest) -> HttpResponseBase:
    row = selectors.settings_for(viewer=request.user)
    form = SettingsForm(request.POST or None, initial={key: getattr(row, key) for key in SETTINGS_KEYS})

    def saved(outcome: services.SettingsChange) -> HttpResponseBase:
        message = "Settings saved."
        if outcome.pending is not None:
            message += " Turning off second-admin approval waits for another partnership admin's approval."
        return redirect_with_success(request, message, reverse("manage:settings"))

    return handle_form(
        request,
        form,
        action=lambda: services.update_partnership_settings(actor=request.user, changes=form.cleaned_data),
        success=saved,
        render=_form_page(request, form, "settings_form.html"),
    )
