"""The audit trail for auditors (everyone else 403)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from core.api import cursor_page_response
from core.api_views import CursorListView
from core.models import AuditVerb
from governance import selectors
from governance.api.serializers import AuditEventSerializer
from governance.permissions import Capability, can
from partnership.api.authentication import AuthenticatedRequest

FILTER_PARAMS = [
    OpenApiParameter("actor", OpenApiTypes.STR, description="Only events by this username."),
    OpenApiParameter(
        "reference",
        OpenApiTypes.STR,
        description="Every event about this record (`REF-2026-000123`, `CASE-2026-000045` or `TEN-2026-000012`): "
        "the referral, its case, and their entries, requests, attachments and documents; or the tension report, "
        "its events and response actions.",
    ),
    OpenApiParameter("verb", OpenApiTypes.STR, enum=AuditVerb.values, description="Only events of this kind."),
    OpenApiParameter(
        "since", OpenApiTypes.STR, description="ISO date or date-time; events at or after it (a date: from its start)."
    ),
    OpenApiParameter(
        "until", OpenApiTypes.STR, description="ISO date or date-time; events at or before it (a date: to its end)."
    ),
    OpenApiParameter(
        "break_glass", OpenApiTypes.BOOL, description="`true`: only break-glass events; `false`: only the others."
    ),
]


class IsAuditor(BasePermission):
    message = "Only auditors can read the audit trail."

    def has_permission(self, request: Any, view: Any) -> bool:
        return can(request.user, Capability.READ_AUDIT_TRAIL)


class AuditEventListView(CursorListView):
    permission_classes = [IsAuthenticated, IsAuditor]
    item = AuditEventSerializer
    filters = FILTER_PARAMS
    operation_id = "v1_audit_events_list"
    summary = "The audit trail, newest first (auditors only)"

    # The trail's filters (a reference, a period, break-glass) are parsed by its own selector.
    def get(self, request: AuthenticatedRequest, **kwargs: Any) -> Response:
        page = selectors.search_trail(
            viewer=request.user,
            filters=selectors.parse_filters(request.query_params),
            cursor=request.query_params.get("cursor"),
            page_size=request.query_params.get("page_size"),
        )
        return cursor_page_response(request, page, AuditEventSerializer)
