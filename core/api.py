"""API glue: the one exception handler (domain errors become JSON responses) and cursor pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import errors
from core.pagination import Page


def _validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    return {"detail": " ".join(exc.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.NotFound | Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, errors.PermissionDenied):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, errors.InvalidTransition):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, errors.ConflictError):
        return Response({"detail": exc.message}, status=status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, errors.DomainError):
        return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ParseError):
        response.data = {"detail": str(exc.detail)}
    return response


# --- Cursor pages ------------------------------------------------------------------------------

CURSOR_PARAMS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from `next` or `previous`."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 100 (default 20)."),
]


def page_url(request: Request, cursor: str | None) -> str | None:
    """The absolute URL of the neighbouring page (the caller's own filters kept)."""
    if cursor is None:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def cursor_page_schema(name: str, item: serializers.BaseSerializer[Any]) -> Any:
    """The OpenAPI shape of a cursor page of ``item``: ``next``, ``previous``, ``results``."""
    return inline_serializer(
        name,
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item,
        },
    )


def cursor_page_response(
    request: Request, page: Page[Any], serializer: type[serializers.BaseSerializer[Any]]
) -> Response:
    """A cursor page as the contract states it: ``next``, ``previous``, ``results`` (no count)."""
    return Response(
        {
            "next": page_url(request, page.next_cursor),
            "previous": page_url(request, page.previous_cursor),
            "results": serializer(page.results, many=True).data,
        }
    )


def list_page(
    request: Request,
    page_for: Callable[..., Page[Any]],
    serializer: type[serializers.BaseSerializer[Any]],
    *filters: str,
) -> Response:
    """``GET`` of a cursor-paginated list: the page ``page_for`` (a selector that shows the viewer only what
    they may see) returns for the caller's ``cursor``, ``page_size`` and ``filters`` query parameters."""
    params = request.query_params
    page = page_for(
        viewer=request.user,
        cursor=params.get("cursor"),
        page_size=params.get("page_size"),
        **{name: params.get(name) for name in filters},
    )
    return cursor_page_response(request, page, serializer)


def validated(serializer: type[serializers.BaseSerializer[Any]], request: Request) -> Any:
    """The request body checked by ``serializer``: its validated data (a 400 with field messages otherwise)."""
    incoming = serializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def created(serializer: type[serializers.BaseSerializer[Any]], record: Any) -> Response:
    """A 201 with the new ``record``."""
    return Response(serializer(record).data, status=status.HTTP_201_CREATED)


class SchemaAccess(permissions.BasePermission):
    """The OpenAPI schema and its reference page: public where ``CONVENE_API_SCHEMA_PUBLIC`` (local, test),
    otherwise (production) only for a signed-in user or a token holder."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(settings, "CONVENE_API_SCHEMA_PUBLIC", False) or request.user.is_authenticated)


# --- Updates name the version they were made against (optimistic concurrency, never opt-in) ----------


class PreconditionRequired(exceptions.APIException):
    """428: an update of a versioned record came without ``If-Match``."""

    status_code = 428
    default_detail = "Send If-Match with the record's ETag from GET: updates without it are refused."
    default_code = "precondition_required"


def if_match_parameter(what: str) -> OpenApiParameter:
    """The OpenAPI description of the ``If-Match`` header an update of ``what`` requires."""
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description=(
            f"Required. The {what}'s ETag (its version) as GET returned it. Without it the update is refused "
            f"with 428; when the {what} has changed since, with 412."
        ),
    )


PRECONDITION_RESPONSES = {
    412: OpenApiResponse(description="The record changed since the ETag sent in If-Match: fetch it again."),
    428: OpenApiResponse(description="No If-Match header: send the record's ETag."),
}


def required_version(request: Request, what: str) -> int:
    """The version an update was made against, from ``If-Match`` (``"3"``, ``W/"3"`` or ``3``): 428 without
    one (``*`` included, which would skip the check), 400 when it is not a version."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired(f"Send If-Match with the {what}'s ETag from GET: updates without it are refused.")
    tag = header.removeprefix("W/").strip().strip('"')
    if not tag.isascii() or not tag.isdigit():
        raise errors.ValidationError({"If-Match": [f"Send the {what}'s ETag, as GET returned it."]})
    return int(tag)


def with_etag(response: Response, version: int) -> Response:
    """The record's version as its ETag, for the next update's ``If-Match``."""
    response["ETag"] = f'"{version}"'
    return response


def versioned(
    serializer: type[serializers.BaseSerializer[Any]], record: Any, status_code: int = status.HTTP_200_OK
) -> Response:
    """``record`` with its version as the ETag (what an update of it must send as ``If-Match``)."""
    return with_etag(Response(serializer(record).data, status=status_code), record.version)
