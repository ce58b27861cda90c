"""Admin screens for partnership configuration. Every write goes through a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from partnership import services
from partnership.models import Agency, ApiToken, ClearanceLevel, Role, User


def is_partnership_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or Role.PARTNERSHIP_ADMIN in getattr(user, "roles", ())))


class PartnershipAdminOnly:
    """Only partnership admins (and superusers) configure the partnership."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_partnership_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_partnership_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_partnership_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_partnership_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_partnership_admin(request)


@admin.register(ClearanceLevel)
class ClearanceLevelAdmin(PartnershipAdminOnly, admin.ModelAdmin[ClearanceLevel]):
    list_display = ["rank", "name", "description"]
    ordering = ["rank"]

    def delete_model(self, request: HttpRequest, obj: ClearanceLevel) -> None:
        services.delete_clearance_level(level=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A level in use cannot be deleted: the admin explains which users hold it.
        return is_partnership_admin(request)


@admin.register(Agency)
class AgencyAdmin(PartnershipAdminOnly, admin.ModelAdmin[Agency]):
    list_display = ["name", "kind", "screens_referrals", "is_active"]
    list_filter = ["kind", "screens_referrals", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "screens_referrals", "is_active"]
    actions = ["deactivate"]

    def save_model(self, request: HttpRequest, obj: Agency, form: forms.ModelForm[Agency], change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.update_agency(
                agency=obj,
                name=data["name"],
                kind=data["kind"],
                screens_referrals=data["screens_referrals"],
                is_active=data["is_active"],
            )
        else:
            created = services.create_agency(
                name=data["name"],
                kind=data["kind"],
                screens_referrals=data["screens_referrals"],
                is_active=data["is_active"],
            )
            obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agencies are deactivated, never deleted: their history stays

    @admin.action(description="Deactivate selected agencies (ends their users' sessions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            services.deactivate_agency(agency=agency)
        self.message_user(request, f"Deactivated {queryset.count()} agencies.", messages.SUCCESS)


class RolesField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class UserChangeForm(DjangoUserChangeForm):
    roles = RolesField(choices=Role.choices, required=False)

    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(PartnershipAdminOnly, DjangoUserAdmin):
    form = UserChangeForm
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

    @admin.display(description="Roles")
    def roles_display(self, obj: User) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(code, code)) for code in obj.roles)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "roles" in form.base_fields:
            form.base_fields["roles"] = RolesField(choices=Role.choices, required=False)
        return form

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivating:
            services.deactivate_user(user=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # users are deactivated, never deleted: their history stays

    @admin.action(description="Deactivate selected users (ends their sessions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.deactivate_user(user=user)
        self.message_user(request, f"Deactivated {queryset.count()} users.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(PartnershipAdminOnly, admin.ModelAdmin[ApiToken]):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at"]
    fields = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # issued with `manage.py issue_api_token`, which shows the key once

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.revoke_api_token(token=token)
        self.message_user(request, "Revoked.", messages.SUCCESS)


# Agency groups are managed through agencies, never by hand.
admin.site.unregister(Group)
