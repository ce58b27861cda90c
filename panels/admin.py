"""Admin screens for panel configuration: panels (a partnership model) with their member
agencies and named representatives, and the vulnerability assessment's factors.

Superusers' break-fix only (the admin site admits nobody else; partnership admins configure
panels on /manage/, whose meetings follow at the nightly generation). A panel and its membership are written by
``partnership.services`` (create_panel, update_panel, set_panel_members), which audit every change
with before and after; assessment factors are audited by ``core.admin.AuditedAdmin``. Saving a
panel then generates its meetings from the cadence (``panels.services.generate_meetings``,
idempotent). Nothing here shows case content: meetings, agendas and decisions live in the pages.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.admin import AuditedAdmin
from panels import services
from panels.models import AssessmentFactor
from panels.permissions import possible_chairs
from partnership import services as partnership_services
from partnership.admin import PartnershipAdminOnly
from partnership.models import Agency, AgencyKind, Panel, PanelMembership, User
from partnership.snapshots import PANEL_KEYS


class PanelForm(forms.ModelForm[Panel]):
    quorum_required_kinds = forms.TypedMultipleChoiceField(
        label="Agency kinds that must attend",
        choices=AgencyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For example, police. The meeting is quorate only when each of these is present.",
    )
    call_link = forms.URLField(label="Call link", required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Panel
        fields = list(PANEL_KEYS)  # the form edits exactly the fields a panel's audit events record

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chairs = possible_chairs()
        for name in ("chair", "deputy_chair"):
            field = cast(forms.ModelChoiceField, self.fields[name])
            field.queryset = chairs.order_by("last_name", "first_name")
            field.help_text = "People with the panel chair role."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("chair") and data.get("chair") == data.get("deputy_chair"):
            self.add_error("deputy_chair", "The deputy must be someone other than the chair.")
        return data


class MembershipForm(forms.ModelForm[PanelMembership]):
    class Meta:
        model = PanelMembership
        fields = ["agency", "representatives"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency = data.get("agency")
        strangers = [u for u in data.get("representatives") or [] if agency and u.agency_id != agency.pk]
        if strangers:
            names = ", ".join(u.get_full_name() or u.username for u in strangers)
            self.add_error("representatives", f"Representatives must belong to {agency}: {names} do not.")
        return data


class PanelMembershipInline(PartnershipAdminOnly, admin.TabularInline[PanelMembership, Panel]):
    model = PanelMembership
    form = MembershipForm
    extra = 1
    filter_horizontal = ["representatives"]
    verbose_name = "member agency"
    verbose_name_plural = "member agencies and their named representatives"


@admin.register(Panel)
class PanelAdmin(PartnershipAdminOnly, admin.ModelAdmin[Panel]):
    form = PanelForm
    inlines = [PanelMembershipInline]
    list_display = ["name", "chair", "cadence_weeks", "first_meeting_at", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["chair"]
    search_fields = ["name"]
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        ("Chair", {"fields": ("chair", "deputy_chair")}),
        (
            "Meetings",
            {"fields": ("cadence_weeks", "first_meeting_at", "meeting_duration_minutes", "venue", "call_link")},
        ),
        ("Quorum", {"fields": ("quorum_requires_chair", "quorum_required_kinds", "quorum_min_agencies")}),
        ("Reminders", {"fields": ("notice_days_before", "papers_days_before")}),
    )
    deletable = False  # panels are made inactive, never deleted: their meetings and cases stay

    def save_model(self, request: HttpRequest, obj: Panel, form: forms.ModelForm[Panel], change: bool) -> None:
        values = {key: form.cleaned_data[key] for key in PANEL_KEYS if key in form.cleaned_data}
        if change:
            partnership_services.update_panel(actor=request.user, panel=obj, changes=values)
        else:
            obj.pk = partnership_services.create_panel(actor=request.user, values=values).pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The member agencies are every inline row not marked for deletion, written by the service."""
        members: dict[Agency, list[User]] = {}
        for formset in formsets:
            for row in formset.forms:
                data = getattr(row, "cleaned_data", None) or {}
                if data.get("agency") and not data.get("DELETE"):
                    members[data["agency"]] = list(data.get("representatives") or [])
            # Read by the admin's change message; the service's audit event is the real record.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        panel = partnership_services.set_panel_members(actor=request.user, panel=form.instance, members=members)
        services.generate_meetings(panel=panel)


@admin.register(AssessmentFactor)
class AssessmentFactorAdmin(AuditedAdmin, PartnershipAdminOnly, admin.ModelAdmin[AssessmentFactor]):
    list_display = ["name", "dimension", "position", "is_active"]
    list_filter = ["dimension", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]
    ordering = ["dimension", "position", "id"]
    fields = ["dimension", "name", "description", "position", "is_active"]
    deletable = False  # past assessments rate these factors: retire a factor by making it inactive
