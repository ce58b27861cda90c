"""Referrals API: thin views over referrals.services and referrals.selectors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated, versioned
from core.api_views import CursorListView, RecordActionView
from partnership.api.authentication import AuthenticatedRequest
from referrals import selectors, services
from referrals.api.serializers import (
    ReferralCreateSerializer,
    ReferralSerializer,
    ShareCreateSerializer,
    ShareSerializer,
)
from referrals.models import Referral
from sharing.models import Share

API_RELATIONS = ("subject",)
"""What the API's answers show of a referral beside its own fields, fetched with it (its pages' other relations
cost the detail query most of its planning)."""


class ReferralListView(CursorListView):
    item = ReferralSerializer
    page_for = selectors.referral_page_visible_to
    filters = [OpenApiParameter("status", OpenApiTypes.STR, description="Only referrals in this status.")]
    operation_id = "v1_referrals_list"
    summary = "Referrals the caller may see, newest change first"

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer}, summary="Submit a referral")
    def post(self, request: AuthenticatedRequest) -> Response:
        data = dict(validated(ReferralCreateSerializer, request))
        referral = services.create_referral(
            actor=request.user,
            subject=data.pop("subject"),
            concerns=data.pop("concerns"),
            classification=data.pop("classification"),
            **data,
        )
        referral = selectors.access_referral(
            viewer=request.user, referral_id=referral.pk, audit=False, relations=API_RELATIONS
        )
        return versioned(ReferralSerializer, referral, status.HTTP_201_CREATED)


class ReferralDetailView(APIView):
    @extend_schema(
        responses=ReferralSerializer,
        summary="One referral (404 when the caller may not see it); its ETag is the If-Match of its updates",
    )
    def get(self, request: AuthenticatedRequest, referral_id: int) -> Response:
        referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, relations=API_RELATIONS)
        return versioned(ReferralSerializer, referral)


class ShareCreateView(RecordActionView):
    # ``POST``: share the record ``opened`` returns with an agency, for a reason, until an optional expiry; ``act``
    # calls the record's own sharing service with the agency, reason and expiry.
    body = ShareCreateSerializer
    answer = ShareSerializer
    answer_status = status.HTTP_201_CREATED


class ReferralShareListView(ShareCreateView):
    summary = "Share with an agency"

    def opened(self, request: AuthenticatedRequest) -> Referral:
        referral_id = self.kwargs["referral_id"]
        return selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False, relations=())

    def act(self, request: AuthenticatedRequest, referral: Referral, data: dict[str, Any]) -> Share:
        return services.share_referral(actor=request.user, referral_id=referral.pk, **data)


class ReferralShareDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke a share")
    def delete(self, request: AuthenticatedRequest, referral_id: int, share_id: int) -> Response:
        referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False, relations=())
        services.revoke_referral_share(
            actor=request.user,
            referral_id=referral.pk,
            share_id=share_id,
            reason=request.query_params.get("reason", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
