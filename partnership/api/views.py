from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnership.api.serializers import AgencySerializer, ClearanceLevelSerializer, MeSerializer
from partnership.models import Agency, ClearanceLevel


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The caller: agency, clearance and roles")
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class AgencyListView(generics.ListAPIView):
    serializer_class = AgencySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Agency]:
        return Agency.objects.filter(is_active=True).order_by("name")


class ClearanceLevelListView(generics.ListAPIView):
    serializer_class = ClearanceLevelSerializer
    pagination_class = None
    queryset = ClearanceLevel.objects.order_by("rank")
