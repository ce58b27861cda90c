"""The audit trail, the share ledger and break-glass openings, for superusers' break-fix
(the admin site admits nobody else: auditors read the trail on /governance/).

Read-only for everyone: the audit trail is append-only (the database refuses
changes), and shares and break-glass openings change only through
``sharing.services``.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from core.admin import AuditorReadOnly
from core.models import AuditEvent
from sharing.models import BreakGlass, Share


@admin.register(AuditEvent)
class AuditEventAdmin(AuditorReadOnly, admin.ModelAdmin[AuditEvent]):
    list_display = [
        "seq",
        "occurred_at",
        "break_glass_flag",
        "verb",
        "actor_username",
        "agency_name",
        "object_type",
        "object_id",
        "ip_address",
        "reason",
    ]
    list_display_links = ["seq"]
    # Filters that need no query of their own (the trail is large: no DISTINCT over it per page view).
    list_filter = ["break_glass", "verb", "occurred_at"]
    search_fields = ["=actor_username", "=object_id", "=ip_address", "agency_name", "reason"]
    ordering = ["-seq"]
    # The trail grows without bound: no exact count of the unfiltered table on every page.
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description="Break-glass", ordering="break_glass")
    def break_glass_flag(self, obj: AuditEvent) -> str:
        if obj.break_glass:
            return format_html('<strong class="errornote">{}</strong>', "BREAK-GLASS")
        return ""


@admin.register(Share)
class ShareAdmin(AuditorReadOnly, admin.ModelAdmin[Share]):
    list_display = [
        "id",
        "content_type",
        "object_id",
        "agency",
        "basis",
        "granted_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "lapsed_at",
    ]
    list_filter = ["basis", "agency", "content_type"]
    list_select_related = ["agency", "content_type", "granted_by"]
    search_fields = ["=object_id", "agency__name", "reason"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False


@admin.register(BreakGlass)
class BreakGlassAdmin(AuditorReadOnly, admin.ModelAdmin[BreakGlass]):
    list_display = ["id", "user", "content_type", "object_id", "created_at", "expires_at", "reason"]
    list_filter = ["content_type", "created_at"]
    list_select_related = ["user", "content_type"]
    search_fields = ["user__username", "=object_id", "reason"]
    ordering = ["-created_at"]
