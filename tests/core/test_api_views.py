"""The views' shared skeletons: a cursor list is described with the cursor parameters and its own filters,
and a page of ``next``, ``previous`` and ``results``; a plain list is every row, serialized."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_views import cursor_list_schema, listed


class ThingSerializer(serializers.Serializer):
    name = serializers.CharField()


class ThingListView(APIView):
    @cursor_list_schema(
        "ThingPage",
        ThingSerializer,
        operation_id="v1_things_list",
        summary="Things, newest first",
        parameters=[OpenApiParameter("colour", OpenApiTypes.STR, description="Only things of this colour.")],
    )
    def get(self, request):
        return Response({})


def test_a_cursor_list_is_described_by_its_page_and_parameters():
    schema = SchemaGenerator(patterns=[path("things/", ThingListView.as_view())]).get_schema(request=None, public=True)
    operation = schema["paths"]["/things/"]["get"]
    assert operation["operationId"] == "v1_things_list"
    assert operation["summary"] == "Things, newest first"
    assert {p["name"] for p in operation["parameters"]} == {"cursor", "page_size", "colour"}
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/ThingPage"}
    component = schema["components"]["schemas"]["ThingPage"]
    assert set(component["properties"]) == {"next", "previous", "results"}
    assert component["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Thing"}


def test_listed_answers_every_row():
    response = listed(ThingSerializer, [{"name": "a"}, {"name": "b"}])
    assert response.status_code == 200
    assert response.data == [{"name": "a"}, {"name": "b"}]
