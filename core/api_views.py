"""The skeletons the API's views share, beside ``core.api``'s responses: the description of a cursor-paginated
list and the view that answers one, the plain (unpaginated) list of what a selector returned, and the view that
acts on one record (open it, read the body, call the service, answer).

The skeleton classes carry no docstrings: drf-spectacular publishes a view's (inherited) docstring as every
operation's description, and the published schema is the contract."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CURSOR_PARAMS, cursor_page_schema, list_page, validated
from core.pagination import Page

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


class CursorListView(APIView):
    # ``GET``: the cursor page (``next``, ``previous``, ``results``) of ``item`` that ``page_for`` (a selector
    # showing the viewer only what they may see, given ``cursor``, ``page_size`` and each of ``filters`` as a
    # keyword) returns for the caller's query parameters. A subclass declares its item, selector, operation id,
    # summary and filters once; they describe the operation too, its page named after the item
    # (``CaseSerializer``: ``CasePage``). A list whose filters a selector parses itself overrides ``get`` (the
    # description still applies).
    item: ClassVar[type[serializers.BaseSerializer[Any]]]
    operation_id: ClassVar[str]
    summary: ClassVar[str]
    filters: ClassVar[Sequence[OpenApiParameter]] = ()
    page_for: ClassVar[Callable[..., Page[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        page_name = cls.item.__name__.removesuffix("Serializer") + "Page"
        describe = cursor_list_schema(
            page_name, cls.item, operation_id=cls.operation_id, summary=cls.summary, parameters=cls.filters
        )
        extend_schema_view(get=describe)(cls)

    # ``request`` is Any so that a subclass's ``get`` may take it as authenticated.
    def get(self, request: Any, **kwargs: Any) -> Response:
        page_for = type(self).page_for  # a plain function: through the class, never bound to the view
        return list_page(request, page_for, self.item, *(parameter.name for parameter in self.filters))


def listed(serializer: type[serializers.BaseSerializer[Any]], rows: Iterable[Any]) -> Response:
    """A 200 with every one of ``rows`` (a short list a selector already limited to what the caller may see)."""
    return Response(serializer(rows, many=True).data)


class RecordActionView(APIView):
    # ``POST`` that acts on one record: ``opened`` fetches it as the caller may see it (404 when they may not;
    # 403 when they may see it but not do this) before the body is read; ``body`` checks the body (400 with field
    # messages; none when the action takes no body); ``act`` calls the one service and returns what to answer,
    # rendered by ``answer`` with ``answer_status``. A concrete action (one that names its ``summary``) is
    # described from the same attributes; an intermediate class (opening one kind of record) names none.
    body: ClassVar[type[serializers.BaseSerializer[Any]] | None] = None
    answer: ClassVar[type[serializers.BaseSerializer[Any]]]
    answer_status: ClassVar[int] = status.HTTP_200_OK
    operation_id: ClassVar[str | None] = None
    summary: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "summary" not in cls.__dict__:
            return
        describe = extend_schema(
            request=cls.body,
            responses={cls.answer_status: cls.answer},
            operation_id=cls.operation_id,
            summary=cls.summary,
        )
        extend_schema_view(post=describe)(cls)

    def opened(self, request: Any) -> Any:
        raise NotImplementedError

    def act(self, request: Any, record: Any, data: Any) -> Any:
        raise NotImplementedError

    def post(self, request: Request, **kwargs: Any) -> Response:
        record = self.opened(request)
        data = validated(self.body, request) if self.body is not None else {}
        return Response(self.answer(self.act(request, record, data)).data, status=self.answer_status)
