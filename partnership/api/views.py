from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_views import listed
from core.errors import ValidationError
from partnership import permissions, selectors, services
from partnership.api.authentication import AuthenticatedRequest
from partnership.api.serializers import (
    AgencySerializer,
    ClearanceLevelSerializer,
    MeSerializer,
    UserPendingSerializer,
    UserSerializer,
)
from partnership.models import Agency, ChangeRequest, ClearanceLevel, User

T = TypeVar("T")


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


# --- Users (partnership admins only) ----------------------------------------------------------


class IsPartnershipAdmin(BasePermission):
    message = "Only partnership admins manage users."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_configure(request.user)


# The services speak model fields; the API speaks the contract's.
API_FIELD = {"clearance": "clearance_rank", "first_name": "full_name", "last_name": "full_name"}


def _in_api_terms(call: Callable[[], T]) -> T:
    try:
        return call()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        fields: dict[str, list[str]] = {}
        for key, messages in exc.message_dict.items():
            fields.setdefault(API_FIELD.get(key, key), []).extend(messages)
        raise ValidationError(fields) from exc


def _body(user: User, pending: ChangeRequest | None) -> dict[str, Any]:
    body: dict[str, Any] = dict(UserSerializer(user).data)
    if pending is not None:
        body["pending_approval"] = {"id": pending.pk, "before": pending.before, "after": pending.after}
    return body


USERS_ONLY_ADMINS = OpenApiResponse(description="Not a partnership admin, or an admin changing their own access.")
PENDING = OpenApiResponse(
    UserPendingSerializer, description="Part of the change waits for a second partnership admin's approval."
)


class UserListView(APIView):
    permission_classes = [IsAuthenticated, IsPartnershipAdmin]

    @extend_schema(
        operation_id="v1_users_list",
        responses={200: UserSerializer(many=True), 403: USERS_ONLY_ADMINS},
        summary="Everyone who uses Convene (partnership admins only)",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return listed(UserSerializer, selectors.user_list_for(viewer=request.user))

    @extend_schema(
        operation_id="v1_users_create",
        request=UserSerializer,
        responses={201: UserPendingSerializer, 403: USERS_ONLY_ADMINS},
        summary="Add a user; a clearance or roles wait for a second admin when the partnership asks for that",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = UserSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.changes()
        user = _in_api_terms(
            lambda: services.create_user(
                actor=request.user,
                password=None,  # they set their own with the password-reset journey
                username=changes["username"],
                first_name=changes.get("first_name", ""),
                last_name=changes.get("last_name", ""),
                email=changes.get("email", ""),
                agency=changes.get("agency"),
                clearance=changes.get("clearance"),
                roles=changes.get("roles", []),
                is_active=changes.get("is_active", True),
            )
        )
        pending = next(iter(services.pending_change_requests(user=user)), None)
        return Response(_body(user, pending), status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [IsAuthenticated, IsPartnershipAdmin]

    @extend_schema(
        operation_id="v1_users_retrieve",
        responses={200: UserSerializer, 403: USERS_ONLY_ADMINS},
        summary="One user (partnership admins only)",
    )
    def get(self, request: AuthenticatedRequest, user_id: int) -> Response:
        return Response(UserSerializer(selectors.user_for(viewer=request.user, user_id=user_id)).data)

    @extend_schema(
        operation_id="v1_users_partial_update",
        request=UserSerializer,
        responses={200: UserSerializer, 202: PENDING, 403: USERS_ONLY_ADMINS},
        summary="Change a user: 200 when applied, 202 when it waits for a second admin's approval",
    )
    def patch(self, request: AuthenticatedRequest, user_id: int) -> Response:
        user = selectors.user_for(viewer=request.user, user_id=user_id)
        serializer = UserSerializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        outcome = _in_api_terms(
            lambda: services.update_user(actor=request.user, user=user, changes=serializer.changes())
        )
        code = status.HTTP_202_ACCEPTED if outcome.pending is not None else status.HTTP_200_OK
        return Response(_body(outcome.user, outcome.pending), status=code)
