"""Cases, the chronology, screening decisions, information requests and contributions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors, services
from cases.api.serializers import (
    CaseSerializer,
    CaseTransitionSerializer,
    ChronologySerializer,
    ContributionCreateSerializer,
    InformationRequestCreateSerializer,
    InformationRequestSerializer,
    ScreeningDecisionSerializer,
)
from core.api import PRECONDITION_RESPONSES, if_match_parameter, required_version, validated, versioned
from core.api_views import CursorListView, listed
from core.errors import ValidationError
from partnership.api.authentication import AuthenticatedRequest
from partnership.models import Panel, User
from referrals import selectors as referral_selectors
from referrals.api.serializers import ReferralSerializer


class CaseListView(CursorListView):
    item = CaseSerializer
    page_for = selectors.case_page_visible_to
    operation_id = "v1_cases_list"
    summary = "Cases the caller may see, newest change first"


class CaseDetailView(APIView):
    @extend_schema(
        responses=CaseSerializer,
        summary="One case (404 when the caller may not see it); its ETag is the If-Match of its transitions",
    )
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = selectors.access_case(viewer=request.user, case_id=case_id)
        return versioned(CaseSerializer, case)


class CaseTransitionView(APIView):
    @extend_schema(
        parameters=[if_match_parameter("case")],
        request=CaseTransitionSerializer,
        responses={200: CaseSerializer, **PRECONDITION_RESPONSES},
        summary="Move a case to another state (refused with 409 when not allowed from here; needs If-Match)",
    )
    def post(self, request: AuthenticatedRequest, case_id: int) -> Response:
        selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
        data = validated(CaseTransitionSerializer, request)
        services.transition_case(
            actor=request.user,
            case_id=case_id,
            to_status=data["status"],
            reason=data["reason"],
            expected_version=required_version(request, "case"),
        )
        return versioned(CaseSerializer, selectors.access_case(viewer=request.user, case_id=case_id, audit=False))


class ChronologyView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("agency", OpenApiTypes.INT, description="Only entries from this agency."),
            OpenApiParameter("entry_type", OpenApiTypes.STR, description="Only entries of this type."),
        ],
        responses=ChronologySerializer,
        summary="Entries visible to the caller, oldest first, and how many are withheld above their clearance",
    )
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
        chronology = referral_selectors.chronology_for(
            viewer=request.user,
            referral=case.referral,
            agency_id=request.query_params.get("agency"),
            entry_type=request.query_params.get("entry_type"),
        )
        return Response(ChronologySerializer(chronology).data)


class ScreeningDecisionView(APIView):
    @extend_schema(
        parameters=[if_match_parameter("referral")],
        request=ScreeningDecisionSerializer,
        responses={200: ReferralSerializer, **PRECONDITION_RESPONSES},
        summary="Record the screening decision (screening officers of the screening agency; needs If-Match)",
    )
    def post(self, request: AuthenticatedRequest, referral_id: int) -> Response:
        referral = referral_selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
        data: dict[str, Any] = validated(ScreeningDecisionSerializer, request)
        panel = Panel.objects.filter(pk=data["panel"]).first() if data.get("panel") else None
        if data.get("panel") and panel is None:
            raise ValidationError({"panel": ["There is no panel with that id."]})
        owner = User.objects.filter(username=data["case_owner"]).first() if data.get("case_owner") else None
        if data.get("case_owner") and owner is None:
            raise ValidationError({"case_owner": ["There is no user with that username."]})
        services.screen_referral(
            actor=request.user,
            referral_id=referral.pk,
            decision=data["decision"],
            rationale=data["rationale"],
            signposted_to=data.get("signposted_to", ""),
            panel=panel,
            case_owner=owner,
            expected_version=required_version(request, "referral"),
        )
        referral = referral_selectors.access_referral(viewer=request.user, referral_id=referral.pk, audit=False)
        return versioned(ReferralSerializer, referral)


class CaseInformationRequestsView(APIView):
    @extend_schema(responses=InformationRequestSerializer(many=True), summary="Information requests on a case")
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = selectors.access_case(viewer=request.user, case_id=case_id)
        return listed(InformationRequestSerializer, selectors.requests_for_case(viewer=request.user, case=case))

    @extend_schema(
        request=InformationRequestCreateSerializer,
        responses={201: InformationRequestSerializer(many=True)},
        summary="Ask agencies for what they know (the case owner or a chair)",
    )
    def post(self, request: AuthenticatedRequest, case_id: int) -> Response:
        selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
        data = validated(InformationRequestCreateSerializer, request)
        requests = services.request_information(
            actor=request.user,
            case_id=case_id,
            agency_ids=data["agencies"],
            question=data["question"],
            due_date=data.get("due_date"),
        )
        return Response(InformationRequestSerializer(requests, many=True).data, status=status.HTTP_201_CREATED)


class AgencyInformationRequestsView(APIView):
    @extend_schema(
        responses=InformationRequestSerializer(many=True), summary="The caller's agency's open information requests"
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return listed(InformationRequestSerializer, selectors.requests_for_agency(viewer=request.user))


class ContributionView(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request=ContributionCreateSerializer,
        responses={201: inline_serializer("ContributionCreated", {"entry": serializers.IntegerField()})},
        summary="Return a contribution to an information request (the agency's SPOC or assignee)",
    )
    def post(self, request: AuthenticatedRequest, request_id: int) -> Response:
        data = validated(ContributionCreateSerializer, request)
        entry = services.return_contribution(
            actor=request.user,
            request_id=request_id,
            text=data["text"],
            classification=data["classification"],
            releasable_summary=data["releasable_summary"],
            documents=request.FILES.getlist("documents") if hasattr(request, "FILES") else None,
        )
        return Response({"entry": entry.pk}, status=status.HTTP_201_CREATED)
