"""The skeletons the API's views share, beside ``core.api``'s responses: the description of a cursor-paginated
list, and the plain (unpaginated) list of what a selector returned."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import CURSOR_PARAMS, cursor_page_schema

F = TypeVar("F", bound=Callable[..., Any])


def cursor_list_schema(
    page: str,
    item: type[serializers.BaseSerializer[Any]],
    *,
    operation_id: str,
    summary: str,
    parameters: Sequence[OpenApiParameter] = (),
) -> Callable[[F], F]:
    """The OpenAPI description of a ``GET`` answered by a cursor page of ``item`` (``core.api.list_page`` or
    ``cursor_page_response``): the ``cursor`` and ``page_size`` parameters, then ``parameters`` (its filters);
    ``page`` names the page's component."""
    return extend_schema(
        operation_id=operation_id,
        parameters=[*CURSOR_PARAMS, *parameters],
        responses=cursor_page_schema(page, item(many=True)),
        summary=summary,
    )


def listed(serializer: type[serializers.BaseSerializer[Any]], rows: Iterable[Any]) -> Response:
    """A 200 with every one of ``rows`` (a short list a selector already limited to what the caller may see)."""
    return Response(serializer(rows, many=True).data)
