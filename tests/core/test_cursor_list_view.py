"""A cursor list declared as a ``CursorListView``: its ``GET`` asks the selector for the caller's cursor, page
size and declared filters and answers ``next``, ``previous`` and ``results``; its description is the one
``cursor_list_schema`` gives for the same item, operation id, summary and filters (its page named after the
item)."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.api_views import CursorListView, cursor_list_schema
from core.pagination import Page

COLOUR = OpenApiParameter("colour", OpenApiTypes.STR, description="Only widgets of this colour.")
ASKED: list[dict[str, Any]] = []


class WidgetSerializer(serializers.Serializer):
    name = serializers.CharField()


def widget_page(**asked: Any) -> Page[dict[str, str]]:
    ASKED.append(asked)
    return Page(results=[{"name": "sprocket"}, {"name": "cog"}], next_cursor="NEXT", previous_cursor=None)


class WidgetList(CursorListView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    item = WidgetSerializer
    operation_id = "v1_widgets_list"
    summary = "Widgets, newest first"
    filters = (COLOUR,)
    page_for = widget_page


class DescribedByHand(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @cursor_list_schema(
        "WidgetPage",
        WidgetSerializer,
        operation_id="v1_widgets_list",
        summary="Widgets, newest first",
        parameters=[COLOUR],
    )
    def get(self, request: Any) -> Response:
        return Response({})


def _schema(view: type[APIView]) -> dict[str, Any]:
    generator = SchemaGenerator(patterns=[path("widgets/", view.as_view())])
    schema: dict[str, Any] = generator.get_schema(request=None, public=True)
    return schema


def test_the_page_answers_next_previous_and_results_for_the_callers_parameters() -> None:
    ASKED.clear()
    request = APIRequestFactory().get("/widgets/?cursor=abc&page_size=5&colour=red&size=large")

    response = WidgetList.as_view()(request)

    assert response.status_code == 200
    assert response.data == {
        "next": "http://testserver/widgets/?cursor=NEXT&page_size=5&colour=red&size=large",
        "previous": None,
        "results": [{"name": "sprocket"}, {"name": "cog"}],
    }
    assert len(ASKED) == 1
    viewer = ASKED[0].pop("viewer")
    assert viewer.is_anonymous
    # Only the declared filter reaches the selector; an undeclared parameter (size) does not.
    assert ASKED[0] == {"cursor": "abc", "page_size": "5", "colour": "red"}


def test_an_absent_parameter_reaches_the_selector_as_none() -> None:
    ASKED.clear()

    response = WidgetList.as_view()(APIRequestFactory().get("/widgets/"))

    assert response.status_code == 200
    assert response.data["next"] == "http://testserver/widgets/?cursor=NEXT"
    ASKED[0].pop("viewer")
    assert ASKED[0] == {"cursor": None, "page_size": None, "colour": None}


def test_its_description_is_the_one_cursor_list_schema_gives() -> None:
    declared = _schema(WidgetList)
    by_hand = _schema(DescribedByHand)

    assert declared["paths"]["/widgets/"]["get"] == by_hand["paths"]["/widgets/"]["get"]
    assert declared["components"] == by_hand["components"]
    operation = declared["paths"]["/widgets/"]["get"]
    assert operation["operationId"] == "v1_widgets_list"
    assert operation["summary"] == "Widgets, newest first"
    assert [p["name"] for p in operation["parameters"]] == ["colour", "cursor", "page_size"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/WidgetPage"}
    assert set(declared["components"]["schemas"]["WidgetPage"]["properties"]) == {"next", "previous", "results"}
