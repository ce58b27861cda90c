"""Statistics API: aggregates for chairs, partnership admins and auditors."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from partnership.api.authentication import AuthenticatedRequest
from reports import selectors
from reports.api.serializers import StatisticsSerializer


class StatisticsView(APIView):
    @extend_schema(
        operation_id="v1_statistics_retrieve",
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                required=True,
                description="A calendar year (`2026`) or quarter (`2026-Q3`).",
            )
        ],
        responses=StatisticsSerializer,
        summary="Partnership statistics for a calendar year or quarter, small numbers suppressed",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        if not selectors.may_read_statistics(request.user):
            raise PermissionDenied("Statistics are for panel chairs, partnership admins and auditors.")
        statistics = selectors.partnership_statistics(viewer=request.user, period=request.query_params.get("period"))
        return Response(StatisticsSerializer(statistics).data)
