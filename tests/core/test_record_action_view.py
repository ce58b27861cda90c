"""An action on one record declared as a ``RecordActionView``: the record is opened before the body is read
(404 when the caller may not see it, 403 when they may not do this, whatever the body says), then the body is
checked (400), then the service is called and its result answered with the declared status. An action without
a body never reads one. A concrete action (one naming its summary) is described from its declaration."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.test import APIRequestFactory

from core.api_views import RecordActionView

SEEN = 1
FORBIDDEN = 2
ACTED: list[tuple[Any, Any]] = []


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10)


class AnswerSerializer(serializers.Serializer):
    record = serializers.IntegerField()
    said = serializers.CharField()


class _WidgetAction(RecordActionView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def opened(self, request: Any) -> int:
        widget_id = self.kwargs["widget_id"]
        if widget_id == FORBIDDEN:
            raise PermissionDenied("You may not annotate this widget.")
        if widget_id != SEEN:
            raise NotFound("Not found.")
        return int(widget_id)


class Annotate(_WidgetAction):
    body = NoteSerializer
    answer = AnswerSerializer
    answer_status = status.HTTP_201_CREATED
    operation_id = "v1_widgets_annotate"
    summary = "Annotate a widget"

    def act(self, request: Any, record: Any, data: Any) -> dict[str, Any]:
        ACTED.append((record, data))
        return {"record": record, "said": data["text"]}


class Poke(_WidgetAction):
    answer = AnswerSerializer
    summary = "Poke a widget"

    def act(self, request: Any, record: Any, data: Any) -> dict[str, Any]:
        ACTED.append((record, data))
        return {"record": record, "said": "poked"}


def _post(view: type[RecordActionView], widget_id: int, body: str) -> Any:
    request = APIRequestFactory().post(f"/widgets/{widget_id}/", body, content_type="application/json")
    return view.as_view()(request, widget_id=widget_id)


def test_a_record_the_caller_may_not_see_is_404_before_the_body_is_checked() -> None:
    ACTED.clear()
    response = _post(Annotate, 99, '{"text": "far too long for the field"}')
    assert response.status_code == 404
    assert ACTED == []


def test_a_capability_the_caller_lacks_is_403_before_the_body_is_checked() -> None:
    ACTED.clear()
    response = _post(Annotate, FORBIDDEN, '{"text": "far too long for the field"}')
    assert response.status_code == 403
    assert response.data == {"detail": "You may not annotate this widget."}
    assert ACTED == []


def test_a_bad_body_on_an_open_record_is_400_with_field_messages() -> None:
    ACTED.clear()
    response = _post(Annotate, SEEN, '{"text": "far too long for the field"}')
    assert response.status_code == 400
    assert set(response.data) == {"text"}
    assert ACTED == []


def test_a_good_body_calls_the_service_once_and_answers_with_the_declared_status() -> None:
    ACTED.clear()
    response = _post(Annotate, SEEN, '{"text": "hello"}')
    assert response.status_code == 201
    assert response.data == {"record": 1, "said": "hello"}
    assert ACTED == [(1, {"text": "hello"})]


def test_an_action_without_a_body_never_reads_one_and_acts_on_nothing() -> None:
    ACTED.clear()
    response = _post(Poke, SEEN, "this is not JSON")
    assert response.status_code == 200
    assert response.data == {"record": 1, "said": "poked"}
    assert ACTED == [(1, {})]


def _operations() -> dict[str, Any]:
    patterns = [
        path("widgets/<int:widget_id>/annotate/", Annotate.as_view()),
        path("widgets/<int:widget_id>/poke/", Poke.as_view()),
    ]
    schema: dict[str, Any] = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    return schema


def test_a_concrete_action_is_described_from_its_declaration() -> None:
    schema = _operations()
    annotate = schema["paths"]["/widgets/{widget_id}/annotate/"]["post"]
    assert annotate["operationId"] == "v1_widgets_annotate"
    assert annotate["summary"] == "Annotate a widget"
    assert annotate["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NoteRequest"
    }
    assert set(annotate["responses"]) == {"201"}
    assert annotate["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Answer"
    }
    poke = schema["paths"]["/widgets/{widget_id}/poke/"]["post"]
    assert poke["summary"] == "Poke a widget"
    assert "requestBody" not in poke  # described with request=None: no body at all
    assert set(poke["responses"]) == {"200"}
