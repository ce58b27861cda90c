"""Admin screens for partnership configuration, for superusers' break-fix only (the admin site
admits nobody else; partnership admins use /manage/). Every write goes through a service in
``partnership.services``, which audits it with before and after (DESIGN.md rule 13); who may
configure is ``partnership.permissions``. An admin's own agency, clearance, roles and active
state are read-only on their own user, and the service refuses such a change anyway."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from core.admin import GatedAdmin
from core.errors import DomainError, ValidationError
from partnership import permissions, services
from partnership.models import (
    Agency,
    ApiToken,
    ChangeRequest,
    ChangeRequestStatus,
    ClearanceLevel,
    DataSharingAgreement,
    LawfulBasis,
    PartnershipSettings,
    Role,
    User,
)
from partnership.snapshots import AGREEMENT_KEYS, SETTINGS_KEYS


def is_partnership_admin(request: HttpRequest) -> bool:
    return permissions.can_configure(request.user)


class PartnershipAdminOnly(GatedAdmin):
    """Only partnership admins (and superusers) configure the partnership: they alone look and change."""

    look = staticmethod(is_partnership_admin)
    change = staticmethod(is_partnership_admin)


def _refusal(exc: DomainError | ValidationError) -> str:
    return exc.message if isinstance(exc, DomainError) else " ".join(exc.messages)


@admin.register(ClearanceLevel)
class ClearanceLevelAdmin(PartnershipAdminOnly, admin.ModelAdmin[ClearanceLevel]):
    list_display = ["rank", "name", "description"]
    ordering = ["rank"]
    fields = ["rank", "name", "description"]

    def save_model(
        self, request: HttpRequest, obj: ClearanceLevel, form: forms.ModelForm[ClearanceLevel], change: bool
    ) -> None:
        data = {key: form.cleaned_data[key] for key in ("rank", "name", "description")}
        if change:
            services.update_clearance_level(actor=request.user, level=obj, **data)
        else:
            obj.pk = services.create_clearance_level(actor=request.user, **data).pk

    def delete_model(self, request: HttpRequest, obj: ClearanceLevel) -> None:
        services.delete_clearance_level(actor=request.user, level=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClearanceLevel]) -> None:
        for level in queryset:
            services.delete_clearance_level(actor=request.user, level=level)


@admin.register(Agency)
class AgencyAdmin(PartnershipAdminOnly, admin.ModelAdmin[Agency]):
    list_display = ["name", "kind", "screens_referrals", "is_active"]
    list_filter = ["kind", "screens_referrals", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "screens_referrals", "is_active"]
    actions = ["deactivate"]
    deletable = False  # agencies are deactivated, never deleted: their history stays

    def save_model(self, request: HttpRequest, obj: Agency, form: forms.ModelForm[Agency], change: bool) -> None:
        data = {key: form.cleaned_data[key] for key in ("name", "kind", "screens_referrals", "is_active")}
        if change:
            services.update_agency(actor=request.user, agency=obj, **data)
        else:
            obj.pk = services.create_agency(actor=request.user, **data).pk

    @admin.action(description="Deactivate selected agencies (ends their users' sessions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            services.deactivate_agency(actor=request.user, agency=agency)
        self.message_user(request, f"Deactivated {queryset.count()} agencies.", messages.SUCCESS)


class AgreementForm(forms.ModelForm[DataSharingAgreement]):
    lawful_bases = forms.MultipleChoiceField(
        choices=LawfulBasis.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one lawful basis."},
    )

    class Meta:
        model = DataSharingAgreement
        fields = list(AGREEMENT_KEYS)


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(PartnershipAdminOnly, admin.ModelAdmin[DataSharingAgreement]):
    """Agreements are recorded, never edited or deleted: a renewal is a new agreement."""

    form = AgreementForm
    list_display = ["reference", "agency", "signed_on", "review_due"]
    list_filter = ["agency"]
    search_fields = ["reference", "agency__name"]
    editable = deletable = False

    def save_model(
        self, request: HttpRequest, obj: DataSharingAgreement, form: forms.ModelForm[Any], change: bool
    ) -> None:
        values = {key: form.cleaned_data[key] for key in AGREEMENT_KEYS if key != "agency"}
        agency = form.cleaned_data["agency"]
        obj.pk = services.record_data_sharing_agreement(actor=request.user, agency=agency, values=values).pk


# --- Users ------------------------------------------------------------------------------------

OWN_ACCESS_FORM_FIELDS = ("agency", "clearance", "roles", "is_active")
USER_FORM_FIELDS = ("username", "first_name", "last_name", "email", "job_title", "phone", *OWN_ACCESS_FORM_FIELDS)
SERVICE_TO_FORM_FIELD = {"clearance_rank": "clearance"}

# The admin acting in this request, for forms Django builds without one (the password form).
_acting_admin: ContextVar[Any] = ContextVar("acting_admin", default=None)


def user_changes(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    return {key: cleaned_data[key] for key in USER_FORM_FIELDS if key in cleaned_data}


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for key, messages_ in errors.items():
        field = SERVICE_TO_FORM_FIELD.get(key or "", key)
        form.add_error(field if field in form.fields else None, messages_)


class RolesField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class UserChangeForm(DjangoUserChangeForm):
    roles = RolesField(choices=Role.choices, required=False)
    actor: Any = None  # the signed-in admin, set by UserAdmin.get_form

    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and not self.errors:
            try:
                services.check_user_change(actor=self.actor, user=self.instance, changes=user_changes(data))
            except ValidationError as exc:
                add_service_errors(self, exc)
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """Setting someone's password in the admin goes through ``services.set_user_password``."""

    def save(self, commit: bool = True) -> Any:
        actor = _acting_admin.get()
        if actor is None:
            raise RuntimeError("The password form is used only inside UserAdmin.user_change_password.")
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data.get("password1") if usable else None
        services.set_user_password(actor=actor, user=self.user, password=password)
        return self.user


@admin.register(User)
class UserAdmin(PartnershipAdminOnly, DjangoUserAdmin):
    form = UserChangeForm
    change_password_form = AuditedPasswordChangeForm
    list_display = ["username", "get_full_name", "agency", "clearance", "roles_display", "is_active"]
    list_filter = ["agency", "clearance", "is_active"]
    list_select_related = ["agency", "clearance"]
    search_fields = ["username", "first_name", "last_name", "email"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "job_title", "phone")}),
        ("Partnership", {"fields": ("agency", "clearance", "roles", "is_active")}),
        ("History", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Partnership", {"fields": ("agency", "clearance", "roles")}),
    )
    actions = ["deactivate"]
    deletable = False  # users are deactivated, never deleted: their history stays

    @admin.display(description="Roles")
    def roles_display(self, obj: User) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(code, code)) for code in obj.roles)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += OWN_ACCESS_FORM_FIELDS  # nobody changes their own access (the service refuses too)
        return fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "roles" in form.base_fields:
            form.base_fields["roles"] = RolesField(choices=Role.choices, required=False)
        return type(form.__name__, (form,), {"actor": request.user})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            self._explain(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def _explain(self, request: HttpRequest, object_id: str) -> None:
        if object_id == str(request.user.pk):
            messages.info(request, permissions.SELF_CHANGE_REFUSED)
        user = User.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        for pending in services.pending_change_requests(user=user) if user else []:
            messages.warning(request, f"Waiting for a second admin's approval: {describe_change(pending)}.")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        token = _acting_admin.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting_admin.reset(token)

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        data = form.cleaned_data
        if change:
            outcome = services.update_user(actor=request.user, user=obj, changes=user_changes(data))
            pending = outcome.pending
        else:
            usable = data.get("set_usable_password", True)
            created = services.create_user(
                actor=request.user,
                password=data.get("password1") if usable else None,
                **{key: data.get(key, "") for key in ("username", "first_name", "last_name", "email")},
                agency=data.get("agency"),
                clearance=data.get("clearance"),
                roles=data.get("roles") or [],
            )
            obj.pk = created.pk
            pending = next(iter(services.pending_change_requests(user=created)), None)
        if pending is not None:
            messages.warning(request, f"Waiting for a second admin's approval: {describe_change(pending)}.")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related is edited here (no groups or permissions): the service wrote everything."""

    @admin.action(description="Deactivate selected users (ends their sessions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                services.deactivate_user(actor=request.user, user=user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{user.username}: {_refusal(exc)}", messages.ERROR)
        self.message_user(request, f"Deactivated {done} users.", messages.SUCCESS)


# --- Tokens, settings and approvals -----------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(PartnershipAdminOnly, admin.ModelAdmin[ApiToken]):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at"]
    fields = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    actions = ["revoke"]
    addable = False  # issued with `manage.py issue_api_token`, which shows the key once
    editable = deletable = False  # nothing about a token is edited; it is revoked

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return is_partnership_admin(request)

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.revoke_api_token(actor=request.user, token=token)
        self.message_user(request, "Revoked.", messages.SUCCESS)


@admin.register(PartnershipSettings)
class PartnershipSettingsAdmin(PartnershipAdminOnly, admin.ModelAdmin[PartnershipSettings]):
    fields = list(SETTINGS_KEYS)
    addable = False  # one row, created on first use
    deletable = False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)
        row = PartnershipSettings.current()
        return HttpResponseRedirect(reverse("admin:partnership_partnershipsettings_change", args=[row.pk]))

    def save_model(
        self,
        request: HttpRequest,
        obj: PartnershipSettings,
        form: forms.ModelForm[PartnershipSettings],
        change: bool,
    ) -> None:
        changes = {key: form.cleaned_data[key] for key in SETTINGS_KEYS if key in form.cleaned_data}
        outcome = services.update_partnership_settings(actor=request.user, changes=changes)
        if outcome.pending is not None:
            messages.warning(request, f"Waiting for a second admin's approval: {describe_change(outcome.pending)}.")


def describe_change(change_request: ChangeRequest) -> str:
    about = change_request.target_user.username if change_request.target_user else "partnership settings"
    parts = [f"{key} {change_request.before.get(key)!r} → {value!r}" for key, value in change_request.after.items()]
    return f"{about}: {'; '.join(parts)}"


@admin.register(ChangeRequest)
class ChangeRequestAdmin(PartnershipAdminOnly, admin.ModelAdmin[ChangeRequest]):
    """Changes waiting for a second admin. Approve or reject them with the actions."""

    list_display = ["pk", "summary", "requested_by", "requested_at", "status", "decided_by", "decided_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["target_user", "requested_by", "decided_by"]
    actions = ["approve", "reject"]
    fields = (
        "kind",
        "target_user",
        "before",
        "after",
        "requested_by",
        "requested_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields
    addable = False  # asked for by changing a user or the settings
    editable = deletable = False  # decided with the actions, never edited

    @admin.display(description="Change")
    def summary(self, obj: ChangeRequest) -> str:
        return describe_change(obj)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_partnership_admin(request)

    def _decide(self, request: HttpRequest, queryset: QuerySet[ChangeRequest], *, approve: bool) -> None:
        decide = services.approve_change_request if approve else services.reject_change_request
        done = 0
        for change_request in queryset.filter(status=ChangeRequestStatus.PENDING):
            try:
                decide(actor=request.user, change_request=change_request)
                done += 1
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"Change #{change_request.pk}: {_refusal(exc)}", messages.ERROR)
        verb = "Approved" if approve else "Rejected"
        self.message_user(request, f"{verb} {done} changes.", messages.SUCCESS if done else messages.WARNING)

    @admin.action(description="Approve selected changes (a second admin only)", permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet[ChangeRequest]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject selected changes", permissions=["decide"])
    def reject(self, request: HttpRequest, queryset: QuerySet[ChangeRequest]) -> None:
        self._decide(request, queryset, approve=False)


# Agency groups are managed through agencies, never by hand.
admin.site.unregister(Group)
