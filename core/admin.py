"""Admin for the reminder engine: beat's schedules (how often the sweep and the nightly jobs run:
the operators' business, every change audited with before and after) and the reminder outbox
(read-only, for troubleshooting; it holds no personal data).

Only superusers reach the admin site at all (``core.admin_site``). Within it the predicates below
still say what each screen allows, so a read-only screen stays read-only even for a superuser.
django-celery-beat's own ModelAdmins are re-registered here to audit their writes. Core sits
below partnership, so roles are named by their strings, not imported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from core.audit import record_event
from core.models import AuditVerb, DeliveryAttempt, Reminder

PARTNERSHIP_ADMIN = "partnership_admin"
AUDITOR = "auditor"


def _roles(request: HttpRequest) -> tuple[bool, frozenset[str]]:
    user = request.user
    if not (getattr(user, "is_active", False) and getattr(user, "is_authenticated", False)):
        return False, frozenset()
    return bool(getattr(user, "is_superuser", False)), frozenset(getattr(user, "roles", ()))


def is_partnership_admin(request: HttpRequest) -> bool:
    superuser, roles = _roles(request)
    return superuser or PARTNERSHIP_ADMIN in roles


def may_look(request: HttpRequest) -> bool:
    superuser, roles = _roles(request)
    return superuser or bool({PARTNERSHIP_ADMIN, AUDITOR} & roles)


def is_auditor(request: HttpRequest) -> bool:
    superuser, roles = _roles(request)
    return superuser or AUDITOR in roles


def nobody(request: HttpRequest) -> bool:
    return False


class GatedAdmin:
    """Who may look at an admin screen and who may change through it, as two predicates on the request.

    The default: partnership admins change, partnership admins and auditors look. Subclasses
    set ``look``/``change`` (plain functions, wrapped in ``staticmethod``). A screen whose rows are
    never added, edited or deleted here (they arrive another way, are recorded once, or are retired
    instead of deleted) says so with ``addable``/``editable``/``deletable = False``: then nobody may.
    """

    look: Callable[[HttpRequest], bool] = staticmethod(may_look)
    change: Callable[[HttpRequest], bool] = staticmethod(is_partnership_admin)
    addable = True
    editable = True
    deletable = True

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.look(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.look(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.addable and self.change(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.editable and self.change(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and self.change(request)


class PartnershipAdminChanges(GatedAdmin):
    """Partnership admins configure the schedules; auditors may look."""


class ReadOnly(GatedAdmin):
    """Partnership admins and auditors may look; the sweep and the services write."""

    change = staticmethod(nobody)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # no bulk actions, so no bulk delete

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        model: type[Model] = self.model  # type: ignore[attr-defined]
        return [f.name for f in model._meta.fields]


class AuditorReadOnly(ReadOnly):
    """Auditors (and superusers) may look; nobody adds, changes or deletes here."""

    look = staticmethod(is_auditor)


# --- Audited configuration without a service of its own ----------------------------------------


def jsonable(value: Any) -> Any:
    """A form or model value as it goes into an audit event's details."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | dt.timedelta):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool | dict):
        return value
    return str(value)


def _state(obj: Model) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in model_to_dict(obj).items()}


def audit_configured(
    request: HttpRequest, obj: Model, action: str, before: dict[str, Any], after: dict[str, Any]
) -> None:
    record_event(
        actor=request.user,
        verb=AuditVerb.CONFIGURED,
        obj=obj,
        details={"action": action, "before": before, "after": after},
    )


class AuditedAdmin:
    """Every admin write to a configuration row that has no service of its own (beat's schedules,
    assessment factors) goes into the hash-chained trail with before and after (DESIGN.md rule 13),
    in the admin's own transaction. Rows with invariants are written by their app's services instead."""

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm[Any], change: bool) -> None:
        changed = list(form.changed_data)
        before = {name: jsonable(form.initial.get(name)) for name in changed}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        if not change:
            audit_configured(request, obj, "created", {}, _state(obj))
        elif changed:
            audit_configured(request, obj, "changed", before, {n: jsonable(form.cleaned_data.get(n)) for n in changed})

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        before, pk = _state(obj), obj.pk
        super().delete_model(request, obj)  # type: ignore[misc]
        obj.pk = pk  # the event names the row that was deleted
        audit_configured(request, obj, "deleted", before, {})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        initial = {f.instance.pk: f.initial for f in formset.initial_forms}
        deleted = [(f.instance, _state(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in formset.new_objects:
            audit_configured(request, obj, "created", {}, _state(obj))
        for obj, fields in formset.changed_objects:
            before = {name: jsonable(initial.get(obj.pk, {}).get(name)) for name in fields}
            after = {name: jsonable(getattr(obj, name, None)) for name in fields}
            audit_configured(request, obj, "changed", before, after)
        for obj, state in deleted:
            audit_configured(request, obj, "deleted", state, {})


class PeriodicTaskInline(PartnershipAdminChanges, beat_admin.PeriodicTaskInline):
    addable = False


class PeriodicTaskAdmin(AuditedAdmin, PartnershipAdminChanges, beat_admin.PeriodicTaskAdmin):
    """Beat's enable, disable and toggle actions are audited too (running a task changes nothing)."""

    def _audit_enabled(
        self, request: HttpRequest, queryset: QuerySet[PeriodicTask], action: Callable[..., None]
    ) -> None:
        before = dict(queryset.values_list("pk", "enabled"))
        action(request, queryset)
        for task in PeriodicTask.objects.filter(pk__in=list(before)):
            if task.enabled != before[task.pk]:
                audit_configured(request, task, "changed", {"enabled": before[task.pk]}, {"enabled": task.enabled})

    @admin.action(description="Enable selected tasks")
    def enable_tasks(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> None:
        self._audit_enabled(request, queryset, super().enable_tasks)

    @admin.action(description="Disable selected tasks")
    def disable_tasks(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> None:
        self._audit_enabled(request, queryset, super().disable_tasks)

    @admin.action(description="Toggle activity of selected tasks")
    def toggle_tasks(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> None:
        self._audit_enabled(request, queryset, super().toggle_tasks)


class ClockedScheduleAdmin(AuditedAdmin, PartnershipAdminChanges, beat_admin.ClockedScheduleAdmin):
    inlines = [PeriodicTaskInline]


class CrontabScheduleAdmin(AuditedAdmin, PartnershipAdminChanges, beat_admin.CrontabScheduleAdmin):
    inlines = [PeriodicTaskInline]


class SolarScheduleAdmin(AuditedAdmin, PartnershipAdminChanges, beat_admin.SolarScheduleAdmin):
    inlines = [PeriodicTaskInline]


class IntervalScheduleAdmin(AuditedAdmin, PartnershipAdminChanges, beat_admin.IntervalScheduleAdmin):
    inlines = [PeriodicTaskInline]


for model, model_admin in (
    (PeriodicTask, PeriodicTaskAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


class DeliveryAttemptInline(ReadOnly, admin.TabularInline[DeliveryAttempt, Reminder]):
    model = DeliveryAttempt
    extra = 0


@admin.register(Reminder)
class ReminderAdmin(ReadOnly, admin.ModelAdmin[Reminder]):
    list_display = ["kind", "reference", "recipient", "due_at", "status", "finished_at", "failures"]
    list_filter = ["status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["reference", "recipient__username"]
    date_hierarchy = "due_at"
    inlines = [DeliveryAttemptInline]
