"""Admin for the reminder engine: beat's schedules (which partnership admins may see
and change) and the reminder outbox (read-only, for troubleshooting; it holds no personal data).

django-celery-beat's own ModelAdmins check Django model permissions, which
partnership admins do not hold: they are re-registered here with the same
role rule as partnership configuration. Core sits below partnership, so the
role is named by its string, not imported."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from core.models import DeliveryAttempt, Reminder

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


class PartnershipAdminChanges:
    """Partnership admins configure the schedules; auditors may look."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_look(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_look(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_partnership_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_partnership_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_partnership_admin(request)


class PeriodicTaskInline(PartnershipAdminChanges, beat_admin.PeriodicTaskInline):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


class PeriodicTaskAdmin(PartnershipAdminChanges, beat_admin.PeriodicTaskAdmin):
    pass


class ClockedScheduleAdmin(PartnershipAdminChanges, beat_admin.ClockedScheduleAdmin):
    inlines = [PeriodicTaskInline]


class CrontabScheduleAdmin(PartnershipAdminChanges, beat_admin.CrontabScheduleAdmin):
    inlines = [PeriodicTaskInline]


class SolarScheduleAdmin(PartnershipAdminChanges, beat_admin.SolarScheduleAdmin):
    inlines = [PeriodicTaskInline]


class IntervalScheduleAdmin(PartnershipAdminChanges, beat_admin.IntervalScheduleAdmin):
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


class ReadOnly:
    """Partnership admins and auditors may look; the sweep and the services write."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_look(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_look(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        model: type[Model] = self.model  # type: ignore[attr-defined]
        return [f.name for f in model._meta.fields]


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
